import type { Address, Hex } from "viem";
import { collateralBalance } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";
import { notePending } from "./finalityHint.js";

/** The post-state a vault event carries, and where it happened. */
export type CollateralBalanceUpdate = {
  chainId: number;
  vault: Address;
  account: Address;
  token: Address;
  balance: bigint;
  pending: bigint;
  seq: bigint;
  /** The key's inbound nonce after a hub command; deposits and requests leave it unchanged. */
  inboundNonce?: bigint;
  block: bigint;
  timestamp: bigint;
  txHash: Hex;
};

/**
 * Writes an (account, token) vault state from the post-state of a vault event (every vault event
 * carries balance, pending and seq). The row is not final until the Finality block handler sees
 * it `finalityDepth` blocks deep.
 *
 * @param db the handler's `context.db`
 * @param update the post-state (addresses lowercase)
 */
export async function upsertCollateralBalance(db: IndexerDb, update: CollateralBalanceUpdate): Promise<void> {
  const changed = {
    vault: update.vault,
    balance: update.balance,
    pending: update.pending,
    seq: update.seq,
    sourceBlock: update.block,
    sourceTimestamp: update.timestamp,
    sourceTxHash: update.txHash,
    final: false,
    ...(update.inboundNonce === undefined ? {} : { inboundNonce: update.inboundNonce }),
  };
  await db
    .insert(collateralBalance)
    .values({
      chainId: update.chainId,
      account: update.account,
      token: update.token,
      inboundNonce: 0n,
      ...changed,
    })
    .onConflictDoUpdate(changed);
  notePending(update.chainId, update.block);
}
