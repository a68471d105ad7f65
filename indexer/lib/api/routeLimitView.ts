import { value } from "../../../shared/margin/marginMath.js";

/** `MarginHub.routeLimit(srcEid)` as read at the hub's head. */
export type RouteLimitRead = {
  capacityUsd: bigint;
  refillPerSecondUsd: bigint;
  availableUsd: bigint;
  /** Keys queued at the hub (superseded ones included until `applyWaiting` drops them). */
  waiting: bigint;
};

/** A waiting leaf with what the indexer knows to price its rise. */
export type WaitingRow = {
  balance: bigint;
  seq: bigint;
  /** The hub's credit of the key and its seq (null without one). */
  credited: bigint | null;
  creditedSeq: bigint | null;
  tokenDecimals: number;
  price: bigint;
  feedDecimals: number;
};

/**
 * The damage-limit part of a vault → hub route in `GET /routes`: the hub's bucket and the USD value
 * of the rises that wait for it (each at the indexer's newest price; rows the hub's credit has
 * since superseded are left out). Figures are decimal strings of USD with 18 decimals.
 *
 * @param read the hub's `routeLimit` (null when it could not be read)
 * @param rows the route's `waiting_leaf` rows with their credit and price
 * @returns the `limit` object, or null when the route has no limit and nothing waits
 */
export function routeLimitView(read: RouteLimitRead | null, rows: readonly WaitingRow[]) {
  const live = rows.filter((row) => row.creditedSeq === null || row.creditedSeq < row.seq);
  let waitingValueUsd = 0n;
  for (const row of live) {
    const credited = row.credited ?? 0n;
    if (row.balance > credited)
      waitingValueUsd += value(row.balance - credited, row.tokenDecimals, row.price, row.feedDecimals);
  }
  if (read !== null && read.capacityUsd === 0n && live.length === 0) return null;
  return {
    capacityUsd: read?.capacityUsd.toString() ?? null,
    refillPerSecondUsd: read?.refillPerSecondUsd.toString() ?? null,
    /** What the bucket holds now (its level). */
    availableUsd: read?.availableUsd.toString() ?? null,
    waitingLeaves: live.length,
    waitingValueUsd: waitingValueUsd.toString(),
  };
}
