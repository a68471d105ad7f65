import { createPublicClient, http, type PublicClient } from "viem";
import { indexerConfig } from "./indexerConfig.js";

/** What the feed reads need of a client: `readContract` at a given block. */
export type FeedReader = Pick<PublicClient, "readContract">;

let client: { rpcUrl: string; client: FeedReader } | undefined;

/**
 * The indexer's own client of the hub chain, for reading price feeds at an event's block
 * (`decimals()`, `latestRoundData()`), instead of Ponder's `context.client`. During a backfill
 * Ponder sends `context.client` requests through the same queue as its own sync (25 at once,
 * rate-adapted), so each waits behind the sync's `eth_getLogs`: in `npm run bench -- indexer` the
 * five feeds' `decimals()` reads cost 0.58 s each, 2.9 s of a 16–19 s backfill. A read pinned to a
 * block number is as deterministic without Ponder's RPC cache; what is lost is only that cache when
 * re-indexing (one read per feed).
 *
 * @returns the client (one per process, created on first use)
 */
export function feedClient(): FeedReader {
  const { rpcUrl } = indexerConfig().hub;
  if (client?.rpcUrl !== rpcUrl) {
    client = {
      rpcUrl,
      client: createPublicClient({ transport: http(rpcUrl, { retryCount: 5, retryDelay: 200 }) }),
    };
  }
  return client.client;
}
