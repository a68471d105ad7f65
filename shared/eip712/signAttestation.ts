import { type Hex, keccak256, type LocalAccount, numberToHex, parseSignature } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type AttestationDomain, attestationTypes } from "./attestationDomain.js";
import { SECP256K1_HALF_N, SECP256K1_N } from "./signature.js";

/**
 * Signs the attestation of `packet` for `domain`.
 *
 * @param signer a local account (anything with `signTypedData`) or a private key
 * @param domain the destination's attestation domain
 * @param packet the packet bytes
 * @returns a 65-byte `r ‖ s ‖ v` signature with low s and v ∈ {27, 28}
 * @example
 * const signature = await signAttestation(attesterKey, attestationDomain({ chainId, verifyingContract: hub }), packet);
 */
export async function signAttestation(
  signer: LocalAccount | Hex,
  domain: AttestationDomain,
  packet: Hex,
): Promise<Hex> {
  const account = typeof signer === "string" ? privateKeyToAccount(signer) : signer;
  const signature = await account.signTypedData({
    domain,
    types: attestationTypes,
    primaryType: "Attestation",
    message: { packetHash: keccak256(packet) },
  });
  return normalize(signature);
}

/** Forces the canonical form the contracts accept: low s, v = 27 + yParity. */
function normalize(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  let sValue = BigInt(s);
  let parity = yParity;
  if (sValue > SECP256K1_HALF_N) {
    // (r, n − s) with the other parity is the same signature in its low-s form.
    sValue = SECP256K1_N - sValue;
    parity = parity === 0 ? 1 : 0;
  }
  return `0x${r.slice(2).padStart(64, "0")}${numberToHex(sValue, { size: 32 }).slice(2)}${parity === 0 ? "1b" : "1c"}`;
}
