/**
 * Per chain and table, in memory: the source blocks of rows that may not be final yet, so the
 * Finality handler knows without a query whether a block makes rows final, and marks them with
 * one `UPDATE` per table that has some (a write through `db.sql` flushes and drops Ponder's
 * indexing cache, and every statement costs a round trip and two parses).
 *
 * Only valid once filled from the database: no entry means "unknown" (after a start, or after a
 * reorg on any chain, seen as a head that did not move forward: Ponder's multichain revert also
 * reverts other chains' later writes, `final` flags included), and the handler then asks the
 * database. Every write of a non-final row notes its block; a note on an unknown chain is dropped
 * (the database pass will see the row). A block stays listed until a cutoff at or above it marks
 * its rows, so the sets are a superset of the non-final rows' blocks.
 */

/** The tables with a finality flag: `collateral_balance.final`, `relay_message.sourceFinal`. */
export type FinalityTable = "balances" | "messages";

/** A chain's not-yet-final source blocks, per table. */
export type PendingBlocks = Record<FinalityTable, Set<bigint>>;

/**
 * A chain's sets are read again from the database this many blocks after they were filled. The
 * sets live outside Ponder's transaction: when Ponder rolls a block's transaction back and retries
 * it (a database error), blocks the rolled-back Finality run took out of the sets are still
 * non-final in the database, and without a refill their rows would never be marked (and never
 * relayed). One read of the distinct non-final blocks per chain every 64 blocks bounds that.
 */
export const REFILL_EVERY_BLOCKS = 64n;

const pending = new Map<number, PendingBlocks & { filledAt: bigint }>();
const heads = new Map<number, bigint>();

/**
 * Notes that a row with `sourceBlock` on `chainId` was written not final.
 *
 * @param chainId the row's source chain
 * @param table the row's table
 * @param sourceBlock its source block
 */
export function notePending(chainId: number, table: FinalityTable, sourceBlock: bigint): void {
  pending.get(chainId)?.[table].add(sourceBlock);
}

/**
 * Records the head the Finality handler runs at; a head at or below the last one is a reorg (or a
 * restart of the range), which makes every chain's blocks unknown.
 *
 * @param chainId the chain
 * @param head the block being indexed
 * @returns whether the head did not move forward (a reorg, as this process saw it)
 */
export function observeHead(chainId: number, head: bigint): boolean {
  const last = heads.get(chainId);
  const rewound = last !== undefined && head <= last;
  if (rewound) pending.clear();
  heads.set(chainId, head);
  return rewound;
}

/**
 * A chain's not-yet-final source blocks, or `undefined` when unknown: never filled, cleared by a
 * reorg, or filled {@link REFILL_EVERY_BLOCKS} or more blocks before `head`.
 *
 * @param chainId the chain
 * @param head the block being indexed (default: no refill check)
 * @returns the sets (live: the caller may delete what it marked)
 */
export function pendingBlocks(chainId: number, head?: bigint): PendingBlocks | undefined {
  const entry = pending.get(chainId);
  if (entry === undefined) return undefined;
  if (head !== undefined && head - entry.filledAt >= REFILL_EVERY_BLOCKS) {
    pending.delete(chainId);
    return undefined;
  }
  return entry;
}

/**
 * Sets a chain's not-yet-final source blocks from the database's answer.
 *
 * @param chainId the chain
 * @param blocks the distinct source blocks of its non-final rows, per table
 * @param filledAt the head the database was read at (default 0: refilled at the next check)
 */
export function setPendingBlocks(
  chainId: number,
  blocks: Record<FinalityTable, Iterable<bigint>>,
  filledAt = 0n,
): void {
  pending.set(chainId, { balances: new Set(blocks.balances), messages: new Set(blocks.messages), filledAt });
}
