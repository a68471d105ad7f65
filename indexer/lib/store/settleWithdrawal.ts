import type { relayMessage } from "../../ponder.schema.js";
import { withdrawal } from "../../ponder.schema.js";
import { advanceWithdrawalStatus, parseWithdrawalStatus } from "../withdrawalStatus.js";
import type { IndexerDb } from "./context.js";

type RelayRow = typeof relayMessage.$inferSelect;

/**
 * Completes a withdrawal once both halves are indexed: the hub's decision (which links the
 * command's guid to the request) and the vault's application of the command (`appliedAmount` and
 * the destination fields of the command's `relay_message` row). Called from both sides; does
 * nothing until both are there. An applied approval becomes "released"; an applied rejection
 * stays "rejected" with its `settled*` fields set.
 *
 * @param db the handler's `context.db`
 * @param command the command's `relay_message` row
 */
export async function settleWithdrawal(db: IndexerDb, command: RelayRow): Promise<void> {
  if (command.requestGuid === null || command.appliedAmount === null) return;
  const row = await db.find(withdrawal, { requestGuid: command.requestGuid });
  if (row === null) return;
  const next = command.kind === "approve_withdrawal" ? "released" : "rejected";
  await db.update(withdrawal, { requestGuid: command.requestGuid }).set({
    status: advanceWithdrawalStatus(parseWithdrawalStatus(row.status), next),
    settledAmount: command.appliedAmount,
    settledTxHash: command.destinationTxHash,
    settledBlock: command.destinationBlock,
    settledTimestamp: command.destinationTimestamp,
  });
}
