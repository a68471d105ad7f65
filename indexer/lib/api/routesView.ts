import type { relayMessage } from "../../ponder.schema.js";
import { routeOf } from "../store/upsertRelayMessage.js";

/** Per route and status: how many messages, the oldest source time, the latest delivery. */
export type RouteStatusCount = {
  route: string;
  status: string;
  count: number;
  /** Oldest source block time among them (seconds), if any is known. */
  oldestSourceTimestamp: bigint | null;
};

/** The latest delivered message of a route. */
export type LastDelivered = Pick<
  typeof relayMessage.$inferSelect,
  "route" | "guid" | "kind" | "destinationTimestamp" | "destinationTxHash" | "latencySeconds"
>;

/** A configured route: a vault chain to the hub, or the hub to a vault chain. */
export type RoutePath = { srcEid: number; dstEid: number };

/** Parameters of {@link routesView}. */
export type RoutesViewParameters = {
  /** Every configured route (also those without messages yet). */
  paths: readonly RoutePath[];
  counts: readonly RouteStatusCount[];
  lastDelivered: readonly LastDelivered[];
  /** Now, in seconds (ages are measured against it). */
  now: bigint;
};

/**
 * Builds the answer of `GET /routes`: per route, the messages in flight (source seen, destination
 * not yet), the age of the oldest of them, how many were delivered and the last delivery.
 *
 * @param parameters configured routes, per-status counts, last deliveries and the time now
 * @returns `{ routes: [...] }`, ordered by source then destination chain
 */
export function routesView(parameters: RoutesViewParameters) {
  const routes = parameters.paths
    .map((path) => {
      const route = routeOf(path.srcEid, path.dstEid);
      const inFlight = parameters.counts.find((c) => c.route === route && c.status === "observed");
      const delivered = parameters.counts.find((c) => c.route === route && c.status === "delivered");
      const last = parameters.lastDelivered.find((l) => l.route === route);
      const oldest = inFlight?.oldestSourceTimestamp ?? null;
      return {
        route,
        srcEid: path.srcEid,
        dstEid: path.dstEid,
        inFlight: inFlight?.count ?? 0,
        oldestInFlightAgeSeconds: oldest === null ? null : Number(parameters.now - oldest),
        delivered: delivered?.count ?? 0,
        lastDelivered:
          last === undefined
            ? null
            : {
                guid: last.guid,
                kind: last.kind,
                timestamp: last.destinationTimestamp?.toString() ?? null,
                txHash: last.destinationTxHash,
                latencySeconds: last.latencySeconds === null ? null : Number(last.latencySeconds),
              },
      };
    })
    .sort((a, b) => a.srcEid - b.srcEid || a.dstEid - b.dstEid);
  return { routes };
}

/**
 * The routes of a deployment: each vault chain to the hub and the hub back to it; the hub
 * chain's own vault adds the one route `hub->hub` (both directions are the same path key).
 *
 * @param hubChainId the hub chain
 * @param vaultChainIds every chain with a vault
 * @returns the distinct routes
 */
export function configuredRoutes(hubChainId: number, vaultChainIds: readonly number[]): RoutePath[] {
  const routes = new Map<string, RoutePath>();
  for (const chainId of vaultChainIds) {
    routes.set(routeOf(chainId, hubChainId), { srcEid: chainId, dstEid: hubChainId });
    routes.set(routeOf(hubChainId, chainId), { srcEid: hubChainId, dstEid: chainId });
  }
  return [...routes.values()];
}
