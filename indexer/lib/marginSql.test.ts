import { PGlite } from "@electric-sql/pglite";
import { getViewConfig, PgDialect } from "drizzle-orm/pg-core";
import fc from "fast-check";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AccountMarginReturnType,
  accountMargin,
  collateralWeights,
  countedAmount,
  countedValue,
  isHealthy,
  isLiquidatable,
  type MarginCollateral,
  type MarginCollateralConfig,
  type MarginRequirement,
} from "../../shared/margin/accountMargin.js";
import { MarginMathOverflowError } from "../../shared/margin/errors.js";
import { applyBps, BPS, perpRequirement, priceToWad } from "../../shared/margin/marginMath.js";
import { MAX_INT256, MAX_UINT256, MIN_INT256 } from "../../shared/margin/uint256.js";
import * as schema from "../ponder.schema.js";

/*
 * The margin views' SQL (marginSql.ts) on an embedded Postgres against `shared/margin`: random
 * worlds of collaterals, prices, markets, balances, credits and positions, every view column
 * compared with the bigint twin; where the twin throws an overflow the account is not computable.
 */

// ------------------------------------------------------------------ worlds

type Holding = { account: string; chainId: number; token: Address };
type Balance = Holding & { balance: bigint; pending: bigint; seq: bigint };
type Credit = Holding & { balance: bigint; seq: bigint };
type Collateral = MarginCollateralConfig & {
  chainId: number;
  token: Address;
  feed: string;
  feedDecimals: number;
};
type Market = {
  address: string;
  feed: string;
  feedDecimals: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
};
type Position = { account: string; market: string; size: bigint; entryPriceWad: bigint; debtUsd: bigint };
/** Collaterals in registration order; a feed without a price row has never answered. */
type World = {
  collaterals: Collateral[];
  prices: { feed: string; answer: bigint }[];
  markets: Market[];
  balances: Balance[];
  credits: Credit[];
  positions: Position[];
};

const A1 = "0x00000000000000000000000000000000000000a1";
const A2 = "0x00000000000000000000000000000000000000a2";
const C1: Address = "0x0000000000000000000000000000000000000c01";
const C2: Address = "0x0000000000000000000000000000000000000c02";
const F1 = "0x00000000000000000000000000000000000000f1";
const F2 = "0x00000000000000000000000000000000000000f2";
/** LISTED and LISTED2 may be configured, UNLISTED never: its positions require their debt alone. */
const LISTED = "0x00000000000000000000000000000000000000e1";
const UNLISTED = "0x00000000000000000000000000000000000000e2";
/** A second market (a hub has several consumers): an account's requirements in both add up. */
const LISTED2 = "0x00000000000000000000000000000000000000e3";
const E18 = 10n ** 18n;

/** Up to `bits` bits, log-uniformly: small, mid-sized and near-overflow magnitudes alike. */
const magnitude = (bits: number) =>
  fc.integer({ min: 0, max: bits }).chain((b) => fc.bigInt({ min: 0n, max: 2n ** BigInt(b) - 1n }));
/** Token amounts and USD figures: mostly realistic, often of any size, sometimes at the edge. */
const amount = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n) },
  { weight: 2, arbitrary: magnitude(256) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_UINT256, 2n ** 255n, 2n ** 128n) },
);
/** int256 feed answers, including 0 and negative ones. */
const answer = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 24n }) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom(0n, -1n, MIN_INT256),
      magnitude(255).map((m) => -m),
    ),
  },
  { weight: 2, arbitrary: fc.oneof(magnitude(255), fc.constant(MAX_INT256)) },
);
/** int256 position sizes, long and short. */
const size = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, MIN_INT256, MAX_INT256) },
  { weight: 2, arbitrary: fc.tuple(magnitude(255), fc.boolean()).map(([m, short]) => (short ? -m : m)) },
);
const decimals = fc.integer({ min: 0, max: 30 });
const bps = fc.integer({ min: 0, max: 10_000 });
const key = (h: Holding) => `${h.account}:${h.chainId}:${h.token}`;

/**
 * A concentration the weights can take (upper ≤ 10000 − haircut and ≤ threshold, so neither
 * weight goes negative), or none. `scale ≥ 2^16` keeps `counted · scalar / scale` within uint256
 * for any amount, as the hub's uint128 credits do for any scale.
 */
