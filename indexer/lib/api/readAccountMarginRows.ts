import { sql } from "ponder";
import type { Address } from "viem";
import {
  accountMargin,
  collateral,
  collateralBalance,
  hubCredit,
  indexerState,
  perpMarket,
  position,
  price,
  withdrawal,
} from "../../ponder.schema.js";
import { prepareMarginRisk } from "../prepareMarginRisk.js";
import { INDEXER_STATE_ID } from "../store/bumpRiskStamp.js";
import type { AccountMarginRows, SharedTables } from "./accountMarginView.js";

/**
 * The API's `db` from `ponder:api`: a drizzle instance (node-postgres or PGlite). Its dialect
 * renders the statement once and its client runs it; its type hides both, so they are probed.
 */
export type ApiDb = object;

type Drizzle = {
  dialect: { sqlToQuery: (query: ReturnType<typeof sql>) => { sql: string } };
  $client: { query: (...args: unknown[]) => Promise<{ rows?: unknown }>; totalCount?: unknown };
};

/** The shared tables as of a `indexer_state.riskStamp`. */
export type StampedSharedTables = SharedTables & { stamp: string | null };

/** Parameters of {@link readAccountMarginRows}. */
export type ReadAccountMarginRowsParameters = {
  /** Lowercase, at least one (repeats are read once). */
  accounts: readonly Address[];
  /** The shared tables the caller holds: read again only when the stamp moved. */
  shared?: StampedSharedTables | undefined;
};

/** Return type of {@link readAccountMarginRows}. */
export type ReadAccountMarginRowsReturnType = {
  /** Each account's rows (an account with none has empty lists and no stored aggregate). */
  rows: ReadonlyMap<Address, AccountMarginRows>;
  shared: StampedSharedTables;
};

/**
 * Reads what `GET /accounts/:address/margin` needs for one or more accounts in one statement
 * (one round trip): each account's balances, credits, positions, unsettled withdrawals and stored
 * aggregate, the `indexer_state.riskStamp`, and — only when that stamp differs from the one of the
 * shared tables the caller holds — the `collateral`, `price` and `perp_market` rows, from the same
 * snapshot as the stamp. Every lookup is by an index that starts with `account`.
 *
 * @param db the API's `db` (`ponder:api`)
 * @param parameters the accounts and the shared tables held so far
 * @returns the accounts' rows and the current shared tables
 * @example
 * let shared;
 * const read = await readAccountMarginRows(db, { accounts: [account], shared });
 * shared = read.shared;
 * const rows = read.rows.get(account);
 */
export async function readAccountMarginRows(
  db: ApiDb,
  parameters: ReadAccountMarginRowsParameters,
): Promise<ReadAccountMarginRowsReturnType> {
  const accounts = [...new Set(parameters.accounts)];
  if (accounts.length === 0)
    throw new RangeError("readAccountMarginRows: accounts: expected at least one account");
  const invalid = accounts.find((account) => !ACCOUNT.test(account));
  if (invalid !== undefined)
    throw new TypeError(
      `readAccountMarginRows: accounts: expected lowercase 0x addresses, got ${JSON.stringify(invalid)}`,
    );
  const held = parameters.shared;
  // Stamps look like "1a2b3c4d-7" or "": "none" (nothing held yet) is never one.
  const known = held === undefined ? "none" : (held.stamp ?? "");
  const result = await runStatement(db, known, accounts);
  const first = result[0] ?? {};
  const current = typeof first.stamp === "string" ? first.stamp : null;
  const sharedJson = json(first.shared);
  const shared =
    held !== undefined && sharedJson === null ? held : { ...sharedTables(sharedJson), stamp: current };
  const rows = new Map<Address, AccountMarginRows>();
  // Padding slots (null) come back as rows without an account.
  for (const row of result) if (typeof row.account === "string") rows.set(hex(row.account), accountRows(row));
  // The statement has a row per account; the fallback only guards against a driver dropping one.
  for (const account of accounts) if (!rows.has(account)) rows.set(account, accountRows({}));
  return { rows, shared };
}

/** Lowercase addresses only: the statement compares them as text with the lowercase hex columns. */
const ACCOUNT = /^0x[0-9a-f]{40}$/;

