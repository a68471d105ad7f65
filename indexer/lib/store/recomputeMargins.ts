import { and, eq, inArray, ne, or } from "ponder";
import { MarginMathInputError, MarginMathOverflowError } from "../../../shared/margin/errors.js";
import {
  accountMargin,
  collateral,
  collateralBalance,
  hubCredit,
  perpMarket,
  position,
  price,
} from "../../ponder.schema.js";
import { type ComputeAccountMarginReturnType, computeAccountMargin } from "../computeAccountMargin.js";
import { collateralKey, type IndexerConfig, indexerConfig, lower, lowerHex } from "../indexerConfig.js";
import type { ChangeAt, IndexerDb } from "./context.js";

/** Accounts recomputed per query batch (keeps `IN (…)` lists bounded). */
const BATCH = 500;
/** Up to this many accounts, rows are read by primary key through Ponder's cache, not by SQL. */
const BY_KEY_LIMIT = 4;

type Rows = {
  balances: (typeof collateralBalance.$inferSelect)[];
  credits: (typeof hubCredit.$inferSelect)[];
  positions: (typeof position.$inferSelect)[];
};

/** The keys an account's rows can have: the configured collaterals and perp markets. */
export type MarginKeys = {
  collaterals: readonly { chainId: number; token: `0x${string}` }[];
  markets: readonly `0x${string}`[];
};

/**
 * The configured collaterals and perp markets (lowercase), the keys {@link recomputeMargins}
 * reads by. A collateral the hub configures but the config file does not list is not valued.
 *
 * @param config the indexer's config
 * @returns the keys
 */
export function marginKeys(config: IndexerConfig): MarginKeys {
  const market = config.hub.contracts.perpMarket;
  return {
    collaterals: [...config.collaterals.values()].map((c) => ({ chainId: c.chainId, token: lower(c.token) })),
    markets: market === undefined ? [] : [lower(market)],
  };
}

/**
 * Recomputes and stores the `account_margin` row of each account from its raw rows
 * (`collateral_balance`, `hub_credit`, `position`) and the shared `collateral`, `price` and
 * `perp_market` rows, with {@link computeAccountMargin}. A few accounts (one event) are read by
 * primary key through Ponder's indexing cache; many (a price move) with batched SQL.
 *
 * @param db the handler's `context.db`
 * @param accounts lowercase addresses (duplicates are fine)
 * @param at the change that triggered the recomputation (recorded as the last change)
 * @param keys the configured collaterals and markets (default: from `indexerConfig()`)
 */
export async function recomputeMargins(
  db: IndexerDb,
  accounts: readonly `0x${string}`[],
  at: ChangeAt,
  keys: MarginKeys = marginKeys(indexerConfig()),
): Promise<void> {
  const unique = [...new Set(accounts.map((a) => lowerHex(a)))];
  if (unique.length === 0) return;
  const shared = await sharedRows(db, keys);
  for (let i = 0; i < unique.length; i += BATCH) {
    const batch = unique.slice(i, i + BATCH);
    const rows =
      batch.length <= BY_KEY_LIMIT ? await rowsByKey(db, batch, keys) : await rowsBySql(db, batch, keys);
    const balances = groupByAccount(rows.balances);
    const credits = groupByAccount(rows.credits);
    const positions = groupByAccount(rows.positions);
    for (const account of batch) {
      const result = computeOrSkip(account, {
        balances: balances.get(account) ?? [],
        credits: credits.get(account) ?? [],
        positions: positions.get(account) ?? [],
        ...shared,
      });
      if (result === undefined) continue;
      await db
        .insert(accountMargin)
        .values({ account, ...marginColumns(result, at) })
        .onConflictDoUpdate(marginColumns(result, at));
    }
  }
}

/**
 * The margin, or undefined (the stored row is kept) where the hub's own math would revert: a
 * value beyond uint256 (an absurd price or balance) must not stop the indexer.
 */
function computeOrSkip(
  account: string,
  parameters: Parameters<typeof computeAccountMargin>[0],
): ComputeAccountMarginReturnType | undefined {
  try {
    return computeAccountMargin(parameters);
  } catch (error) {
    if (!(error instanceof MarginMathOverflowError || error instanceof MarginMathInputError)) throw error;
    console.warn(
      JSON.stringify({
        at: "recomputeMargins",
        msg: "margin not computable; row kept",
        account,
        error: error.shortMessage,
      }),
    );
    return undefined;
  }
}

