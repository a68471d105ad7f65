/**
 * A per-chain, in-memory hint of the lowest source block among rows not yet final, so the
 * Finality handler can skip its queries on blocks where nothing turns final (a write through
 * `db.sql` flushes Ponder's cache, and even reads cost a round trip per block).
 *
 * Only a hint: no entry means "unknown" (after a start, or after a reorg, seen as a head that did
 * not move forward), and the handler then asks the database. Every write of a non-final row
 * notes its block; a note on an unknown chain keeps it unknown.
 */
const lowest = new Map<number, bigint | null>();
const heads = new Map<number, bigint>();

/**
 * Notes that a row with `sourceBlock` on `chainId` was written not final.
 *
 * @param chainId the row's source chain
 * @param sourceBlock its source block
 */
export function notePending(chainId: number, sourceBlock: bigint): void {
  if (!lowest.has(chainId)) return;
  const current = lowest.get(chainId);
  lowest.set(
    chainId,
    current === null || current === undefined || sourceBlock < current ? sourceBlock : current,
  );
}

/**
 * Records the head the Finality handler runs at; a head at or below the last one is a reorg (or a
 * restart of the range), which makes the hint unknown.
 *
 * @param chainId the chain
 * @param head the block being indexed
 * @returns whether the head did not move forward (a reorg, as this process saw it)
 */
export function observeHead(chainId: number, head: bigint): boolean {
  const last = heads.get(chainId);
  const rewound = last !== undefined && head <= last;
  if (rewound) lowest.delete(chainId);
  heads.set(chainId, head);
  return rewound;
}

/**
 * The lowest non-final source block of a chain: a block, `null` when none is pending, or
 * `undefined` when unknown.
 *
 * @param chainId the chain
 * @returns the hint
 */
export function lowestPending(chainId: number): bigint | null | undefined {
  return lowest.get(chainId);
}

/**
 * Sets the hint from the database's answer.
 *
 * @param chainId the chain
 * @param block the lowest non-final source block, or `null` when none
 */
export function setLowestPending(chainId: number, block: bigint | null): void {
  lowest.set(chainId, block);
}
