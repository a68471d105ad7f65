import { MarginMathInputError, MarginMathOverflowError } from "../../../shared/margin/errors.js";
import { accountMargin, indexerState, marginError } from "../../ponder.schema.js";
import {
  type AccountRowsInput,
  type ComputeAccountMarginReturnType,
  computeAccountMargin,
} from "../computeAccountMargin.js";
import type { MarginRisk } from "../prepareMarginRisk.js";
import { INDEXER_STATE_ID } from "./bumpRiskStamp.js";
import type { ChangeAt, IndexerDb } from "./context.js";

/** Which raw rows an account has (the `account_margin` index columns, as lists). */
export type AccountRowIndex = {
  /** `collateralKey(chainId, token)` of each `collateral_balance` row. */
  balanceKeys: string[];
  /** `collateralKey(chainId, token)` of each `hub_credit` row. */
  creditKeys: string[];
  /** The (lowercase) market of each `position` row. */
  positionMarkets: string[];
};

/**
 * The index columns of an `account_margin` row as lists (they are stored space-separated).
 *
 * @param row the stored index columns
 * @returns the index
 */
export function parseRowIndex(row: {
  balanceKeys: string;
  creditKeys: string;
  positionMarkets: string;
}): AccountRowIndex {
  return {
    balanceKeys: splitList(row.balanceKeys),
    creditKeys: splitList(row.creditKeys),
    positionMarkets: splitList(row.positionMarkets),
  };
}

function splitList(value: string): string[] {
  return value === "" ? [] : value.split(" ");
}

function indexColumns(index: AccountRowIndex) {
  return {
    balanceKeys: index.balanceKeys.join(" "),
    creditKeys: index.creditKeys.join(" "),
    positionMarkets: index.positionMarkets.join(" "),
  };
}

/** Parameters of {@link writeAccountMargin}. */
export type WriteAccountMarginParameters = {
  /** Lowercase. */
  account: `0x${string}`;
  /** The account's rows of configured collaterals and markets (what the margin is computed from). */
  rows: AccountRowsInput;
  /** Every raw row the account has, configured or not. */
  index: AccountRowIndex;
  risk: MarginRisk;
  /** The change that triggered the recomputation (recorded as the last change). */
  at: ChangeAt;
  /** Whether the account has an `account_margin` row, when the caller knows (saves the store a lookup). */
  exists?: boolean | undefined;
};

/**
 * Computes an account's margin with `computeAccountMargin` and stores its `account_margin` row,
 * index columns included. Where the hub's own math would revert (a value beyond uint256: an
 * absurd price or balance) the indexer must not stop: the error is recorded in `margin_error`
 * (and flagged in `indexer_state.marginErrors`), an existing row keeps its figures (only its index
 * moves) and no row is created.
 *
 * @param db the handler's `context.db`
 * @param parameters the account, its rows and index, the prepared risk and the change
 */
export async function writeAccountMargin(
  db: IndexerDb,
  parameters: WriteAccountMarginParameters,
): Promise<void> {
  const { account, index, at } = parameters;
  let result: ComputeAccountMarginReturnType;
  try {
    result = computeAccountMargin({ ...parameters.rows, risk: parameters.risk, lines: false });
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
    if ((await db.find(accountMargin, { account })) !== null)
      await db.update(accountMargin, { account }).set(indexColumns(index));
    return;
  }
  const row = marginRow(account, result, at, index);
  // The key is in the update too: Ponder accepts a key column set to its own value.
  if (parameters.exists === false) await db.insert(accountMargin).values(row);
  else if (parameters.exists === true) await db.update(accountMargin, { account }).set(row);
  else await db.insert(accountMargin).values(row).onConflictDoUpdate(row);
}

function marginRow(
  account: `0x${string}`,
  result: ComputeAccountMarginReturnType,
  at: ChangeAt,
  index: AccountRowIndex,
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
    balanceKeys: index.balanceKeys.join(" "),
    creditKeys: index.creditKeys.join(" "),
    positionMarkets: index.positionMarkets.join(" "),
  };
}