function groupByAccount<T extends { account: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(row.account, [...(groups.get(row.account) ?? []), row]);
  return groups;
}

async function sharedRows(db: IndexerDb, keys: MarginKeys) {
  const collaterals = [];
  for (const key of keys.collaterals) {
    const row = await db.find(collateral, key);
    if (row !== null) collaterals.push(row);
  }
  const markets = [];
  for (const address of keys.markets) {
    const row = await db.find(perpMarket, { address });
    if (row !== null) markets.push(row);
  }
  const prices = [];
  for (const feed of new Set([...collaterals.map((c) => c.feed), ...markets.map((m) => m.feed)])) {
    const row = await db.find(price, { feed });
    if (row !== null) prices.push(row);
  }
  return { collaterals, markets, prices };
}

async function rowsByKey(db: IndexerDb, accounts: readonly `0x${string}`[], keys: MarginKeys): Promise<Rows> {
  const rows: Rows = { balances: [], credits: [], positions: [] };
  for (const account of accounts) {
    for (const { chainId, token } of keys.collaterals) {
      const balance = await db.find(collateralBalance, { chainId, account, token });
      if (balance !== null) rows.balances.push(balance);
      const credit = await db.find(hubCredit, { account, chainId, token });
      if (credit !== null) rows.credits.push(credit);
    }
    for (const market of keys.markets) {
      const held = await db.find(position, { market, account });
      if (held !== null) rows.positions.push(held);
    }
  }
  return rows;
}

async function rowsBySql(db: IndexerDb, accounts: `0x${string}`[], keys: MarginKeys): Promise<Rows> {
  // The same rows rowsByKey would find: configured collaterals and markets only.
  const configured = new Set(keys.collaterals.map((c) => collateralKey(c.chainId, c.token)));
  const isConfigured = (row: { chainId: number; token: string }) =>
    configured.has(collateralKey(row.chainId, row.token));
  const markets = new Set<string>(keys.markets);
  const balances = await db.sql
    .select()
    .from(collateralBalance)
    .where(inArray(collateralBalance.account, accounts));
  const credits = await db.sql.select().from(hubCredit).where(inArray(hubCredit.account, accounts));
  const positions = await db.sql.select().from(position).where(inArray(position.account, accounts));
  return {
    balances: balances.filter(isConfigured),
    credits: credits.filter(isConfigured),
    positions: positions.filter((p) => markets.has(p.market)),
  };
}

/**
 * Accounts whose margin depends on a feed: holders (at a vault or on the hub) of a collateral
 * priced by it, and accounts with a position or debt in a market priced by it.
 *
 * @param db the handler's `context.db`
 * @param feed the feed (lowercase)
 * @returns lowercase account addresses, without duplicates
 */
export async function accountsExposedToFeed(db: IndexerDb, feed: `0x${string}`): Promise<`0x${string}`[]> {
  const accounts: `0x${string}`[] = [];
  for (const c of await db.sql.select().from(collateral).where(eq(collateral.feed, feed))) {
    accounts.push(...(await accountsHolding(db, c.chainId, c.token)));
  }
  for (const m of await db.sql.select().from(perpMarket).where(eq(perpMarket.feed, feed))) {
    const rows = await db.sql
      .select({ account: position.account })
      .from(position)
      .where(and(eq(position.market, m.address), or(ne(position.size, 0n), ne(position.debtUsd, 0n))));
    accounts.push(...rows.map((row) => row.account));
  }
  return [...new Set(accounts)];
}

/**
 * Accounts holding a collateral at its vault (any row: balance, pending or history) or credited
 * with it on the hub.
 *
 * @param db the handler's `context.db`
 * @param chainId the collateral's chain
 * @param token the collateral's token (lowercase)
 * @returns lowercase account addresses (may repeat)
 */
export async function accountsHolding(
  db: IndexerDb,
  chainId: number,
  token: `0x${string}`,
): Promise<`0x${string}`[]> {
  const held = await db.sql
    .select({ account: collateralBalance.account })
    .from(collateralBalance)
    .where(and(eq(collateralBalance.chainId, chainId), eq(collateralBalance.token, token)));
  const credited = await db.sql
    .select({ account: hubCredit.account })
    .from(hubCredit)
    .where(and(eq(hubCredit.chainId, chainId), eq(hubCredit.token, token)));
  return [...held, ...credited].map((row) => row.account);
}

function marginColumns(result: ComputeAccountMarginReturnType, at: ChangeAt) {
  const { margin, credited } = result;
  return {
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
  };
}
