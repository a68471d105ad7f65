import type { Address } from "viem";
import { accountMargin, collateralBalance, hubCredit, marginError, position } from "../../ponder.schema.js";
import type { AccountRowsInput } from "../computeAccountMargin.js";
import { collateralKey, lowerHex } from "../indexerConfig.js";
import type { ChangeAt, IndexerDb } from "./context.js";
import { noteHeldKeys } from "./noteHeldKeys.js";
import {
  type MarginKeys,
  marginKeys,
  type ReadIndexerStateReturnType,
  readIndexerState,
} from "./readIndexerState.js";
import { type AccountRowIndex, parseRowIndex, writeAccountMargin } from "./writeAccountMargin.js";

type CollateralRef = { chainId: number; token: Address };

/** Rows of the account that the triggering event wrote: their keys join the account's index (and the held keys). */
export type TouchedRows = {
  /** A `collateral_balance` row; with `balance` and `pending` as written, it is not read back. */
  balance?: CollateralRef & { balance?: bigint; pending?: bigint };
  /** A `hub_credit` row. */
  credit?: CollateralRef;
  /** A `position` row (its market). */
  market?: Address;
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
 * rows. The row's index columns (`balanceKeys`, `creditKeys`, `positionMarkets`) say which raw
 * rows the account has, so it is read by primary key — a handful of cached `find`s — instead of
 * by probing every configured collateral; the event's own row joins the index. The shared tables
 * come from {@link readIndexerState} (kept in memory while unchanged). Only configured collaterals
 * and markets count.
 *
 * @param db the handler's `context.db`
 * @param parameters the account, the change, the rows the event wrote
 */
export async function recomputeMargin(db: IndexerDb, parameters: RecomputeMarginParameters): Promise<void> {
  const account = lowerHex(parameters.account);
  const keys = parameters.keys ?? marginKeys();
  const state = parameters.state ?? (await readIndexerState(db, keys));
  const { index, exists } = await readIndex(db, account, keys, state.marginErrors);
  const touched = parameters.touched ?? {};
  const given = touched.balance;
  const givenKey = given === undefined ? undefined : collateralKey(given.chainId, given.token);
  const creditKey = touched.credit && collateralKey(touched.credit.chainId, touched.credit.token);
  const market = touched.market && lowerHex(touched.market);
  addTo(index.balanceKeys, givenKey);
  addTo(index.creditKeys, creditKey);
  addTo(index.positionMarkets, market);
  const fresh = [givenKey, creditKey, market].filter(
    (key): key is string => key !== undefined && !state.held.has(key),
  );
  if (fresh.length > 0) await noteHeldKeys(db, state, fresh);

  const rows: { [K in keyof AccountRowsInput]: AccountRowsInput[K][number][] } = {
    balances: [],
    credits: [],
    positions: [],
  };
  for (const key of index.balanceKeys) {
    if (!keys.collateralKeys.has(key)) continue;
    if (key === givenKey && given?.balance !== undefined && given.pending !== undefined) {
      rows.balances.push({
        chainId: given.chainId,
        token: given.token,
        balance: given.balance,
        pending: given.pending,
      });
      continue;
    }
    const row = await db.find(collateralBalance, { account, ...parseKey(key) });
    if (row !== null) rows.balances.push(row);
  }
  for (const key of index.creditKeys) {
    if (!keys.collateralKeys.has(key)) continue;
    const row = await db.find(hubCredit, { account, ...parseKey(key) });
    if (row !== null) rows.credits.push(row);
  }
  for (const entry of index.positionMarkets) {
    const market = keys.markets.find((m) => m === entry);
    if (market === undefined) continue;
    const row = await db.find(position, { account, market });
    if (row !== null) rows.positions.push(row);
  }
  await writeAccountMargin(db, { account, rows, index, risk: state.risk, at: parameters.at, exists });
}

function addTo(list: string[], key: string | undefined): void {
  if (key !== undefined && !list.includes(key)) list.push(key);
}

/**
 * The account's index: from its `account_margin` row; empty for a new account; probed over the
 * configured keys for an account that has rows but no `account_margin` row (its margin never could
 * be computed: it is in `margin_error`).
 */
async function readIndex(
  db: IndexerDb,
  account: Address,
  keys: MarginKeys,
  marginErrors: boolean,
): Promise<{ index: AccountRowIndex; exists: boolean }> {
  const stored = await db.find(accountMargin, { account });
  if (stored !== null) return { index: parseRowIndex(stored), exists: true };
  const index: AccountRowIndex = { balanceKeys: [], creditKeys: [], positionMarkets: [] };
  if (!marginErrors || (await db.find(marginError, { account })) === null) return { index, exists: false };
  for (const { chainId, token } of keys.collaterals) {
    const key = collateralKey(chainId, token);
    if ((await db.find(collateralBalance, { account, chainId, token })) !== null) index.balanceKeys.push(key);
    if ((await db.find(hubCredit, { account, chainId, token })) !== null) index.creditKeys.push(key);
  }
  for (const market of keys.markets) {
    if ((await db.find(position, { account, market })) !== null) index.positionMarkets.push(market);
  }
  return { index, exists: false };
}

/**
 * The (chain, token) of a `collateralKey`.
 *
 * @param key `"<chainId>:<token>"`
 * @returns its parts
 */
export function parseKey(key: string): { chainId: number; token: Address } {
  const colon = key.indexOf(":");
  return { chainId: Number(key.slice(0, colon)), token: key.slice(colon + 1) as Address }; // collateralKey wrote an address there
}
