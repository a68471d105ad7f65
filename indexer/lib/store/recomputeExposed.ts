import { and, eq, ne, or, sql } from "ponder";
import type { Address } from "viem";
import { collateralBalance, hubCredit, position } from "../../ponder.schema.js";
import { collateralKey, lower, lowerHex } from "../indexerConfig.js";
import type { ChangeAt, IndexerDb } from "./context.js";
import { type MarginKeys, marginKeys, readIndexerState } from "./readIndexerState.js";
import { rowsOf } from "./rowsOf.js";
import { writeAccountMargin } from "./writeAccountMargin.js";

/** What changed: collaterals (their holders are exposed) and markets (their open accounts are). */
export type Exposure = {
  /** Collaterals whose holders (any `collateral_balance` row, or a `hub_credit` row) are exposed. */
  collaterals: readonly { chainId: number; token: Address }[];
  /** Markets whose accounts with a position or debt are exposed (lowercase). */
  markets: readonly Address[];
};

/** Parameters of {@link recomputeExposed}. */
export type RecomputeExposedParameters = Exposure & {
  /** The change (recorded as each account's last change). */
  at: ChangeAt;
  /** The configured collaterals and markets (default: from `indexerConfig()`). */
  keys?: MarginKeys;
};

/**
 * Recomputes and stores the `account_margin` row of every account exposed to a changed shared row
 * (a price, a collateral's configuration): one SQL statement finds the exposed accounts and reads
 * all their rows, then each account is valued against the shared tables (read once) and written
 * through the store, its lines rewritten from the rows read. No SQL at all when nobody ever held the collaterals or markets
 * (`indexer_state.heldKeys`): in Ponder each `db.sql` statement is parsed twice and flushes the
 * tables it reads.
 *
 * @param db the handler's `context.db`
 * @param parameters the exposure and the change
 * @returns how many accounts were recomputed
 */
export async function recomputeExposed(
  db: IndexerDb,
  parameters: RecomputeExposedParameters,
): Promise<number> {
  const keys = parameters.keys ?? marginKeys();
  const state = await readIndexerState(db, keys);
  const collaterals = parameters.collaterals.filter((c) => state.held.has(collateralKey(c.chainId, c.token)));
  const markets = parameters.markets.filter((m) => state.held.has(lowerHex(m)));
  if (collaterals.length === 0 && markets.length === 0) return 0;
  const found = await rowsOfExposed(db, { collaterals, markets });
  for (const [account, rows] of found) {
    await writeAccountMargin(db, { account, lines: rows, keys, risk: state.risk, at: parameters.at });
  }
  return found.size;
}

type Rows = {
  balances: { chainId: number; token: Address; balance: bigint; pending: bigint }[];
  credits: { chainId: number; token: Address; balance: bigint }[];
  positions: { market: Address; size: bigint; entryPriceWad: bigint; debtUsd: bigint }[];
};

/**
 * Every raw row of every exposed account, grouped by account, in one statement (its text stays
 * short: Ponder treats a `db.sql` statement over 5,000 characters as a write, which flushes and
 * drops its whole indexing cache).
 */
async function rowsOfExposed(db: IndexerDb, exposure: Exposure): Promise<Map<`0x${string}`, Rows>> {
  const cb = collateralBalance;
  const hc = hubCredit;
  const p = position;
  const none = sql`false`;
  const atVault = or(
    none,
    ...exposure.collaterals.map((c) => and(eq(cb.chainId, c.chainId), eq(cb.token, c.token))),
  );
  const credited = or(
    none,
    ...exposure.collaterals.map((c) => and(eq(hc.chainId, c.chainId), eq(hc.token, c.token))),
  );
  const open = and(
    or(none, ...exposure.markets.map((m) => eq(p.market, m))),
    or(ne(p.size, 0n), ne(p.debtUsd, 0n)),
  );
  const exposed = sql.raw(`"exposed"`);
  const joined = sql.raw(`"exposed"."account"`);
  const result = await db.sql.execute(
    sql`WITH ${exposed} AS (SELECT ${cb.account} AS account FROM ${cb} WHERE ${atVault}
        UNION SELECT ${hc.account} FROM ${hc} WHERE ${credited}
        UNION SELECT ${p.account} FROM ${p} WHERE ${open})
      SELECT 0 AS kind, ${cb.account} AS account, ${cb.chainId} AS chain_id, ${cb.token} AS key,
        ${cb.balance}::text AS a, ${cb.pending}::text AS b, NULL::text AS c
        FROM ${cb} JOIN ${exposed} ON ${joined} = ${cb.account}
      UNION ALL SELECT 1, ${hc.account}, ${hc.chainId}, ${hc.token}, ${hc.balance}::text, NULL, NULL
        FROM ${hc} JOIN ${exposed} ON ${joined} = ${hc.account}
      UNION ALL SELECT 2, ${p.account}, NULL, ${p.market}, ${p.size}::text, ${p.entryPriceWad}::text, ${p.debtUsd}::text
        FROM ${p} JOIN ${exposed} ON ${joined} = ${p.account}`,
  );
  const grouped = new Map<`0x${string}`, Rows>();
  for (const row of rowsOf(result)) {
    const account = lower(String(row.account));
    let rows = grouped.get(account);
    if (rows === undefined) {
      rows = { balances: [], credits: [], positions: [] };
      grouped.set(account, rows);
    }
    const key = lower(String(row.key));
    const [a = 0n, b = 0n, c = 0n] = [row.a, row.b, row.c].map((v) =>
      v === null || v === undefined ? 0n : BigInt(String(v)),
    );
    const kind = Number(row.kind);
    if (kind === 0) rows.balances.push({ chainId: Number(row.chain_id), token: key, balance: a, pending: b });
    else if (kind === 1) rows.credits.push({ chainId: Number(row.chain_id), token: key, balance: a });
    else rows.positions.push({ market: key, size: a, entryPriceWad: b, debtUsd: c });
  }
  return grouped;
}
