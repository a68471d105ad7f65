import { db } from "ponder:api";
import { relayMessage } from "ponder:schema";
import type { Context } from "hono";
import { and, count, desc, eq, min, or } from "ponder";
import { parseChainFilter } from "../../lib/api/parseRequest.js";
import { configuredRoutes, routesView } from "../../lib/api/routesView.js";
import { indexerConfig } from "../../lib/indexerConfig.js";
import { nowSeconds } from "./getMessage.js";

/**
 * `GET /routes[?chainId=<id>]`: per route (vault chain → hub, hub → vault chain), the messages
 * in flight, the oldest one's age and the last delivery; `chainId` keeps the routes touching
 * that chain (400 naming `chainId` when unknown).
 *
 * @param c the Hono context
 * @returns the JSON answer
 */
export async function getRoutes(c: Context) {
  const { chains, hub } = indexerConfig();
  const chainId = parseChainFilter(c.req.query("chainId"), "chainId", new Set(chains.keys()));
  if (!chainId.ok) return c.json(chainId.bad, 400);
  const filter = chainId.value;
  const paths = configuredRoutes(hub.chainId, [...chains.keys()]).filter(
    (p) => filter === undefined || p.srcEid === filter || p.dstEid === filter,
  );
  const touches =
    filter === undefined ? undefined : or(eq(relayMessage.srcEid, filter), eq(relayMessage.dstEid, filter));
  const counts = await db
    .select({
      route: relayMessage.route,
      status: relayMessage.status,
      count: count(),
      oldestSourceTimestamp: min(relayMessage.sourceTimestamp),
    })
    .from(relayMessage)
    .where(touches)
    .groupBy(relayMessage.route, relayMessage.status);
  const lastDelivered = [];
  for (const path of paths) {
    const [last] = await db
      .select()
      .from(relayMessage)
      .where(
        and(
          eq(relayMessage.srcEid, path.srcEid),
          eq(relayMessage.dstEid, path.dstEid),
          eq(relayMessage.status, "delivered"),
        ),
      )
      .orderBy(desc(relayMessage.destinationBlock))
      .limit(1);
    if (last !== undefined) lastDelivered.push(last);
  }
  return c.json(routesView({ paths, counts, lastDelivered, now: nowSeconds() }));
}
