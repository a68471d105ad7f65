import { db, publicClients } from "ponder:api";
import { collateralLine, relayMessage, waitingLeaf } from "ponder:schema";
import type { Context } from "hono";
import { and, count, desc, eq, min, or } from "ponder";
import { marginHubAbi } from "../../../shared/abis/generated.js";
import { parseChainFilter } from "../../lib/api/parseRequest.js";
import { type RouteLimitRead, routeLimitView, type WaitingRow } from "../../lib/api/routeLimitView.js";
import { configuredRoutes, routesView } from "../../lib/api/routesView.js";
import { indexerConfig } from "../../lib/indexerConfig.js";
import { nowSeconds } from "./getMessage.js";

/**
 * `GET /routes[?chainId=<id>]`: per route (vault chain → hub, hub → vault chain), the messages
 * in flight, the oldest one's age and the last delivery, and for a vault chain → hub route its
 * damage limit (`limit`: the hub's bucket read at its head, the rises waiting for it); `chainId`
 * keeps the routes touching that chain (400 naming `chainId` when unknown).
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
  const view = routesView({ paths, counts, lastDelivered, now: nowSeconds() });
  const routes = [];
  for (const route of view.routes) {
    if (route.dstEid !== hub.chainId) routes.push({ ...route, limit: null });
    else
      routes.push({
        ...route,
        limit: routeLimitView(await readRouteLimit(route.srcEid), await waitingRows(route.srcEid)),
      });
  }
  return c.json({ routes });
}

/** The hub's `routeLimit(srcEid)` at its head, or null when the RPC cannot answer. */
async function readRouteLimit(srcEid: number): Promise<RouteLimitRead | null> {
  const { hub } = indexerConfig();
  const client = publicClients[hub.name as keyof typeof publicClients];
  if (client === undefined) return null;
  try {
    const [capacityUsd, refillPerSecondUsd, availableUsd, waiting] = await client.readContract({
      address: hub.contracts.hub,
      abi: marginHubAbi,
      functionName: "routeLimit",
      args: [srcEid],
    });
    return { capacityUsd, refillPerSecondUsd, availableUsd, waiting };
  } catch {
    return null;
  }
}

/** The route's waiting leaves with the credit and price of their key. */
async function waitingRows(srcEid: number): Promise<WaitingRow[]> {
  return db
    .select({
      balance: waitingLeaf.balance,
      seq: waitingLeaf.seq,
      credited: collateralLine.credited,
      creditedSeq: collateralLine.creditedSeq,
      tokenDecimals: collateralLine.tokenDecimals,
      price: collateralLine.price,
      feedDecimals: collateralLine.feedDecimals,
    })
    .from(waitingLeaf)
    .innerJoin(
      collateralLine,
      and(
        eq(collateralLine.account, waitingLeaf.account),
        eq(collateralLine.chainId, waitingLeaf.chainId),
        eq(collateralLine.token, waitingLeaf.token),
      ),
    )
    .where(eq(waitingLeaf.chainId, srcEid));
}
