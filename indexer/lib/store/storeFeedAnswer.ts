import { feedClient } from "../feedClient.js";
import type { IndexerDb } from "./context.js";
import { readFeed } from "./readFeed.js";
import { upsertPrice } from "./upsertPrice.js";

/**
 * Reads a feed's current answer (and its decimals, when not known) at the event's block and stores
 * it as a `read` price (a feed the indexer learns of before it emits `AnswerUpdated`).
 *
 * @param context the handler's `db` (the feed is read with `feedClient()`)
 * @param feed the feed (lowercase)
 * @param at the event's block and time
 * @param decimals the feed's decimals when known (else read)
 * @returns the feed's decimals
 */
export async function storeFeedAnswer(
  context: { db: IndexerDb },
  feed: `0x${string}`,
  at: { block: bigint; timestamp: bigint },
  decimals: number | undefined,
): Promise<number> {
  const answer = await readFeed(feedClient(), feed, { blockNumber: at.block, decimals });
  await upsertPrice(context.db, {
    feed,
    answer: answer.answer,
    decimals: answer.decimals,
    roundId: answer.roundId,
    updatedAt: answer.updatedAt,
    blockNumber: at.block,
    timestamp: at.timestamp,
    source: "read",
  });
  return answer.decimals;
}
