import { createPublicClient, http } from "viem";
import { indexerConfig } from "../indexerConfig.js";

/** Reads a chain's current head block number. */
export type ReadHead = (chainId: number) => Promise<bigint>;

/** Parameters of {@link createFinalAtWrite}. */
export type CreateFinalAtWriteParameters = {
  readHead: ReadHead;
  /** The chain's `finalityDepth` (undefined: not a configured chain, nothing is final at write). */
  finalityDepth: (chainId: number) => number | undefined;
  /** After a failed head read, wait this long before reading again (default 10 s). */
  retryMs?: number;
  /** Clock (tests). */
  now?: () => number;
};

/** What {@link createFinalAtWrite} returns. */
export type FinalAtWrite = {
  /** Whether a row with this source block is already final as it is written. */
  isFinal: (chainId: number, sourceBlock: bigint) => Promise<boolean>;
  /** A head the Finality handler indexes: raises the chain's cutoff to `head − finalityDepth`. */
  observeHead: (chainId: number, head: bigint) => void;
};

type Entry = { cutoff: bigint | undefined; reading: Promise<void> | undefined; failedAt: number | undefined };

/**
 * Decides at write time whether a row is already final: its source block is at or below the
 * chain's head less its `finalityDepth`. The head is read from the chain once per process (on
 * the chain's first row), then raised by every head the Finality handler indexes. A backfill
 * writes its rows final at once instead of leaving them to the first live `Finality` block, which
 * rewrote every one of them (100,000 non-HOT updates of `collateral_balance`, one more row each
 * in Ponder's reorg table, and dead versions that every first read had to step over). A failed
 * read leaves the rows to the Finality handler, as before, and is tried again after `retryMs`.
 *
 * @param parameters how to read a head, the finality depths, the retry delay
 * @returns `isFinal` and `observeHead`
 */
export function createFinalAtWrite(parameters: CreateFinalAtWriteParameters): FinalAtWrite {
  const retryMs = parameters.retryMs ?? 10_000;
  const now = parameters.now ?? Date.now;
  const entries = new Map<number, Entry>();
  const entryOf = (chainId: number): Entry => {
    let entry = entries.get(chainId);
    if (entry === undefined) {
      entry = { cutoff: undefined, reading: undefined, failedAt: undefined };
      entries.set(chainId, entry);
    }
    return entry;
  };
  const raise = (entry: Entry, head: bigint, depth: number) => {
    const cutoff = head - BigInt(depth);
    if (cutoff >= 0n && (entry.cutoff === undefined || cutoff > entry.cutoff)) entry.cutoff = cutoff;
  };
  const read = (chainId: number, entry: Entry, depth: number): Promise<void> => {
    entry.reading ??= parameters
      .readHead(chainId)
      .then((head) => raise(entry, head, depth))
      .catch(() => {
        entry.failedAt = now();
      })
      .finally(() => {
        entry.reading = undefined;
      });
    return entry.reading;
  };
  return {
    isFinal: async (chainId, sourceBlock) => {
      const depth = parameters.finalityDepth(chainId);
      if (depth === undefined) return false;
      const entry = entryOf(chainId);
      const retry = entry.failedAt === undefined || now() - entry.failedAt >= retryMs;
      if (entry.cutoff === undefined && retry) await read(chainId, entry, depth);
      return entry.cutoff !== undefined && sourceBlock <= entry.cutoff;
    },
    observeHead: (chainId, head) => {
      const depth = parameters.finalityDepth(chainId);
      if (depth !== undefined) raise(entryOf(chainId), head, depth);
    },
  };
}

let shared: FinalAtWrite | undefined;

/**
 * The indexer's {@link FinalAtWrite}: heads read with the indexer's own client of each chain
 * (`eth_blockNumber`, not Ponder's `context.client`, which queues behind the backfill's sync), the
 * depths from the config.
 *
 * @returns the process's instance (created on first use)
 */
export function finalAtWrite(): FinalAtWrite {
  shared ??= createFinalAtWrite({
    readHead: (chainId) => {
      const chain = indexerConfig().chains.get(chainId);
      if (chain === undefined) return Promise.reject(new Error(`chain ${chainId} is not configured`));
      return createPublicClient({
        transport: http(chain.rpcUrl, { retryCount: 2, timeout: 5_000 }),
      }).getBlockNumber();
    },
    finalityDepth: (chainId) => indexerConfig().chains.get(chainId)?.finalityDepth,
  });
  return shared;
}
