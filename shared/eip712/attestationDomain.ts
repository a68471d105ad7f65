import type { Address } from "viem";

/** EIP-712 domain name of every crossmargin verifier (`QuorumVerifier`'s `EIP712("crossmargin", "1")`). */
export const ATTESTATION_DOMAIN_NAME = "crossmargin";
/** EIP-712 domain version. */
export const ATTESTATION_DOMAIN_VERSION = "1";

/** The EIP-712 types attesters sign: `Attestation(bytes32 packetHash)`, `packetHash = keccak256(packet)`. */
export const attestationTypes = {
  Attestation: [{ name: "packetHash", type: "bytes32" }],
} as const;

/** An attestation domain: bound to the destination chain and the destination contract. */
export type AttestationDomain = {
  name: typeof ATTESTATION_DOMAIN_NAME;
  version: typeof ATTESTATION_DOMAIN_VERSION;
  chainId: number;
  verifyingContract: Address;
};

/** Parameters of {@link attestationDomain}. */
export type AttestationDomainParameters = {
  /** The destination chain (where the packet is delivered and verified). */
  chainId: number;
  /** The destination contract (MarginHub or CollateralVault). */
  verifyingContract: Address;
};

/**
 * The EIP-712 domain a packet for `verifyingContract` on `chainId` is attested under.
 *
 * @param parameters destination chain and contract
 * @returns `{ name: "crossmargin", version: "1", chainId, verifyingContract }`
 * @example
 * const domain = attestationDomain({ chainId: 31337, verifyingContract: hub });
 */
export function attestationDomain(parameters: AttestationDomainParameters): AttestationDomain {
  return {
    name: ATTESTATION_DOMAIN_NAME,
    version: ATTESTATION_DOMAIN_VERSION,
    chainId: parameters.chainId,
    verifyingContract: parameters.verifyingContract,
  };
}
