import { price } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";

type PriceRow = typeof price.$inferSelect;

/**
 * Stores a feed's answer. An `AnswerUpdated` event (`source: "event"`) always wins, events being
 * indexed in order; a `latestRoundData` read (`source: "read"`) is stored only when no answer is
 * known or its round is later, so a read never overwrites a newer event.
 *
 * @param db the handler's `context.db`
 * @param row the answer (feed lowercase)
 */
export async function upsertPrice(db: IndexerDb, row: PriceRow): Promise<void> {
  const existing = await db.find(price, { feed: row.feed });
  if (existing === null) {
    await db.insert(price).values(row);
    return;
  }
  if (row.source !== "event" && row.roundId <= existing.roundId) return;
  const { feed: _key, ...rest } = row;
  await db.update(price, { feed: row.feed }).set(rest);
}
