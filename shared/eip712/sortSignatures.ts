import type { Address, Hex } from "viem";
import { DuplicateSignerError } from "./errors.js";
import { splitSignature } from "./signature.js";

/** One attester's signature. */
export type SignerSignature = {
  /** The attester's address. */
  signer: Address;
  /** Its 65-byte `r ‖ s ‖ v` signature. */
  signature: Hex;
};

/**
 * Concatenates signatures in the order the contracts require: ascending signer address.
 *
 * @param signatures one per attester, any order
 * @returns the signatures concatenated (`65 × n` bytes)
 * @throws {DuplicateSignerError} when a signer appears twice
 * @throws {InvalidSignatureError} when a signature is not 65 bytes
 * @example
 * await hub.write.submitRoot([packet, sortSignatures([{ signer: a, signature: sa }, { signer: b, signature: sb }])]);
 */
export function sortSignatures(signatures: readonly SignerSignature[]): Hex {
  const sorted = signatures
    .map((entry) => ({ key: BigInt(entry.signer), entry }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  sorted.forEach((current, i) => {
    if (i > 0 && sorted[i - 1]?.key === current.key) throw new DuplicateSignerError(current.entry.signer);
    splitSignature(current.entry.signature);
  });
  return `0x${sorted.map(({ entry }) => entry.signature.slice(2).toLowerCase()).join("")}`;
}
