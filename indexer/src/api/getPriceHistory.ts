import { price, priceObservation } from "ponder:schema";
import type { Context } from "hono";
import { and, asc, eq, gte } from "ponder";
import { parsePriceHistory } from "../../lib/api/parsePriceHistory.js";
import type { ReadDb } from "./readDb.js";

/**
 * `GET /prices/:feed/history[?since=<unix seconds>][&limit=<n>]`: a hub-chain price feed's
 * answers with `updatedAt ≥ since`, oldest first, at most `limit` (default 1,000, at most
 * 10,000); 400 naming `feed`, `since` or `limit` when malformed, 404 for a feed never seen.
 * The risk keeper computes realized volatility from it (`shared/risk`).
 *
 * @param db the API's database
 * @returns the Hono handler
 */
export function getPriceHistory(db: ReadDb) {
  return async (c: Context) => {
    const q = parsePriceHistory({
      feed: c.req.param("feed"),
      since: c.req.query("since"),
      limit: c.req.query("limit"),
    });
    if (!q.ok) return c.json(q.bad, 400);
    const { feed, since, limit } = q.value;
    const [latest] = await db
      .select({ decimals: price.decimals })
      .from(price)
      .where(eq(price.feed, feed))
      .limit(1);
    if (latest === undefined)
      return c.json({ error: `no answers indexed for feed ${feed}`, parameter: "feed" }, 404);
    const rows = await db
      .select()
      .from(priceObservation)
      .where(and(eq(priceObservation.feed, feed), gte(priceObservation.updatedAt, since)))
      .orderBy(
        asc(priceObservation.updatedAt),
        asc(priceObservation.blockNumber),
        asc(priceObservation.logIndex),
      )
      .limit(limit);
    return c.json({
      feed,
      decimals: latest.decimals,
      since: Number(since),
      limit,
      observations: rows.map((r) => ({
        roundId: r.roundId.toString(),
        answer: r.answer.toString(),
        updatedAt: Number(r.updatedAt),
        blockNumber: Number(r.blockNumber),
        timestamp: Number(r.timestamp),
      })),
    });
  };
}
