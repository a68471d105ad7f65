import { type Address, getAddress, type Hex, size, slice } from "viem";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { recoverAttester } from "../../shared/eip712/recoverAttester.js";

/** Parameters of {@link recoverSigners}. */
export type RecoverSignersParameters = {
  /** The destination chain (EIP-712 chain id). */
  chainId: number;
  /** The destination contract (EIP-712 verifying contract). */
  verifyingContract: Address;
  packet: Hex;
  /** 65-byte signatures concatenated, as the relayed entry points take them. */
  signatures: Hex;
};

/**
 * Who signed a delivered packet: recovers every 65-byte attestation under the destination's
 * domain, in the order given.
 *
 * @param parameters domain, packet and signatures
 * @returns the signers' checksummed addresses
 * @throws {Error} when the signatures are not a whole number of 65-byte signatures
 */
export async function recoverSigners(parameters: RecoverSignersParameters): Promise<Address[]> {
  const bytes = size(parameters.signatures);
  if (bytes % 65 !== 0) throw new Error(`expected 65-byte signatures, got ${bytes} bytes`);
  const domain = attestationDomain({
    chainId: parameters.chainId,
    verifyingContract: parameters.verifyingContract,
  });
  const signers: Address[] = [];
  for (let offset = 0; offset < bytes; offset += 65) {
    const signature = slice(parameters.signatures, offset, offset + 65);
    signers.push(getAddress(await recoverAttester(domain, parameters.packet, signature)));
  }
  return signers;
}
