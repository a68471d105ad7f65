import { and, eq, isNotNull, lte } from "ponder";
import { collateralBalance, relayMessage } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";
import { type FinalityTable, observeHead, pendingBlocks, setPendingBlocks } from "./finalityHint.js";
import { invalidateLiveQueries } from "./invalidateLiveQueries.js";

/** Parameters of {@link markFinal}. */
export type MarkFinalParameters = { chainId: number; head: bigint; finalityDepth: number };

/**
 * The last final block of a chain: `head − finalityDepth`, or `undefined` while the chain is
 * shorter than its finality depth.
 *
 * @param head the chain's head
 * @param finalityDepth blocks after which a block counts as final (0 = at once)
 * @returns the cutoff block
 */
export function finalCutoff(head: bigint, finalityDepth: number): bigint | undefined {
  const cutoff = head - BigInt(finalityDepth);
  return cutoff < 0n ? undefined : cutoff;
}

/**
 * Marks the chain's `collateral_balance` rows and the `relay_message` rows it sent with a source
 * block at or below `head − finalityDepth` as final (bulk updates through `db.sql`, one per table
 * that has rows due). Ponder records raw SQL writes like any other, so a reorg below the head
 * reverts them too. Which tables have rows due comes from memory ({@link pendingBlocks}, filled by
 * the upserts): a block where nothing turns final costs nothing, and one where rows do costs only
 * their `UPDATE`s. After a start or a reorg the database is asked once (the blocks of every
 * non-final row).
 *
 * @param db the handler's `context.db`
 * @param parameters the chain, its head and finality depth
 * @returns whether rows were marked
 */
export async function markFinal(db: IndexerDb, parameters: MarkFinalParameters): Promise<boolean> {
  const { chainId } = parameters;
  // After a reorg, cached `/sql` answers may still show reverted rows: make them fresh.
  if (observeHead(chainId, parameters.head)) await invalidateLiveQueries(db);
  const cutoff = finalCutoff(parameters.head, parameters.finalityDepth);
  if (cutoff === undefined) return false;
  let blocks = pendingBlocks(chainId, parameters.head);
  if (blocks === undefined) {
    setPendingBlocks(chainId, await notFinalBlocks(db, chainId), parameters.head);
    blocks = pendingBlocks(chainId, parameters.head);
    if (blocks === undefined) return false;
  }
  // A write through db.sql flushes and drops Ponder's indexing cache: only when a row is due.
  let marked = false;
  if (takeDue(blocks.balances, cutoff)) {
    await db.sql
      .update(collateralBalance)
      .set({ final: true })
      .where(
        and(
          eq(collateralBalance.chainId, chainId),
          eq(collateralBalance.final, false),
          lte(collateralBalance.sourceBlock, cutoff),
        ),
      );
    marked = true;
  }
  if (takeDue(blocks.messages, cutoff)) {
    await db.sql
      .update(relayMessage)
      .set({ sourceFinal: true })
      .where(
        and(
          eq(relayMessage.srcEid, chainId),
          eq(relayMessage.sourceFinal, false),
          lte(relayMessage.sourceBlock, cutoff),
        ),
      );
    marked = true;
  }
  return marked;
}

/** Removes the blocks at or below the cutoff; whether there were any. */
function takeDue(blocks: Set<bigint>, cutoff: bigint): boolean {
  let due = false;
  for (const block of blocks) {
    if (block > cutoff) continue;
    blocks.delete(block);
    due = true;
  }
  return due;
}

/** The distinct source blocks of the chain's non-final rows, per table (read-only: keeps Ponder's cache). */
async function notFinalBlocks(db: IndexerDb, chainId: number): Promise<Record<FinalityTable, bigint[]>> {
  const balances = await db.sql
    .selectDistinct({ block: collateralBalance.sourceBlock })
    .from(collateralBalance)
    .where(and(eq(collateralBalance.chainId, chainId), eq(collateralBalance.final, false)));
  const messages = await db.sql
    .selectDistinct({ block: relayMessage.sourceBlock })
    .from(relayMessage)
    .where(
      and(
        eq(relayMessage.srcEid, chainId),
        eq(relayMessage.sourceFinal, false),
        isNotNull(relayMessage.sourceBlock),
      ),
    );
  return {
    balances: balances.map((row) => row.block),
    messages: messages.flatMap((row) => (row.block === null ? [] : [row.block])),
  };
}
