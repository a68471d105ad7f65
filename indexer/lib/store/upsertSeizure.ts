import type { Hex } from "viem";
import { seizure } from "../../ponder.schema.js";
import { lowerHex } from "../indexerConfig.js";
import type { IndexerDb } from "./context.js";

type SeizureRow = typeof seizure.$inferSelect;

/** What one side tells about a SEIZE command: its identity always, the rest as far as it knows. */
export type SeizureUpdate = Pick<SeizureRow, "account" | "chainId" | "token" | "recipient"> & {
  guid: Hex;
} & Partial<Omit<SeizureRow, "guid" | "account" | "chainId" | "token" | "recipient" | "status">>;

/**
 * Merges the hub's `SeizeOrdered` or the vault's `Seized` into the command's `seizure` row
 * (either may be indexed first); `status` is "applied" once the vault's side is known.
 *
 * @param db the handler's `context.db`
 * @param update the command guid, identity and known fields
 */
export async function upsertSeizure(db: IndexerDb, update: SeizureUpdate): Promise<void> {
  const guid = lowerHex(update.guid);
  const existing = await db.find(seizure, { guid });
  const defined = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
  const merged: SeizureRow = { ...(existing ?? emptyRow(update)), ...defined, guid };
  merged.status = merged.appliedBlock === null ? "ordered" : "applied";
  if (existing === null) {
    await db.insert(seizure).values(merged);
    return;
  }
  const { guid: _key, ...rest } = merged;
  await db.update(seizure, { guid }).set(rest);
}

function emptyRow(update: SeizureUpdate): SeizureRow {
  return {
    guid: update.guid,
    account: update.account,
    chainId: update.chainId,
    token: update.token,
    recipient: update.recipient,
    status: "ordered",
    amount: null,
    orderedTxHash: null,
    orderedBlock: null,
    orderedTimestamp: null,
    appliedAmount: null,
    appliedTxHash: null,
    appliedBlock: null,
    appliedTimestamp: null,
  };
}
