import { MarginMathInputError, MarginMathOverflowError } from "../../../shared/margin/errors.js";
import { accountMargin, indexerState, marginError } from "../../ponder.schema.js";
import {
  type AccountLineColumns,
  type ConfiguredKeys,
  configuredLines,
  formatAccountLines,
} from "../accountLines.js";
import {
  type AccountRowsInput,
  type ComputeAccountMarginReturnType,
  computeAccountMargin,
} from "../computeAccountMargin.js";
import type { MarginRisk } from "../prepareMarginRisk.js";
import { INDEXER_STATE_ID } from "./bumpRiskStamp.js";
import type { ChangeAt, IndexerDb } from "./context.js";

/** Parameters of {@link writeAccountMargin}. */
export type WriteAccountMarginParameters = {
  /** Lowercase. */
  account: `0x${string}`;
  /** A line per raw row the account has, configured or not (stored as the row's lines). */
  lines: AccountRowsInput;
  /** The configured collaterals and markets: the lines the margin counts. */
  keys: ConfiguredKeys;
  risk: MarginRisk;
  /** The change that triggered the recomputation (recorded as the last change). */
  at: ChangeAt;
  /** Whether the account has an `account_margin` row, when the caller knows (saves the store a lookup). */
  exists?: boolean | undefined;
};

/**
 * Computes an account's margin with `computeAccountMargin` from its configured lines and stores its
 * `account_margin` row, lines included. Where the hub's own math would revert (a value beyond
 * uint256: an absurd price or balance) the indexer must not stop: the error is recorded in
 * `margin_error` (and flagged in `indexer_state.marginErrors`), an existing row keeps its figures
 * (only its lines move, so they keep mirroring the raw rows) and no row is created.
 *
 * @param db the handler's `context.db`
 * @param parameters the account, its lines, the configured keys, the prepared risk and the change
 */
export async function writeAccountMargin(
  db: IndexerDb,
  parameters: WriteAccountMarginParameters,
): Promise<void> {
  const { account, at } = parameters;
  const columns = formatAccountLines(parameters.lines);
  let result: ComputeAccountMarginReturnType;
  try {
    const rows = configuredLines(parameters.lines, parameters.keys);
    result = computeAccountMargin({
      balances: rows.balances,
      credits: rows.credits,
      positions: rows.positions,
      risk: parameters.risk,
      lines: false,
    });
  } catch (error) {
    if (!(error instanceof MarginMathOverflowError || error instanceof MarginMathInputError)) throw error;
    console.warn(
      JSON.stringify({
        at: "writeAccountMargin",
        msg: "margin not computable; row kept",
        account,
        error: error.shortMessage,
      }),
    );
    const failure = {
      account,
      error: error.shortMessage,
      chainId: at.chainId,
      block: at.block,
      timestamp: at.timestamp,
    };
    await db.insert(marginError).values(failure).onConflictDoUpdate(failure);
    await db
      .insert(indexerState)
      .values({ id: INDEXER_STATE_ID, riskStamp: "", heldKeys: "", marginErrors: true })
      .onConflictDoUpdate({ marginErrors: true });
    const exists = parameters.exists ?? (await db.find(accountMargin, { account })) !== null;
    if (exists) await db.update(accountMargin, { account }).set(columns);
    return;
  }
  const row = marginRow(account, result, at, columns);
  // The key is in the update too: Ponder accepts a key column set to its own value.
  if (parameters.exists === false) await db.insert(accountMargin).values(row);
  else if (parameters.exists === true) await db.update(accountMargin, { account }).set(row);
  else await db.insert(accountMargin).values(row).onConflictDoUpdate(row);
}

/** The row, built as one literal (spreading two objects into one cost more than the margin math). */
function marginRow(
  account: `0x${string}`,
  result: ComputeAccountMarginReturnType,
  at: ChangeAt,
  columns: AccountLineColumns,
) {
  const { margin, credited } = result;
  return {
    account,
    collateralUsd: margin.collateralUsd,
    adjustedUsd: margin.adjustedUsd,
    liquidationUsd: margin.liquidationUsd,
    initialUsd: margin.initialUsd,
    maintenanceUsd: margin.maintenanceUsd,
    healthFactor: margin.healthFactor,
    healthy: result.healthy,
    liquidatable: result.liquidatable,
    creditedCollateralUsd: credited.collateralUsd,
    creditedAdjustedUsd: credited.adjustedUsd,
    creditedLiquidationUsd: credited.liquidationUsd,
    creditedHealthFactor: credited.healthFactor,
    uncreditedUsd: result.uncreditedUsd,
    chainCount: result.chainCount,
    lastChangeChainId: at.chainId,
    lastChangeBlock: at.block,
    lastChangeTimestamp: at.timestamp,
    balanceLines: columns.balanceLines,
    creditLines: columns.creditLines,
    positionLines: columns.positionLines,
  };
}
