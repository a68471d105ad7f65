import type { Address } from "viem";
import { accountMargin, collateralBalance, hubCredit, marginError, position } from "../../ponder.schema.js";
import {
  type AccountLines,
  emptyAccountLines,
  parseAccountLines,
  setBalanceLine,
  setCreditLine,
  setPositionLine,
} from "../accountLines.js";
import { collateralKey, lowerHex } from "../indexerConfig.js";
import type { ChangeAt, IndexerDb } from "./context.js";
import { noteHeldKeys } from "./noteHeldKeys.js";
import {
  type MarginKeys,
  marginKeys,
  type ReadIndexerStateReturnType,
  readIndexerState,
} from "./readIndexerState.js";
import { writeAccountMargin } from "./writeAccountMargin.js";

type CollateralRef = { chainId: number; token: Address };

/**
 * The row of the account that the triggering event wrote, with its figures as written: its line
 * replaces the stored one (and its key joins the held keys). Every writer of a `collateral_balance`,
 * `hub_credit` or `position` row passes it, so the stored lines keep mirroring the raw rows.
 */
export type TouchedRows = {
  /** A `collateral_balance` row (token lowercase). */
  balance?: CollateralRef & { balance: bigint; pending: bigint };
  /** A `hub_credit` row (token lowercase). */
  credit?: CollateralRef & { balance: bigint };
  /** A `position` row (market lowercase). */
  position?: { market: Address; size: bigint; entryPriceWad: bigint; debtUsd: bigint };
};

/** Parameters of {@link recomputeMargin}. */
export type RecomputeMarginParameters = {
  account: Address;
  /** The change that triggered the recomputation (recorded as the last change). */
  at: ChangeAt;
  touched?: TouchedRows;
  /** The configured collaterals and markets (default: from `indexerConfig()`). */
  keys?: MarginKeys;
  /** The indexer state, when the caller has read it already (default: {@link readIndexerState}). */
  state?: ReadIndexerStateReturnType;
};

/**
 * Recomputes and stores one account's `account_margin` row after an event changed one of its
 * rows. The row holds the account's lines (the figures of each of its raw rows); the event's own
 * row replaces its line, and the margin is computed from the lines alone: the only reads are the
 * account's own `account_margin` row and the indexer state (in live indexing each read Ponder's
 * cache does not hold is a database round trip, so the account's other rows are not read). The
 * shared tables come from
 * {@link readIndexerState} (kept in memory while unchanged). Only configured collaterals and
 * markets count.
 *
 * @param db the handler's `context.db`
 * @param parameters the account, the change, the row the event wrote
 */
export async function recomputeMargin(db: IndexerDb, parameters: RecomputeMarginParameters): Promise<void> {
  const account = lowerHex(parameters.account);
  const keys = parameters.keys ?? marginKeys();
  const state = parameters.state ?? (await readIndexerState(db, keys));
  const { lines, exists } = await readLines(db, account, keys, state.marginErrors);
  const touched = parameters.touched ?? {};
  const changed: string[] = [];
  if (touched.balance !== undefined) {
    setBalanceLine(lines, touched.balance);
    changed.push(collateralKey(touched.balance.chainId, touched.balance.token));
  }
  if (touched.credit !== undefined) {
    setCreditLine(lines, touched.credit);
    changed.push(collateralKey(touched.credit.chainId, touched.credit.token));
  }
  if (touched.position !== undefined) {
    setPositionLine(lines, touched.position);
    changed.push(touched.position.market);
  }
  const fresh = changed.filter((key) => !state.held.has(key));
  if (fresh.length > 0) await noteHeldKeys(db, state, fresh);
  await writeAccountMargin(db, { account, lines, keys, risk: state.risk, at: parameters.at, exists });
}

/**
 * The account's lines: from its `account_margin` row; none for a new account; read from the raw
 * rows of every configured key for an account that has rows but no `account_margin` row (its
 * margin never could be computed: it is in `margin_error`).
 */
async function readLines(
  db: IndexerDb,
  account: Address,
  keys: MarginKeys,
  marginErrors: boolean,
): Promise<{ lines: AccountLines; exists: boolean }> {
  const stored = await db.find(accountMargin, { account });
  if (stored !== null) return { lines: parseAccountLines(stored), exists: true };
  const lines = emptyAccountLines();
  if (!marginErrors || (await db.find(marginError, { account })) === null) return { lines, exists: false };
  for (const { chainId, token } of keys.collaterals) {
    const balance = await db.find(collateralBalance, { account, chainId, token });
    if (balance !== null) setBalanceLine(lines, balance);
    const credit = await db.find(hubCredit, { account, chainId, token });
    if (credit !== null) setCreditLine(lines, credit);
  }
  for (const market of keys.markets) {
    const row = await db.find(position, { account, market });
    if (row !== null) setPositionLine(lines, row);
  }
  return { lines, exists: false };
}