const concentrationArb = (haircutBps: number, thresholdBps: number) =>
  fc.option(
    fc.integer({ min: 0, max: Math.max(0, Math.min(10_000 - haircutBps, thresholdBps)) }).chain((upperBps) =>
      fc.record({
        scale: fc.oneof(
          fc.bigInt({ min: 2n ** 16n, max: 10n ** 30n }),
          fc.bigInt({ min: 2n ** 16n, max: MAX_UINT256 }),
        ),
        scalarBps: fc.integer({ min: 0, max: 65_535 }),
        lowerBps: fc.integer({ min: 0, max: upperBps }),
        upperBps: fc.constant(upperBps),
      }),
    ),
    { nil: undefined, freq: 2 },
  );
const collateralArb = fc
  .record({
    chainId: fc.constantFrom(1, 10),
    token: fc.constantFrom(C1, C2),
    feed: fc.constantFrom(F1, F2),
    tokenDecimals: decimals,
    feedDecimals: decimals,
    haircutBps: bps,
    liquidationThresholdBps: bps,
    capPerAccount: fc.oneof(fc.constant(0n), amount),
  })
  .chain((c) =>
    concentrationArb(c.haircutBps, c.liquidationThresholdBps).map((concentration) => ({
      ...c,
      concentration,
    })),
  );
const marketArb = fc.record({
  address: fc.constantFrom(LISTED, LISTED2),
  feed: fc.constantFrom(F1, F2),
  feedDecimals: decimals,
  initialMarginBps: bps,
  maintenanceMarginBps: bps,
});
/** An account's vault row and/or hub credit for one (chain, token); a credit often equals the balance. */
const holdingArb = fc
  .record({
    account: fc.constantFrom(A1, A2),
    chainId: fc.constantFrom(1, 10, 8453),
    token: fc.constantFrom(C1, C2),
    vault: fc.option(fc.record({ balance: amount, pending: amount, seq: amount }), { nil: undefined }),
    credit: fc.option(fc.record({ balance: fc.option(amount, { nil: undefined }), seq: amount }), {
      nil: undefined,
    }),
  })
  .filter((h) => h.vault !== undefined || h.credit !== undefined);
const positionArb = fc.record({
  account: fc.constantFrom(A1, A2),
  market: fc.constantFrom(LISTED, LISTED2, UNLISTED),
  size,
  entryPriceWad: fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 24n }) }, amount),
  debtUsd: fc.oneof(fc.constant(0n), amount),
});

const worldArb: fc.Arbitrary<World> = fc
  .record({
    collaterals: fc.uniqueArray(collateralArb, { maxLength: 4, selector: (c) => `${c.chainId}:${c.token}` }),
    prices: fc.uniqueArray(fc.record({ feed: fc.constantFrom(F1, F2), answer }), { selector: (p) => p.feed }),
    markets: fc.uniqueArray(marketArb, { maxLength: 2, selector: (m) => m.address }),
    holdings: fc.uniqueArray(holdingArb, { maxLength: 6, selector: key }),
    positions: fc.uniqueArray(positionArb, { maxLength: 6, selector: (p) => `${p.account}:${p.market}` }),
  })
  .map(({ holdings, ...rest }) => ({
    ...rest,
    balances: holdings.flatMap(({ vault, credit, ...h }) =>
      vault === undefined ? [] : [{ ...h, ...vault }],
    ),
    credits: holdings.flatMap(({ vault, credit, ...h }) =>
      credit === undefined
        ? []
        : [{ ...h, balance: credit.balance ?? vault?.balance ?? 0n, seq: credit.seq }],
    ),
  }));

/** A world with only the given parts. */
function world(parts: Partial<World>): World {
  return { collaterals: [], prices: [], markets: [], balances: [], credits: [], positions: [], ...parts };
}

// ------------------------------------------------------------------ the database

