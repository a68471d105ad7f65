import type { Address } from "viem";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import type { Claim } from "../types.js";
import { AttestationRefusedError } from "./errors.js";

/** Return type of {@link claimRoute}: where a claim's packet must come from and go to. */
export type ClaimRouteReturnType = {
  /** The source chain's config entry. */
  src: ChainConfig;
  /** The destination chain's config entry. */
  dst: ChainConfig;
  /** The contract that must have sent the packet (vault for vault → hub, hub for commands). */
  sender: Address;
  /** The contract that must receive it: the EIP-712 verifying contract of the attestation. */
  receiver: Address;
};

/**
 * The route a claim's kind implies under the config: BALANCE_BATCH and WITHDRAWAL_REQUEST go
 * from the source chain's vault to the hub; APPROVE_WITHDRAWAL, REJECT_WITHDRAWAL and SEIZE go
 * from the hub to the destination chain's vault.
 *
 * @param config the parsed config
 * @param claim the claim (only `kind`, `srcChainId` and `dstChainId` are read)
 * @returns source and destination chains, sender and receiver
 * @throws {AttestationRefusedError} when a chain is not configured or has the wrong role
 * @example
 * const { dst, receiver } = claimRoute(config, claim);
 * const domain = attestationDomain({ chainId: dst.chainId, verifyingContract: receiver });
 */
export function claimRoute(
  config: Config,
  claim: Pick<Claim, "kind" | "srcChainId" | "dstChainId">,
): ClaimRouteReturnType {
  const src = configuredChain(config, "srcChainId", claim.srcChainId);
  const dst = configuredChain(config, "dstChainId", claim.dstChainId);
  const toHub = claim.kind === "balance_batch" || claim.kind === "withdrawal_request";
  if (toHub) {
    const hub = hubOf(dst, "dstChainId", claim.kind);
    return { src, dst, sender: src.contracts.vault, receiver: hub };
  }
  const hub = hubOf(src, "srcChainId", claim.kind);
  return { src, dst, sender: hub, receiver: dst.contracts.vault };
}

function configuredChain(config: Config, field: string, chainId: number): ChainConfig {
  const chain = config.chains[String(chainId)];
  if (chain === undefined) {
    throw new AttestationRefusedError({
      check: field,
      reason: `chain ${chainId} is not configured (configured: ${Object.keys(config.chains).join(", ")})`,
    });
  }
  return chain;
}

function hubOf(chain: ChainConfig, field: string, kind: Claim["kind"]): Address {
  const hub = chain.contracts.hub;
  if (chain.role !== "hub" || hub === undefined) {
    throw new AttestationRefusedError({
      check: field,
      reason: `a ${kind} packet must ${field === "dstChainId" ? "go to" : "come from"} the hub chain, but chain ${chain.chainId} has role "${chain.role}"`,
    });
  }
  return hub;
}
