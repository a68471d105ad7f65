import { collateral, perpMarket, price } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";

type PriceRow = typeof price.$inferSelect;
/** A feed's answer as a handler learns it (the followers are kept by the row). */
export type FeedAnswer = Omit<PriceRow, "collaterals" | "markets">;

/**
 * Stores a feed's answer. An `AnswerUpdated` event (`source: "event"`) always wins, events being
 * indexed in order; a `latestRoundData` read (`source: "read"`) is stored only when no answer is
 * known or its round is later, so a read never overwrites a newer event. A changed answer is
 * copied onto the feed's followers (`collateral` and `perp_market` rows, which margins read).
 *
 * @param db the handler's `context.db`
 * @param row the answer (feed lowercase)
 */
export async function upsertPrice(db: IndexerDb, row: FeedAnswer): Promise<void> {
  const existing = await db.find(price, { feed: row.feed });
  if (existing === null) {
    await db.insert(price).values({ ...row, collaterals: [], markets: [] });
    return;
  }
  if (row.source !== "event" && row.roundId <= existing.roundId) return;
  // Read before the update: the store may hand out its cached row, which the update changes.
  const { answer: previous, collaterals, markets } = existing;
  const { feed: _key, ...rest } = row;
  await db.update(price, { feed: row.feed }).set(rest);
  if (row.answer === previous) return;
  for (const key of collaterals) await db.update(collateral, key).set({ answer: row.answer });
  for (const address of markets) await db.update(perpMarket, { address }).set({ answer: row.answer });
}

/** A row that copies a feed's answer: a collateral by (chain, token), or a perp market. */
export type FeedFollower =
  | { collateral: { chainId: number; token: `0x${string}` } }
  | { market: `0x${string}` };

/**
 * Records `follower` on `feed`'s price row (once), so that later answers are copied onto it.
 *
 * @param db the handler's `context.db`
 * @param feed the feed (lowercase), whose answer is already stored
 * @param follower the collateral or market
 * @returns the feed's current answer, for the follower's row
 * @throws {Error} when the feed has no stored answer
 */
export async function followFeed(
  db: IndexerDb,
  feed: `0x${string}`,
  follower: FeedFollower,
): Promise<bigint> {
  const row = await db.find(price, { feed });
  if (row === null) throw new Error(`followFeed: no answer stored for feed ${feed}`);
  if ("collateral" in follower) {
    const { chainId, token } = follower.collateral;
    if (!row.collaterals.some((c) => c.chainId === chainId && c.token === token))
      await db.update(price, { feed }).set({ collaterals: [...row.collaterals, { chainId, token }] });
  } else if (!row.markets.includes(follower.market))
    await db.update(price, { feed }).set({ markets: [...row.markets, follower.market] });
  return row.answer;
}

/**
 * Removes a collateral from `feed`'s followers (it was re-configured onto another feed).
 *
 * @param db the handler's `context.db`
 * @param feed the feed it followed (lowercase)
 * @param key the collateral
 */
export async function unfollowFeed(
  db: IndexerDb,
  feed: `0x${string}`,
  key: { chainId: number; token: `0x${string}` },
): Promise<void> {
  const row = await db.find(price, { feed });
  if (row === null) return;
  const collaterals = row.collaterals.filter((c) => c.chainId !== key.chainId || c.token !== key.token);
  if (collaterals.length !== row.collaterals.length) await db.update(price, { feed }).set({ collaterals });
}
