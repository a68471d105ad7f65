import { type Address, type Hex, recoverAddress } from "viem";
import type { AttestationDomain } from "./attestationDomain.js";
import { InvalidSignatureError, MalleableSignatureError } from "./errors.js";
import { hashAttestation } from "./hashAttestation.js";
import { SECP256K1_HALF_N, splitSignature } from "./signature.js";

/**
 * Recovers who signed the attestation of `packet` for `domain`, with the checks
 * `QuorumVerifier` applies (OpenZeppelin `ECDSA.tryRecover`).
 *
 * @param domain the destination's attestation domain
 * @param packet the packet bytes
 * @param signature a 65-byte `r ‖ s ‖ v` signature
 * @returns the signer's address (checksummed)
 * @throws {InvalidSignatureError} when not 65 bytes, v ∉ {27, 28}, or r / s is zero
 * @throws {MalleableSignatureError} when s is in the upper half of the curve order
 */
export async function recoverAttester(
  domain: AttestationDomain,
  packet: Hex,
  signature: Hex,
): Promise<Address> {
  const { r, s, v } = splitSignature(signature);
  if (s > SECP256K1_HALF_N) throw new MalleableSignatureError();
  if (v !== 27 && v !== 28) throw new InvalidSignatureError(`v must be 27 or 28, got ${v}`);
  if (r === 0n || s === 0n) throw new InvalidSignatureError("r and s must be non-zero");
  try {
    return await recoverAddress({ hash: hashAttestation(domain, packet), signature });
  } catch (error) {
    throw new InvalidSignatureError(
      error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error),
    );
  }
}