/** The source tables as Ponder creates them, reduced to the keys and the columns the views read. */
const TABLES = `
  CREATE TABLE collateral_balance (account text NOT NULL, chain_id integer NOT NULL, token text NOT NULL,
    balance numeric(78,0) NOT NULL, pending numeric(78,0) NOT NULL, seq numeric(78,0) NOT NULL,
    PRIMARY KEY (account, chain_id, token));
  CREATE TABLE hub_credit (account text NOT NULL, chain_id integer NOT NULL, token text NOT NULL,
    balance numeric(78,0) NOT NULL, seq numeric(78,0) NOT NULL, PRIMARY KEY (account, chain_id, token));
  CREATE TABLE collateral (chain_id integer NOT NULL, token text NOT NULL, symbol text DEFAULT 'SYM',
    feed text NOT NULL, feed_decimals integer NOT NULL, token_decimals integer NOT NULL,
    haircut_bps integer NOT NULL, liquidation_threshold_bps integer NOT NULL,
    cap_per_account numeric(78,0) NOT NULL, concentration_scale numeric(78,0) NOT NULL,
    concentration_scalar_bps integer NOT NULL, concentration_lower_bps integer NOT NULL,
    concentration_upper_bps integer NOT NULL, answer numeric(78,0) NOT NULL, PRIMARY KEY (chain_id, token));
  CREATE TABLE perp_market (address text PRIMARY KEY, symbol text NOT NULL DEFAULT 'PERP', feed text NOT NULL,
    feed_decimals integer NOT NULL, initial_margin_bps integer NOT NULL, maintenance_margin_bps integer NOT NULL,
    answer numeric(78,0) NOT NULL);
  CREATE TABLE position (market text NOT NULL, account text NOT NULL, size numeric(78,0) NOT NULL,
    entry_price_wad numeric(78,0) NOT NULL, debt_usd numeric(78,0) NOT NULL, PRIMARY KEY (account, market));`;

/** The views' SQL as Ponder renders it, in declaration order (a later view may read an earlier one). */
const VIEWS = [schema.collateralLine, schema.requirementLine, schema.accountMargin].map((view) => {
  const config = getViewConfig(view);
  return { name: config.name, ...new PgDialect().sqlToQuery(config.query!) };
});

let db: PGlite;

beforeAll(async () => {
  db = new PGlite();
  await db.exec(TABLES);
  for (const view of VIEWS) await db.exec(`CREATE VIEW "${view.name}" AS ${view.sql}`);
});

afterAll(async () => {
  await db?.close();
});

type Row = Record<string, unknown>;

