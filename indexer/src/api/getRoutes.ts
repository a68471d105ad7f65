import { db, publicClients } from "ponder:api";
import { collateralLine, relayMessage, waitingLeaf } from "ponder:schema";
import type { Context } from "hono";
import { and, count, desc, eq, min, or } from "ponder";
import { collateralVaultAbi, marginHubAbi } from "../../../shared/abis/generated.js";
import { parseChainFilter } from "../../lib/api/parseRequest.js";
import { type RouteLimitRead, routeLimitView, type WaitingRow } from "../../lib/api/routeLimitView.js";
import { configuredRoutes, routesView } from "../../lib/api/routesView.js";
import { indexerConfig } from "../../lib/indexerConfig.js";
import { nowSeconds } from "./getMessage.js";

/**
 * `GET /routes[?chainId=<id>]`: per route (vault chain → hub, hub → vault chain), the messages
 * in flight, the oldest one's age and the last delivery; for a vault chain → hub route its damage
 * limit (`limit`: the hub's bucket read at its head, the rises waiting for it), for a hub → vault
 * chain route the vault's release limits (`releases`: per limited token, its bucket and queue, read
 * at the vault chain's head); `chainId` keeps the routes touching that chain (400 naming `chainId`
 * when unknown).
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
    const limit =
      route.dstEid === hub.chainId
        ? routeLimitView(await readRouteLimit(route.srcEid), await waitingRows(route.srcEid))
        : null;
    const releases = route.srcEid === hub.chainId ? await readReleaseLimits(route.dstEid) : [];
    routes.push({ ...route, limit, releases });
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

/** Per configured token of a vault chain with a release limit or a queue: the vault's `releaseLimit` (token units, decimal strings). */
async function readReleaseLimits(chainId: number) {
  const chain = indexerConfig().chains.get(chainId);
  const client = chain === undefined ? undefined : publicClients[chain.name as keyof typeof publicClients];
  if (chain === undefined || client === undefined) return [];
  const out = [];
  for (const [symbol, token] of Object.entries(chain.tokens)) {
    try {
      const [capacity, refillPerSecond, available, queuedEntries, queuedAmount] = await client.readContract({
        address: chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "releaseLimit",
        args: [token.address],
      });
      if (capacity === 0n && queuedEntries === 0n) continue;
      out.push({
        symbol,
        token: token.address,
        capacity: capacity.toString(),
        refillPerSecond: refillPerSecond.toString(),
        available: capacity === 0n ? null : available.toString(),
        queuedEntries: Number(queuedEntries),
        queuedAmount: queuedAmount.toString(),
      });
    } catch {
      out.push({ symbol, token: token.address, error: "the vault's releaseLimit could not be read" });
    }
  }
  return out;
}
