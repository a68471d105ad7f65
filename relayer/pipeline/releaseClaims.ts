import type { RedisClient } from "../createRedisClient.js";
import { leafClaimKey } from "../discovery/buildBalanceBatches.js";
import type { BalanceBatchClaim } from "../types.js";

/**
 * Frees a batch's leaves for the next discovery round: called when the batch failed for good or
 * another batch took its guid, so its leaves are not left waiting for the claim TTL.
 *
 * @param redis Redis
 * @param prefix key prefix (the queue prefix)
 * @param claim the batch
 */
export async function releaseClaims(
  redis: RedisClient,
  prefix: string,
  claim: BalanceBatchClaim,
): Promise<void> {
  if (claim.leaves.length === 0) return;
  await redis.del(...claim.leaves.map((leaf) => leafClaimKey(prefix, leaf)));
}