/** `INSERT` of rows (one shape per table) into their keys' snake_case columns; every value is generated here. */
function insert(table: string, rows: Row[]): string {
  if (rows[0] === undefined) return "";
  const keys = Object.keys(rows[0]);
  const columns = keys.map((k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  const literal = (v: unknown) => (typeof v === "string" ? `'${v}'` : String(v));
  const values = rows.map((r) => `(${keys.map((k) => literal(r[k])).join(", ")})`);
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values.join(", ")};`;
}

/** Replaces the tables' rows by the world's and reads the three views. */
async function load(w: World): Promise<{ lines: Row[]; requirements: Row[]; accounts: Row[] }> {
  // The indexer copies each feed's newest answer onto the rows that use it (0 before any).
  const answered = <T extends { feed: string }>(rows: T[]) =>
    rows.map((r) => ({ ...r, answer: answerOf(w, r.feed) ?? 0n }));
  // The collateral row carries its concentration flat (all 0 = off).
  const flat = w.collaterals.map(({ concentration: c, ...rest }) => ({
    ...rest,
    concentrationScale: c?.scale ?? 0n,
    concentrationScalarBps: c?.scalarBps ?? 0,
    concentrationLowerBps: c?.lowerBps ?? 0,
    concentrationUpperBps: c?.upperBps ?? 0,
  }));
  await db.exec(`TRUNCATE collateral_balance, hub_credit, collateral, perp_market, position;
    ${insert("collateral_balance", w.balances)} ${insert("hub_credit", w.credits)}
    ${insert("collateral", answered(flat))} ${insert("perp_market", answered(w.markets))}
    ${insert("position", w.positions)}`);
  const read = async (view: string) => (await db.query<Row>(`SELECT * FROM ${view}`)).rows;
  return {
    lines: await read("collateral_line ORDER BY account, chain_id, token"),
    requirements: await read("requirement_line ORDER BY account, market"),
    accounts: await read("account_margin ORDER BY account"),
  };
}

// ------------------------------------------------------------------ the twin

/** `fn()`, or null where the hub's math would revert. */
function attempt<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (error) {
    if (error instanceof MarginMathOverflowError) return null;
    throw error;
  }
}

/** A numeric column (read as a string) as a bigint; null stays null. */
const toBig = (value: unknown) => (value === null || value === undefined ? null : BigInt(String(value)));
const answerOf = (w: World, feed: string) => w.prices.find((p) => p.feed === feed)?.answer;
const isBigint = (v: bigint | null | undefined): v is bigint => typeof v === "bigint";

function sharedCollateral(w: World, c: Collateral): MarginCollateral {
  const { chainId, token, feed, feedDecimals, ...config } = c;
  return { chainId, token, feedDecimals, config, price: answerOf(w, feed) ?? 0n };
}

/**
 * Value, adjusted and liquidation value of `units` of a collateral (0 unconfigured). On overflow
 * the value is null and the shares unknown (undefined): the SQL's exact share may still fit.
 */
function valued(c: MarginCollateral | undefined, units: bigint) {
  const value = c === undefined ? 0n : attempt(() => countedValue(c, units));
  const share = (points: bigint) => (value === null ? undefined : applyBps(value, points));
  const w = c === undefined ? undefined : collateralWeights(c.config, countedAmount(c.config, units));
  return {
    value,
    discount: Number(w?.discountBps ?? 0n),
    adjusted: share(w?.adjustedBps ?? BPS),
    liquidation: share(w?.liquidationBps ?? 0n),
  };
}

/** What `collateral_line` must show for one holding (undefined: not checked). */
function expectedLine(w: World, h: Holding): Row {
  const config = w.collaterals.find((c) => c.chainId === h.chainId && c.token === h.token);
  const collateral = config === undefined ? undefined : sharedCollateral(w, config);
  const vault = w.balances.find((b) => key(b) === key(h));
  const credit = w.credits.find((c) => key(c) === key(h));
  const balance = vault?.balance ?? 0n;
  const credited = credit?.balance ?? 0n;
  const own = valued(collateral, balance);
  const hub = valued(collateral, credited);
  return {
    account: h.account,
    chain_id: h.chainId,
    token: h.token,
    registered: config !== undefined,
    symbol: config === undefined ? null : "SYM",
    token_decimals: config?.tokenDecimals ?? 0,
    balance,
    pending: vault?.pending ?? 0n,
    seq: vault?.seq ?? 0n,
    credited,
    credited_seq: credit?.seq ?? null,
    uncredited: balance > credited ? balance - credited : 0n,
    feed: config?.feed ?? null,
    price: collateral?.price ?? 0n,
    feed_decimals: config?.feedDecimals ?? 0,
    haircut_bps: config?.haircutBps ?? 0,
    liquidation_threshold_bps: config?.liquidationThresholdBps ?? 0,
    discount_bps: own.discount,
    credited_discount_bps: hub.discount,
    value_usd: own.value,
    adjusted_usd: own.adjusted,
    liquidation_usd: own.liquidation,
    credited_value_usd: hub.value,
    credited_adjusted_usd: hub.adjusted,
    credited_liquidation_usd: hub.liquidation,
    uncredited_usd:
      isBigint(own.value) && isBigint(hub.value)
        ? own.value > hub.value
          ? own.value - hub.value
          : 0n
        : null,
  };
}

/** One position as `PerpMarket.marginRequirement` prices it (null: it reverts). */
function requirementOf(w: World, p: Position) {
  const market = w.markets.find((m) => m.address === p.market);
  const price = market === undefined ? undefined : answerOf(w, market.feed);
  const priceWad =
    market !== undefined && price !== undefined && price > 0n
      ? attempt(() => priceToWad(price, market.feedDecimals))
      : p.entryPriceWad;
  const debtOnly: MarginRequirement = { initialUsd: p.debtUsd, maintenanceUsd: p.debtUsd };
  if (market === undefined || p.size === 0n) return { priceWad, requirement: debtOnly };
  if (priceWad === null) return { priceWad, requirement: null };
  const { initialMarginBps, maintenanceMarginBps } = market;
  const position = { size: p.size, entryWad: p.entryPriceWad, priceWad, debt: p.debtUsd };
  const requirement = attempt(() => perpRequirement({ ...position, initialMarginBps, maintenanceMarginBps }));
  return { priceWad, requirement };
}

function expectedRequirement(w: World, p: Position): Row {
  const { priceWad, requirement } = requirementOf(w, p);
  return {
    account: p.account,
    market: p.market,
    size: p.size,
    entry_price_wad: p.entryPriceWad,
    debt_usd: p.debtUsd,
    // Unbounded in the view: where the twin overflows, `account_margin` must say not computable.
    price_wad: priceWad ?? undefined,
    initial_usd: requirement?.initialUsd,
    maintenance_usd: requirement?.maintenanceUsd,
  };
}

/**
 * What `account_margin` must show for one account: `shared/margin`'s margins over the balances
 * and over the credits where they compute; otherwise `computable = false` and every figure null.
 */
function expectedAccount(w: World, account: string): Row {
  const registered = (b: Balance) =>
    w.collaterals.some((c) => c.chainId === b.chainId && c.token === b.token);
  const active = w.balances.filter(
    (b) => b.account === account && registered(b) && b.balance + b.pending > 0n,
  );
  const chainCount = new Set(active.map((b) => b.chainId)).size;
  const requirements = w.positions
    .filter((p) => p.account === account)
    .map((p) => requirementOf(w, p).requirement);
  const collaterals = w.collaterals.map((c) => sharedCollateral(w, c));
  const known = requirements.filter((r): r is MarginRequirement => r !== null);
  const over = (credits: Credit[]) =>
    accountMargin({
      credits: credits.filter((c) => c.account === account),
      collaterals,
      requirements: known,
    });
  const margins =
    known.length < requirements.length ? null : attempt(() => [over(w.balances), over(w.credits)]);
  if (margins !== null) return computableAccount(account, margins[0]!, margins[1]!, chainCount);

  const unknown = { healthy: undefined, liquidatable: undefined };
  const figures = [
    "collateral_usd",
    "adjusted_usd",
    "liquidation_usd",
    "initial_usd",
    "maintenance_usd",
    "health_factor",
    "credited_collateral_usd",
    "credited_adjusted_usd",
    "credited_liquidation_usd",
    "credited_health_factor",
    "uncredited_usd",
  ];
  return {
    account,
    ...Object.fromEntries(figures.map((f) => [f, null])),
    ...unknown,
    chain_count: chainCount,
    computable: false,
  };
}

function computableAccount(
  account: string,
  vault: AccountMarginReturnType,
  hub: AccountMarginReturnType,
  chainCount: number,
): Row {
  return {
    account,
    collateral_usd: vault.collateralUsd,
    adjusted_usd: vault.adjustedUsd,
    liquidation_usd: vault.liquidationUsd,
    initial_usd: vault.initialUsd,
    maintenance_usd: vault.maintenanceUsd,
    health_factor: vault.healthFactor,
    healthy: isHealthy(vault),
    liquidatable: isLiquidatable(vault),
    credited_collateral_usd: hub.collateralUsd,
    credited_adjusted_usd: hub.adjustedUsd,
    credited_liquidation_usd: hub.liquidationUsd,
    credited_health_factor: hub.healthFactor,
    uncredited_usd: vault.collateralUsd - hub.collateralUsd,
    chain_count: chainCount,
    computable: true,
  };
}

/** Expects the view's row to show the expected row's known (not undefined) columns. */
function expectRow(row: Row | undefined, want: Row): void {
  const known = Object.entries(want).filter(([, v]) => v !== undefined);
  const got = known.map(([k, v]) => [k, typeof v === "bigint" ? toBig(row?.[k]) : row?.[k]]);
  expect(Object.fromEntries(got)).toEqual(Object.fromEntries(known));
}

/** Loads the world and compares every view row with the twin; returns the views' rows. */
async function check(w: World): Promise<Awaited<ReturnType<typeof load>>> {
  const { lines, requirements, accounts } = await load(w);
  const holdings = [...w.balances, ...w.credits];
  const byKey = new Map(lines.map((l) => [`${l.account}:${l.chain_id}:${l.token}`, l]));
  expect([...byKey.keys()].sort()).toEqual([...new Set(holdings.map(key))].sort());
  for (const h of holdings) expectRow(byKey.get(key(h)), expectedLine(w, h));

  const open = w.positions.filter((p) => p.size !== 0n || p.debtUsd !== 0n);
  expect(requirements.length).toBe(open.length);
  for (const p of open) {
    const row = requirements.find((r) => r.account === p.account && r.market === p.market);
    expectRow(row, expectedRequirement(w, p));
  }

  const configured = holdings.filter((h) =>
    w.collaterals.some((c) => c.chainId === h.chainId && c.token === h.token),
  );
  const owners = new Set([...configured, ...open].map((x) => x.account));
  expect(accounts.map((a) => String(a.account)).sort()).toEqual([...owners].sort());
  for (const row of accounts) expectRow(row, expectedAccount(w, String(row.account)));
  return { lines, requirements, accounts };
}

// ------------------------------------------------------------------ tests

/** A collateral on chain 1 priced by F1: 18-decimal token, 8-decimal feed, no haircut, no cap. */
function usd(parts: Partial<Collateral> = {}): Collateral {
  const base = { chainId: 1, token: C1, feed: F1, tokenDecimals: 18, feedDecimals: 8, capPerAccount: 0n };
  return { ...base, haircutBps: 0, liquidationThresholdBps: 10_000, ...parts };
}
const held = (account: string, balance: bigint, chainId = 1, token = C1): Balance => {
  return { account, chainId, token, balance, pending: 0n, seq: 1n };
};

describe("margin views (marginSql.ts) against shared/margin", () => {
  it("agree on random worlds, including overflowing ones", async () => {
    let computable = 0;
    let accounts = 0;
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const rows = (await check(w)).accounts;
        accounts += rows.length;
        computable += rows.filter((r) => r.computable).length;
      }),
      { numRuns: 150 },
    );
    // Both kinds occur often enough to mean something.
    expect(computable).toBeGreaterThan(accounts / 4);
    expect(accounts - computable).toBeGreaterThan(accounts / 20);
  });

  it("render without parameters and within the 5,000 characters Ponder's /sql parses of a view", () => {
    for (const view of VIEWS) {
      expect(view.params, view.name).toEqual([]);
      expect(view.sql.length, view.name).toBeLessThanOrEqual(5_000);
    }
  });

  it("value a collateral at 0 at a zero, negative or missing answer (used as is, as in the hub's views)", async () => {
    const { lines, accounts } = await check(
      world({
        collaterals: [usd(), usd({ token: C2, feed: F2 }), usd({ chainId: 10, feed: "0xf3" })],
        prices: [
          { feed: F1, answer: 0n },
          { feed: F2, answer: -5n },
        ],
        balances: [held(A1, E18), held(A1, E18, 1, C2), held(A1, E18, 10)],
      }),
    );
    expect(lines.map((l) => l.value_usd)).toEqual(["0", "0", "0"]);
    expect(accounts).toMatchObject([{ collateral_usd: "0", computable: true, chain_count: 2 }]);
  });

  it("count at most the cap per account", async () => {
    const { accounts } = await check(
      world({
        collaterals: [usd({ tokenDecimals: 6, capPerAccount: 100_000_000n })],
        prices: [{ feed: F1, answer: 100_000_000n }],
        balances: [held(A1, 250_000_000n)],
        credits: [{ account: A1, chainId: 1, token: C1, balance: 50_000_000n, seq: 1n }],
      }),
    );
    expect(accounts).toMatchObject([
      {
        collateral_usd: `${100n * E18}`,
        credited_collateral_usd: `${50n * E18}`,
        uncredited_usd: `${50n * E18}`,
      },
    ]);
  });

  it("show an unconfigured token as a line with registered = false that counts 0", async () => {
    const { lines, accounts } = await check(
      world({ prices: [{ feed: F1, answer: 1n }], balances: [{ ...held(A1, E18, 1, C2), pending: E18 }] }),
    );
    expect(lines).toMatchObject([{ registered: false, value_usd: "0", price: "0", feed: null }]);
    // Nothing configured: no account_margin row (REST answers zeros for such an account).
    expect(accounts).toEqual([]);
  });

  it("require the debt alone for a market never seen or a position of size 0", async () => {
    const market = {
      address: LISTED,
      feed: F1,
      feedDecimals: 8,
      initialMarginBps: 1_000,
      maintenanceMarginBps: 500,
    };
    const { requirements, accounts } = await check(
      world({
        markets: [market],
        prices: [{ feed: F1, answer: 100_000_000n }],
        positions: [
          { account: A1, market: UNLISTED, size: 5n * E18, entryPriceWad: E18, debtUsd: 7n },
          { account: A1, market: LISTED, size: 0n, entryPriceWad: E18, debtUsd: 3n },
        ],
      }),
    );
    expect(requirements.map((r) => [r.initial_usd, r.maintenance_usd])).toEqual([
      ["3", "3"],
      ["7", "7"],
    ]);
    expect(accounts).toMatchObject([{ initial_usd: "10", health_factor: "0", liquidatable: true }]);
  });

  it("add up an account's requirements in two markets, each at its own feed and margins", async () => {
    const eth = {
      address: LISTED,
      feed: F1,
      feedDecimals: 8,
      initialMarginBps: 1_000,
      maintenanceMarginBps: 500,
    };
    const btc = {
      address: LISTED2,
      feed: F2,
      feedDecimals: 8,
      initialMarginBps: 800,
      maintenanceMarginBps: 400,
    };
    const { requirements, accounts } = await check(
      world({
        collaterals: [usd()],
        markets: [eth, btc],
        // ETH at 2,900 (entered at 3,000: 100 lost on 1 ETH), BTC at 60,000 (as entered).
        prices: [
          { feed: F1, answer: 2_900n * 10n ** 8n },
          { feed: F2, answer: 60_000n * 10n ** 8n },
        ],
        balances: [held(A1, 2_000n * E18)],
        positions: [
          { account: A1, market: LISTED, size: E18, entryPriceWad: 3_000n * E18, debtUsd: 0n },
          { account: A1, market: LISTED2, size: -E18 / 10n, entryPriceWad: 60_000n * E18, debtUsd: 0n },
        ],
      }),
    );
    // ETH: 2,900 × 10% + 100 loss = 390 initial, 145 + 100 = 245 maintenance; BTC: 6,000 × 8% = 480, × 4% = 240.
    expect(requirements.map((r) => [r.market, r.initial_usd, r.maintenance_usd])).toEqual([
      [LISTED, (390n * E18).toString(), (245n * E18).toString()],
      [LISTED2, (480n * E18).toString(), (240n * E18).toString()],
    ]);
    expect(accounts).toMatchObject([
      { initial_usd: (870n * E18).toString(), maintenance_usd: (485n * E18).toString(), healthy: true },
    ]);
  });

  it("mark an account not computable where the hub reverts, without failing the query for the others", async () => {
    const { lines, accounts } = await check(
      world({
        collaterals: [usd({ feedDecimals: 0 }), usd({ token: C2, feed: F2, feedDecimals: 0 })],
        prices: [
          { feed: F1, answer: 2n },
          { feed: F2, answer: MAX_INT256 },
        ],
        balances: [held(A1, MAX_UINT256), held(A1, MAX_UINT256, 1, C2), held(A2, E18)],
        // Equal overflowing values: no uncredited figure. A difference past 78 digits once failed the query.
        credits: [{ account: A1, chainId: 1, token: C1, balance: MAX_UINT256, seq: 1n }],
      }),
    );
    expect(lines.filter((l) => l.account === A1)).toMatchObject([
      { value_usd: null, credited_value_usd: null, uncredited_usd: null },
      { value_usd: null, credited_value_usd: "0", uncredited_usd: null },
    ]);
    expect(accounts).toMatchObject([
      { account: A1, collateral_usd: null, uncredited_usd: null, computable: false },
      { account: A2, collateral_usd: `${2n * E18}`, computable: true },
    ]);
  });

  it("mark an account not computable where its health factor exceeds uint256 (mulDiv reverts)", async () => {
    const { accounts } = await check(
      world({
        collaterals: [usd({ tokenDecimals: 0, feedDecimals: 18 })],
        prices: [{ feed: F1, answer: 1n }],
        balances: [held(A1, 2n ** 250n)],
        positions: [{ account: A1, market: UNLISTED, size: 0n, entryPriceWad: 0n, debtUsd: 1n }],
      }),
    );
    expect(accounts).toMatchObject([
      { collateral_usd: null, maintenance_usd: null, health_factor: null, computable: false },
    ]);
  });

  it("mark an account not computable where the market's pnl overflows int256", async () => {
    const market = {
      address: LISTED,
      feed: F1,
      feedDecimals: 18,
      initialMarginBps: 0,
      maintenanceMarginBps: 0,
    };
    const { requirements, accounts } = await check(
      world({
        markets: [market],
        prices: [{ feed: F1, answer: E18 }],
        positions: [
          // A profit: the exact loss is 0, but size · Δprice overflows int256.
          { account: A1, market: LISTED, size: 2n ** 254n, entryPriceWad: 0n, debtUsd: 0n },
          // An entry price beyond int256 (SafeCast.toInt256 reverts).
          { account: A2, market: LISTED, size: 1n, entryPriceWad: 2n ** 255n, debtUsd: 0n },
        ],
      }),
    );
    expect(requirements).toMatchObject([
      { price_wad: `${E18}`, initial_usd: null, maintenance_usd: null },
      { price_wad: `${E18}`, initial_usd: null, maintenance_usd: null },
    ]);
    expect(accounts.map((a) => a.computable)).toEqual([false, false]);
  });
});
