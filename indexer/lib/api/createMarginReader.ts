import type { Address } from "viem";
import { type AccountMarginView, accountMarginView } from "./accountMarginView.js";
import { type ApiDb, readAccountMarginRows, type StampedSharedTables } from "./readAccountMarginRows.js";

/** Parameters of the reader {@link createMarginReader} returns. */
export type ReadMarginParameters = {
  /** Lowercase. */
  account: Address;
  /** Only this chain's collaterals, uncredited amounts and withdrawals (totals stay account-wide). */
  chainId?: number | undefined;
};

/** Reads one account's margin view (the answer of `GET /accounts/:address/margin`). */
export type ReadMargin = (parameters: ReadMarginParameters) => Promise<AccountMarginView>;

/**
 * The one reader behind `GET /accounts/:address/margin` and GraphQL's `margin(account:)`: one
 * SQL statement per call (`readAccountMarginRows`), valued by `accountMarginView`. It keeps the
 * shared tables (collaterals, prices, markets) between calls and reads them again only when
 * their `indexer_state.riskStamp` moved.
 *
 * @param db the API's `db` (`ponder:api`)
 * @param chainNames chain names by chain id (from the config)
 * @returns the reader
 * @example
 * const readMargin = createMarginReader(db, chainNames);
 * const view = await readMargin({ account: "0x976e…0aa9" });
 */
export function createMarginReader(db: ApiDb, chainNames: ReadonlyMap<number, string>): ReadMargin {
  let shared: StampedSharedTables | undefined;
  return async ({ account, chainId }) => {
    const read = await readAccountMarginRows(db, { account, shared });
    shared = read.shared;
    return accountMarginView({ account, rows: read.rows, shared: read.shared, chainNames, chainId });
  };
}
