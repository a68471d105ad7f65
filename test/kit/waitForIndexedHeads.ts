import type { ChainClients } from "./chainClients.js";
import { getJson } from "./indexerApi.js";
import { pollUntil } from "./pollUntil.js";

/** Ponder's `GET /status`: the latest indexed block per chain, keyed by chain name. */
export type PonderStatus = Record<string, { id: number; block: { number: number; timestamp: number } }>;

/** Parameters of {@link waitForIndexedHeads}. */
export type WaitForIndexedHeadsParameters = {
  /** The indexer's URL. */
  indexerUrl: string;
  /** The chains to wait for (their heads are read once, when the wait starts). */
  chains: readonly ChainClients[];
  /** Give up after this many milliseconds (default 30 s). */
  timeoutMs?: number;
};

/**
 * Waits until Ponder has indexed every given chain up to the head it has now (`/status`, which
 * Ponder updates in the same transaction as the block's rows). Every chain has a `Finality` block
 * source on every block, so each block moves the checkpoint.
 *
 * @param parameters the indexer, the chains, the timeout
 * @returns the heads waited for, by chain id
 * @throws {PollTimeoutError} when a chain is not indexed that far in time
 * @example
 * await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub, ...net.vaults] });
 */
export async function waitForIndexedHeads(
  parameters: WaitForIndexedHeadsParameters,
): Promise<Map<number, bigint>> {
  const heads = new Map<number, bigint>();
  for (const chain of parameters.chains) {
    heads.set(chain.chain.chainId, await chain.publicClient.getBlockNumber({ cacheTime: 0 }));
  }
  await pollUntil(
    () => getJson<PonderStatus>(`${parameters.indexerUrl}/status`).then((r) => r.body),
    (status) => {
      const indexed = new Map(Object.values(status).map((s) => [s.id, BigInt(s.block.number)]));
      return [...heads].every(([chainId, head]) => (indexed.get(chainId) ?? -1n) >= head);
    },
    {
      what: `indexed heads ${JSON.stringify(Object.fromEntries([...heads].map(([c, h]) => [c, String(h)])))}`,
      timeoutMs: parameters.timeoutMs,
    },
  );
  return heads;
}
