import type { PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import type { Claim } from "../types.js";
import { NotYetDeliverableError } from "./errors.js";
import { parseClaim } from "./parseClaim.js";
import { readInboundNonce } from "./readInboundNonce.js";

/** Parameters of {@link checkDeliverable}. */
export type CheckDeliverableParameters = {
  config: Config;
  /** A public client of the claim's destination chain. */
  client: PublicClient;
  claim: Claim;
};

/**
 * Checks that an ordered packet (withdrawal request or hub command) is next on its path: the
 * destination applies nonce `inboundNonce + 1` only, so a later packet waits for the earlier
 * ones (its job retries with backoff). Balance batches are not ordered and always pass.
 *
 * @param parameters config, destination client, claim
 * @throws {NotYetDeliverableError} when the packet's nonce is above `inboundNonce + 1`
 * @throws {InvalidClaimError} when the claim does not match the config or its packet
 */
export async function checkDeliverable(parameters: CheckDeliverableParameters): Promise<void> {
  const parsed = parseClaim(parameters.config, parameters.claim);
  const inbound = await readInboundNonce({ client: parameters.client, parsed });
  if (parsed.orderedNonce === undefined || inbound === undefined) return;
  if (parsed.orderedNonce > inbound + 1n) throw new NotYetDeliverableError(inbound + 1n, parsed.orderedNonce);
}