function accountRows(row: Record<string, unknown>): AccountMarginRows {
  const stored = json(row.stored);
  return {
    stored:
      stored === null
        ? null
        : {
            lastChangeChainId: num(stored[0]),
            lastChangeBlock: big(stored[1]),
            lastChangeTimestamp: big(stored[2]),
          },
    balances: list(row.balances).map((b) => ({
      chainId: num(b[0]),
      token: hex(b[1]),
      balance: big(b[2]),
      pending: big(b[3]),
      seq: big(b[4]),
      final: b[5] === true,
    })),
    credits: list(row.credits).map((c) => ({
      chainId: num(c[0]),
      token: hex(c[1]),
      balance: big(c[2]),
      seq: big(c[3]),
    })),
    positions: list(row.positions).map((p) => ({
      market: hex(p[0]),
      size: big(p[1]),
      entryPriceWad: big(p[2]),
      debtUsd: big(p[3]),
    })),
    withdrawals: list(row.withdrawals).map((x) => ({
      requestGuid: hex(x[0]),
      chainId: num(x[1]),
      token: hex(x[2]),
      amount: big(x[3]),
      status: String(x[4]),
      commandGuid: x[5] === null ? null : hex(x[5]),
      requestTimestamp: x[6] === null ? null : big(x[6]),
    })),
  };
}

const STATEMENT_NAME = "crossmargin_account_margins";
let statements: { db: ApiDb; texts: Map<number, string> } | undefined;

/**
 * How many account slots a statement for `count` accounts has: the next power of two, the rest
 * padded with nulls. Each size is its own prepared statement whose account list has a length the
 * planner sees in every plan (an `ARRAY[$2, …]` of that many parameters), so after its first five
 * executions Postgres settles on a generic plan and stops planning. A statement whose list had a
 * length only the parameter's value told (`unnest(string_to_array($1, ','))`) looked cheaper
 * planned with each value than generic (3 accounts against the planner's default of 10), so
 * every execution was planned again: about 250 µs of Postgres CPU per statement on this 2-core
 * machine, more than the lookups themselves. Powers of two keep the statements per connection at
 * 7 for batches of up to 64.
 */
export function accountSlots(count: number): number {
  let slots = 1;
  while (slots < count) slots *= 2;
  return slots;
}

function drizzleOf(db: ApiDb): Drizzle {
  const probe = db as Partial<Drizzle>; // checked just below
  if (typeof probe.dialect?.sqlToQuery !== "function" || typeof probe.$client?.query !== "function")
    throw new TypeError("readAccountMarginRows: expected the drizzle `db` of ponder:api");
  return probe as Drizzle; // both members checked above
}

/** The statement's text for `slots` accounts, rendered once per `db` ($1 = the stamp held; $2… = the accounts, or null). */
function statementText(db: ApiDb, slots: number): string {
  if (statements?.db !== db) statements = { db, texts: new Map() };
  const cached = statements.texts.get(slots);
  if (cached !== undefined) return cached;
  // One row per account slot ($2…); the stamp and shared tables are uncorrelated (planned once, as InitPlans).
  const account = sql.raw("a.account");
  const known = sql.raw("$1");
  const slotParameters = Array.from({ length: slots }, (_, i) => `$${i + 2}`).join(", ");
  const stateId = sql.raw(String(INDEXER_STATE_ID));
  const s = indexerState;
  const stamp = sql`(SELECT ${s.riskStamp} FROM ${s} WHERE ${s.id} = ${stateId})`;
  const cb = collateralBalance;
  const w = withdrawal;
  const am = accountMargin;
  const c = collateral;
  const p = price;
  const m = perpMarket;
  const query = sql`SELECT ${stamp} AS stamp,
  CASE WHEN coalesce(${stamp}, '') <> ${known} THEN json_build_array(
    (SELECT json_agg(json_build_array(${c.chainId}, ${c.token}, ${c.symbol}, ${c.feed}, ${c.feedDecimals},
      ${c.heartbeat}, ${c.tokenDecimals}, ${c.haircutBps}, ${c.liquidationThresholdBps}, ${c.liquidationBonusBps},
      ${c.capPerAccount}::text, ${c.registeredBlock}::text, ${c.registeredLogIndex})) FROM ${c}),
    (SELECT json_agg(json_build_array(${p.feed}, ${p.answer}::text, ${p.decimals}, ${p.roundId}::text,
      ${p.updatedAt}::text, ${p.blockNumber}::text, ${p.timestamp}::text, ${p.source})) FROM ${p}),
    (SELECT json_agg(json_build_array(${m.address}, ${m.symbol}, ${m.feed}, ${m.feedDecimals},
      ${m.initialMarginBps}, ${m.maintenanceMarginBps})) FROM ${m})
  ) END AS shared,
  (SELECT json_build_array(${am.lastChangeChainId}, ${am.lastChangeBlock}::text, ${am.lastChangeTimestamp}::text)
    FROM ${am} WHERE ${am.account} = ${account}) AS stored,
  (SELECT json_agg(json_build_array(${cb.chainId}, ${cb.token}, ${cb.balance}::text, ${cb.pending}::text,
      ${cb.seq}::text, ${cb.final})) FROM ${cb} WHERE ${cb.account} = ${account}) AS balances,
  (SELECT json_agg(json_build_array(${hubCredit.chainId}, ${hubCredit.token}, ${hubCredit.balance}::text,
      ${hubCredit.seq}::text)) FROM ${hubCredit} WHERE ${hubCredit.account} = ${account}) AS credits,
  (SELECT json_agg(json_build_array(${position.market}, ${position.size}::text, ${position.entryPriceWad}::text,
      ${position.debtUsd}::text)) FROM ${position} WHERE ${position.account} = ${account}) AS positions,
  (SELECT json_agg(json_build_array(${w.requestGuid}, ${w.chainId}, ${w.token}, ${w.amount}::text, ${w.status},
      ${w.commandGuid}, ${w.requestTimestamp}::text) ORDER BY ${w.requestBlock}, ${w.requestGuid})
    FROM ${w} WHERE ${w.account} = ${account} AND ${w.settledBlock} IS NULL) AS withdrawals,
  a.account AS account
FROM unnest(ARRAY[${sql.raw(slotParameters)}]::text[]) AS a(account)`;
  const text = drizzleOf(db).dialect.sqlToQuery(query).sql;
  statements.texts.set(slots, text);
  return text;
}

