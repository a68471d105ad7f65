import type { Address, Hex } from "viem";
import { collateralBalance } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";

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
 * carries balance, pending and seq).
 *
 * @param db the handler's `context.db`
 * @param update the post-state (addresses lowercase)
 */
export async function upsertCollateralBalance(db: IndexerDb, update: CollateralBalanceUpdate): Promise<void> {
  const row = {
    account: update.account,
    chainId: update.chainId,
    token: update.token,
    vault: update.vault,
    balance: update.balance,
    pending: update.pending,
    seq: update.seq,
    inboundNonce: update.inboundNonce ?? 0n,
    sourceBlock: update.block,
    sourceTimestamp: update.timestamp,
    sourceTxHash: update.txHash,
  };
  if (update.seq === 1n) {
    // The vault bumps seq on every change of (account, token), so seq 1 is the key's first event:
    // the row cannot exist yet, and a plain insert skips the store's lookup.
    await db.insert(collateralBalance).values(row);
  } else {
    // An existing row keeps its inbound nonce unless the event carries one (the key is set to itself).
    const set =
      update.inboundNonce === undefined
        ? (existing: { inboundNonce: bigint }) => ({ ...row, inboundNonce: existing.inboundNonce })
        : row;
    await db.insert(collateralBalance).values(row).onConflictDoUpdate(set);
  }
}
