import DataLoader from "dataloader";
import type { Address } from "viem";
import { type AccountMarginRows, type AccountMarginView, accountMarginView } from "./accountMarginView.js";
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

/** Options of {@link createMarginReader}. */
export type CreateMarginReaderOptions = {
  /** Most accounts read by one statement (default 64). */
  maxBatchSize?: number;
  /** Called with the size of every statement's batch (metrics, tests). */
  onBatch?: (accounts: number) => void;
};

type Read = { rows: AccountMarginRows; shared: StampedSharedTables };

/**
 * The one reader behind `GET /accounts/:address/margin` and GraphQL's `margin(account:)`. Calls
 * that arrive in the same turn of the event loop (the requests node parsed in one pass over its
 * sockets) are read together, by one SQL statement (`readAccountMarginRows`), then each is valued
 * by `accountMarginView`: under concurrent load the indexer and Postgres do one round trip, one
 * socket write and one statement execution for several requests instead of one each. A call
 * alone waits for nothing but the end of the current turn. It keeps the shared tables
 * (collaterals, prices, markets) between calls and reads them again only when their
 * `indexer_state.riskStamp` moved. A failed statement fails every call of its batch.
 *
 * @param db the API's `db` (`ponder:api`)
 * @param chainNames chain names by chain id (from the config)
 * @param options the batch size limit, a batch observer
 * @returns the reader
 * @example
 * const readMargin = createMarginReader(db, chainNames);
 * const view = await readMargin({ account: "0x976e…0aa9" });
 */
export function createMarginReader(
  db: ApiDb,
  chainNames: ReadonlyMap<number, string>,
  options: CreateMarginReaderOptions = {},
): ReadMargin {
  let shared: StampedSharedTables | undefined;
  const loader = new DataLoader<Address, Read>(
    async (accounts) => {
      options.onBatch?.(accounts.length);
      const read = await readAccountMarginRows(db, { accounts, shared });
      shared = read.shared;
      // readAccountMarginRows answers every account it was given.
      return accounts.map((account) => ({
        rows: read.rows.get(account) as AccountMarginRows,
        shared: read.shared,
      }));
    },
    {
      // Every call reads the database: nothing is kept between turns.
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 64,
      // After the I/O callbacks of this turn (setImmediate), not after the first microtask:
      // each request is parsed in its own callback.
      batchScheduleFn: (callback) => setImmediate(callback),
    },
  );
  return async ({ account, chainId }) => {
    const read = await loader.load(account);
    return accountMarginView({ account, rows: read.rows, shared: read.shared, chainNames, chainId });
  };
}