/**
 * Runs the statement for these accounts: on node-postgres as a named prepared statement per slot
 * count (parsed once per connection and, from its sixth execution, no longer planned; the text is
 * not sent again), on PGlite as a plain parameterized query.
 */
async function runStatement(
  db: ApiDb,
  known: string,
  accounts: readonly Address[],
): Promise<Record<string, unknown>[]> {
  const slots = accountSlots(accounts.length);
  const text = statementText(db, slots);
  const values: (string | null)[] = [known, ...accounts];
  while (values.length < slots + 1) values.push(null);
  const client = drizzleOf(db).$client;
  // node-postgres' Pool counts its clients; PGlite has no such field.
  const result =
    typeof client.totalCount === "number"
      ? await client.query({ name: `${STATEMENT_NAME}_${slots}`, text, values })
      : await client.query(text, values);
  const rows: unknown = result.rows;
  return Array.isArray(rows)
    ? rows.filter((r): r is Record<string, unknown> => typeof r === "object" && r !== null)
    : [];
}

function sharedTables(value: unknown[] | null): SharedTables {
  const [collaterals, prices, markets] = [list(value?.[0]), list(value?.[1]), list(value?.[2])];
  const tables = {
    collaterals: collaterals.map((c) => ({
      chainId: num(c[0]),
      token: hex(c[1]),
      symbol: c[2] === null ? null : String(c[2]),
      feed: hex(c[3]),
      feedDecimals: num(c[4]),
      heartbeat: num(c[5]),
      tokenDecimals: num(c[6]),
      haircutBps: num(c[7]),
      liquidationThresholdBps: num(c[8]),
      liquidationBonusBps: num(c[9]),
      capPerAccount: big(c[10]),
      registeredBlock: big(c[11]),
      registeredLogIndex: num(c[12]),
    })),
    prices: prices.map((p) => ({
      feed: hex(p[0]),
      answer: big(p[1]),
      decimals: num(p[2]),
      roundId: big(p[3]),
      updatedAt: big(p[4]),
      blockNumber: big(p[5]),
      timestamp: big(p[6]),
      source: String(p[7]),
    })),
    markets: markets.map((m) => ({
      address: hex(m[0]),
      symbol: String(m[1]),
      feed: hex(m[2]),
      feedDecimals: num(m[3]),
      initialMarginBps: num(m[4]),
      maintenanceMarginBps: num(m[5]),
    })),
  };
  return { ...tables, risk: prepareMarginRisk(tables) };
}

/** A json column: parsed by the driver (node-postgres, PGlite) or, as a fallback, here. */
function json(value: unknown): unknown[] | null {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : null;
}

function list(value: unknown): unknown[][] {
  return (json(value) ?? []).filter((item): item is unknown[] => Array.isArray(item));
}

function num(value: unknown): number {
  return Number(value);
}

function big(value: unknown): bigint {
  return BigInt(String(value));
}

function hex(value: unknown): `0x${string}` {
  return String(value) as `0x${string}`; // a hex column (lowercase 0x… text)
}
