import type { PublicClient } from "viem";

/** Parameters of {@link watchBlocks}. */
export type WatchBlocksParameters = {
  /** Chain id → client. */
  clients: ReadonlyMap<number, PublicClient>;
  /** How often each chain's head is polled (default 25 ms). */
  intervalMs?: number;
};

/** A running block watcher. */
export type BlockWatcher = {
  /**
   * Wall-clock time (ms since epoch, `Date.now()`) at which this process first saw the block:
   * undefined while the chain has not reached it. A block the poll skipped over gets the time
   * its successor was seen.
   */
  seenAt: (chainId: number, block: bigint) => number | undefined;
  /** The newest block seen on the chain. */
  head: (chainId: number) => bigint | undefined;
  /** Resolves once the chain's head is at or past `block` (checked at every poll). */
  waitFor: (chainId: number, block: bigint) => Promise<number>;
  stop: () => void;
};

/**
 * Polls every chain's head (`eth_blockNumber`) every few milliseconds and records when each block
 * was first seen: the wall-clock clock the latency benchmark reads both ends of a crossing with
 * (anvil's block timestamps have a one-second resolution, too coarse for sub-second overheads).
 *
 * @param parameters clients and poll interval
 * @returns the watcher
 * @example
 * const blocks = watchBlocks({ clients });
 * const minedAt = blocks.seenAt(31338, receipt.blockNumber);
 */
export function watchBlocks(parameters: WatchBlocksParameters): BlockWatcher {
  const intervalMs = parameters.intervalMs ?? 25;
  const seen = new Map<number, Map<bigint, number>>();
  const heads = new Map<number, bigint>();
  const waiters: { chainId: number; block: bigint; resolve: (at: number) => void }[] = [];
  let stopped = false;

  const poll = async (chainId: number, client: PublicClient) => {
    while (!stopped) {
      try {
        const head = await client.getBlockNumber({ cacheTime: 0 });
        const now = Date.now();
        const times = seen.get(chainId) ?? new Map<bigint, number>();
        seen.set(chainId, times);
        const previous = heads.get(chainId);
        const from = previous === undefined ? head : previous + 1n;
        for (let block = from; block <= head; block++) times.set(block, now);
        if (previous === undefined || head > previous) heads.set(chainId, head);
        for (const waiter of [...waiters]) {
          if (waiter.chainId === chainId && head >= waiter.block) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(times.get(waiter.block) ?? now);
          }
        }
      } catch {
        // A missed poll only widens the error bar of the next block's time.
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  for (const [chainId, client] of parameters.clients) void poll(chainId, client);

  return {
    seenAt: (chainId, block) => seen.get(chainId)?.get(block),
    head: (chainId) => heads.get(chainId),
    waitFor: (chainId, block) => {
      const at = seen.get(chainId)?.get(block);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => waiters.push({ chainId, block, resolve }));
    },
    stop: () => {
      stopped = true;
    },
  };
}
