import { and, eq, isNotNull, lte, min } from "ponder";
import { collateralBalance, relayMessage } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";
import { lowestPending, observeHead, setLowestPending } from "./finalityHint.js";
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
 * block at or below `head − finalityDepth` as final (bulk updates through `db.sql`). Ponder
 * records raw SQL writes like any other, so a reorg below the head reverts them too. Blocks where
 * the in-memory hint ({@link lowestPending}) says nothing is due cost nothing.
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
  const hint = lowestPending(chainId);
  if (hint === null || (hint !== undefined && hint > cutoff)) return false;
  let lowest = await lowestNotFinal(db, chainId);
  let marked = false;
  if (lowest !== null && lowest <= cutoff) {
    // A write through db.sql flushes and drops Ponder's indexing cache: only when a row is due.
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
    lowest = await lowestNotFinal(db, chainId);
  }
  setLowestPending(chainId, lowest);
  return marked;
}

async function lowestNotFinal(db: IndexerDb, chainId: number): Promise<bigint | null> {
  const [balances] = await db.sql
    .select({ lowest: min(collateralBalance.sourceBlock) })
    .from(collateralBalance)
    .where(and(eq(collateralBalance.chainId, chainId), eq(collateralBalance.final, false)));
  const [messages] = await db.sql
    .select({ lowest: min(relayMessage.sourceBlock) })
    .from(relayMessage)
    .where(
      and(
        eq(relayMessage.srcEid, chainId),
        eq(relayMessage.sourceFinal, false),
        isNotNull(relayMessage.sourceBlock),
      ),
    );
  let lowest: bigint | null = null;
  for (const block of [balances?.lowest, messages?.lowest]) {
    if (block !== null && block !== undefined && (lowest === null || block < lowest)) lowest = block;
  }
  return lowest;
}
