import { type Hex, hashTypedData, keccak256 } from "viem";
import { type AttestationDomain, attestationTypes } from "./attestationDomain.js";

/**
 * The EIP-712 digest attesters sign for `packet`, as `QuorumVerifier.attestationDigest`:
 * `keccak256("\x19\x01" ‖ domainSeparator ‖ keccak256(abi.encode(ATTESTATION_TYPEHASH, keccak256(packet))))`.
 *
 * @param domain the destination's attestation domain
 * @param packet the packet bytes
 * @returns the 32-byte digest
 */
export function hashAttestation(domain: AttestationDomain, packet: Hex): Hex {
  return hashTypedData({
    domain,
    types: attestationTypes,
    primaryType: "Attestation",
    message: { packetHash: keccak256(packet) },
  });
}
