import type { Hex, LocalAccount } from "viem";
import type { Config } from "../../shared/config/schema.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { signAttestation } from "../../shared/eip712/signAttestation.js";
import type { Claim } from "../types.js";
import { claimRoute } from "./claimRoute.js";

/** Parameters of {@link signClaim}. */
export type SignClaimParameters = {
  /** The attester's private key (or a local account holding it). */
  privateKey: Hex | LocalAccount;
  /** The claim whose packet is signed. Verify it first ({@link verifyClaim}): this only signs. */
  claim: Claim;
  /** The config: gives the destination contract (hub for vault → hub, vault for hub → vault). */
  config: Config;
};

/**
 * Signs a claim's packet: the EIP-712 `Attestation(bytes32 packetHash)` under the destination's
 * domain `{ name: "crossmargin", version: "1", chainId: dstChainId, verifyingContract }`, the
 * verifying contract being the route's receiver taken from the config.
 *
 * @param parameters key, claim and config
 * @returns the 65-byte `r ‖ s ‖ v` signature (low s, v 27/28), as `QuorumVerifier` accepts it
 * @throws {AttestationRefusedError} when the claim's chains are not configured for its kind
 * @example
 * await verifyClaim({ config, clients, claim });
 * const signature = await signClaim({ privateKey, claim, config });
 */
export async function signClaim(parameters: SignClaimParameters): Promise<Hex> {
  const { dst, receiver } = claimRoute(parameters.config, parameters.claim);
  const domain = attestationDomain({ chainId: dst.chainId, verifyingContract: receiver });
  return signAttestation(parameters.privateKey, domain, parameters.claim.packet);
}
