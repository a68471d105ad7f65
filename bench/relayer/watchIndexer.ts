/** Parameters of {@link watchIndexer}. */
export type WatchIndexerParameters = {
  /** The indexer's base URL (Ponder's `/status` answers each chain's indexed block). */
  apiUrl: string;
  /** Chain name (the key of `/status`) → chain id. */
  chains: ReadonlyMap<string, number>;
  /** How often `/status` is polled (default 50 ms). */
  intervalMs?: number;
};

/** A running indexer watcher. */
export type IndexerWatcher = {
  /** Wall-clock time (ms) at which the indexer was first seen to have indexed the chain up to `block`. */
  indexedAt: (chainId: number, block: bigint) => number | undefined;
  stop: () => void;
};

/**
 * Polls the indexer's `/status` and records when each chain's indexed block first reached each
 * height: how far the indexer trails the chains (the relayer discovers work through it).
 *
 * @param parameters indexer URL, chains, interval
 * @returns the watcher
 */
export function watchIndexer(parameters: WatchIndexerParameters): IndexerWatcher {
  const reached = new Map<number, { block: bigint; at: number }[]>();
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        // Ponder's /status: { [chain name]: { id, block: { number, timestamp } } }.
        const status = (await fetch(`${parameters.apiUrl}/status`, {
          signal: AbortSignal.timeout(2_000),
        }).then((r) => r.json())) as Record<string, { block?: { number?: number } } | undefined>;
        const now = Date.now();
        for (const [name, chainId] of parameters.chains) {
          const number = status[name]?.block?.number;
          if (number === undefined) continue;
          const steps = reached.get(chainId) ?? [];
          const last = steps[steps.length - 1];
          if (last === undefined || BigInt(number) > last.block)
            steps.push({ block: BigInt(number), at: now });
          reached.set(chainId, steps);
        }
      } catch {
        // A missed poll only widens the error bar of the next reading.
      }
      await new Promise((resolve) => setTimeout(resolve, parameters.intervalMs ?? 50));
    }
  };
  void poll();
  return {
    indexedAt: (chainId, block) => reached.get(chainId)?.find((step) => step.block >= block)?.at,
    stop: () => {
      stopped = true;
    },
  };
}
