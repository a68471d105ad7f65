import type { PublicClient } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { Config } from "../../shared/config/schema.js";
import type { Claim } from "../types.js";
import { parseClaim } from "./parseClaim.js";
import { readInboundNonce } from "./readInboundNonce.js";

/** Parameters of {@link isDelivered}. */
export type IsDeliveredParameters = {
  config: Config;
  /** A public client of the claim's destination chain. */
  client: PublicClient;
  claim: Claim;
};

/**
 * Whether the claim's packet is applied on its destination already, read from the chain (the
 * first step of a delivery: nothing to send then).
 *
 * - balance batch: `hub.batchSubmitted(guid)`;
 * - withdrawal request: `hub.inboundNonce(srcEid) >= nonce`;
 * - hub command: `vault.inboundNonce() >= nonce` (the vault of the destination chain).
 *
 * @param parameters config, destination client, claim
 * @returns `true` when applied
 * @throws {InvalidClaimError} when the claim does not match the config or its packet
 * @example
 * if (await isDelivered({ config, client, claim })) return { status: "already" };
 */
export async function isDelivered(parameters: IsDeliveredParameters): Promise<boolean> {
  const parsed = parseClaim(parameters.config, parameters.claim);
  if (parsed.orderedNonce === undefined) {
    return parameters.client.readContract({
      address: parsed.target.address,
      abi: marginHubAbi,
      functionName: "batchSubmitted",
      args: [parsed.header.guid],
    });
  }
  const inbound = await readInboundNonce({ client: parameters.client, parsed });
  return inbound !== undefined && inbound >= parsed.orderedNonce;
}
