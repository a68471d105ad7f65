import type { Hex } from "viem";
import { withdrawal } from "../../ponder.schema.js";
import { lowerHex } from "../indexerConfig.js";
import {
  advanceWithdrawalStatus,
  parseWithdrawalStatus,
  type WithdrawalStatus,
} from "../withdrawalStatus.js";
import type { IndexerDb } from "./context.js";

type WithdrawalRow = typeof withdrawal.$inferSelect;

/** What one event tells about a withdrawal: its identity always, the rest as far as it knows. */
export type WithdrawalUpdate = Pick<WithdrawalRow, "chainId" | "account" | "token" | "amount"> & {
  requestGuid: Hex;
  /** The state this event implies (never moves the stored state back). */
  status: WithdrawalStatus;
} & Partial<Omit<WithdrawalRow, "requestGuid" | "chainId" | "account" | "token" | "amount" | "status">>;

/**
 * Merges one event's view of a withdrawal into its row (the vault's request, the hub's decision
 * and the vault's settlement may be indexed in any order). Fields not given are left as they
 * are; the status only moves forward ({@link advanceWithdrawalStatus}).
 *
 * @param db the handler's `context.db`
 * @param update the request guid, identity, implied status and known fields
 * @returns the merged row
 */
export async function upsertWithdrawal(db: IndexerDb, update: WithdrawalUpdate): Promise<WithdrawalRow> {
  const requestGuid = lowerHex(update.requestGuid);
  const existing = await db.find(withdrawal, { requestGuid });
  const defined = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
  const status = advanceWithdrawalStatus(
    existing === null ? undefined : parseWithdrawalStatus(existing.status),
    update.status,
  );
  if (existing === null) {
    return db.insert(withdrawal).values({ ...emptyRow(update), ...defined, requestGuid, status });
  }
  const { requestGuid: _key, ...rest } = { ...existing, ...defined, status };
  return db.update(withdrawal, { requestGuid }).set(rest);
}

function emptyRow(update: WithdrawalUpdate): WithdrawalRow {
  return {
    requestGuid: update.requestGuid,
    chainId: update.chainId,
    account: update.account,
    token: update.token,
    amount: update.amount,
    status: update.status,
    vault: null,
    requestNonce: null,
    balanceAfter: null,
    seq: null,
    requestTxHash: null,
    requestBlock: null,
    requestTimestamp: null,
    approved: null,
    commandGuid: null,
    decidedTxHash: null,
    decidedBlock: null,
    decidedTimestamp: null,
    settledAmount: null,
    settledTxHash: null,
    settledBlock: null,
    settledTimestamp: null,
  };
}
