import { price } from "../../ponder.schema.js";
import { bumpRiskStamp } from "./bumpRiskStamp.js";
import type { IndexerDb } from "./context.js";

type PriceRow = typeof price.$inferSelect;

/**
 * Stores a feed's answer. An `AnswerUpdated` event (`source: "event"`) always wins, events being
 * indexed in order; a `latestRoundData` read (`source: "read"`) is stored only when no answer is
 * known or its round is later, so a read never overwrites a newer event. A write moves the
 * `indexer_state.riskStamp`.
 *
 * @param db the handler's `context.db`
 * @param row the answer (feed lowercase)
 * @returns whether the stored answer changed
 */
export async function upsertPrice(db: IndexerDb, row: PriceRow): Promise<boolean> {
  const existing = await db.find(price, { feed: row.feed });
  if (existing === null) {
    await db.insert(price).values(row);
    await bumpRiskStamp(db);
    return true;
  }
  if (row.source !== "event" && row.roundId <= existing.roundId) return false;
  // Read before the update: the row `find` returned may be the cached object the update changes.
  const previous = existing.answer;
  const { feed: _key, ...rest } = row;
  await db.update(price, { feed: row.feed }).set(rest);
  await bumpRiskStamp(db);
  return rest.answer !== previous;
}
