import { sql } from "ponder";

type SQL = ReturnType<typeof sql>;

/*
 * The margin of every account, priced at read time: the SQL of the margin views in
 * ponder.schema.ts. It is the indexer's one definition of margin: REST, GraphQL and SQL over HTTP
 * all read these views, so they agree by construction. A price tick copies the feed's answer onto
 * the `collateral` and `perp_market` rows that use the feed (a handful) and nothing per holder.
 *
 * The arithmetic is the hub's (`shared/margin`, `MarginHub.accountMargin`), in exact numeric:
 * `div` is Solidity's truncating integer division and every product is exact. A figure beyond
 * uint256 (where the hub's math reverts) reads as NULL and the account as not `computable`.
 * The views read tables only (no view over an aggregate), which keeps Postgres's planning of a
 * one-account read short: GraphQL's queries are planned on every request.
 */

/** The tables the margin views read (passed in: the schema module imports this one). */
export type MarginSources = {
  collateralBalance: unknown;
  hubCredit: unknown;
  collateral: unknown;
  position: unknown;
  perpMarket: unknown;
};

const MAX_UINT256 = (2n ** 256n - 1n).toString();
const TWO_POW_256 = (2n ** 256n).toString();
const MAX_INT256 = (2n ** 255n - 1n).toString();
const WAD = "1000000000000000000";

/** `expr` as uint256 (numeric(78,0)), or NULL where it exceeds it; `expr` is evaluated once. */
function u256(expr: string): string {
  return `nullif(least(${expr}, ${TWO_POW_256}), ${TWO_POW_256})::numeric(78,0)`;
}

/** 10^`n` as an integer numeric (`10::numeric ^ n` would carry a fractional scale into every product). */
function pow10(n: string): string {
  return `('1' || repeat('0', ${n}))::numeric`;
}

/** `points` basis points of `x`, rounded down (`applyBps`). */
function bps(x: string, points: string): string {
  return `div((${x}) * (${points}), 10000)`;
}

/**
 * Lateral `v` over collateral row `c`: `countedValue` of each amount (capped per account, times
 * the price, scaled to 18 decimals; 0 without a positive answer) as `<name>`, and the
 * concentration discount of its counted units (`concentrationBps`, 0 when off or unregistered) as
 * `<name>_discount`. With `fence` (`OFFSET 0`) it stays a subquery, planned once, where Postgres
 * would otherwise copy each value's expression into every use of it (collateral_line uses each
 * value four times).
 */
function values(amounts: Record<string, string>, fence: boolean): string {
  const factor = `CASE WHEN c.answer <= 0 THEN 0 WHEN c.token_decimals + c.feed_decimals >= 18 THEN c.answer
      ELSE c.answer * ${pow10("18 - c.token_decimals - c.feed_decimals")} END`;
  const divisor = `CASE WHEN c.token_decimals + c.feed_decimals >= 18 THEN ${pow10("c.token_decimals + c.feed_decimals - 18")} ELSE 1 END`;
  const counted = (amount: string) =>
    `CASE WHEN c.cap_per_account <> 0 AND ${amount} > c.cap_per_account THEN c.cap_per_account ELSE ${amount} END`;
  // clamp(floor(n · scalar / scale), lower, upper) in the hub's order (lower first); 0 when off.
  const discount = (n: string) => `CASE WHEN f.k IS NULL THEN 0 WHEN div(${n} * f.k, f.s) < f.lo THEN f.lo
      WHEN div(${n} * f.k, f.s) > f.hi THEN f.hi ELSE div(${n} * f.k, f.s) END`;
  const names = Object.keys(amounts);
  const counts = Object.entries(amounts).map(([as, amount]) => `${counted(amount)} AS n_${as}`);
  const columns = names.map(
    (as) => `div(f.n_${as} * f.factor, f.divisor) AS ${as}, ${discount(`f.n_${as}`)} AS ${as}_discount`,
  );
  return `CROSS JOIN LATERAL (SELECT ${columns.join(", ")}
      FROM (SELECT ${factor} AS factor, ${divisor} AS divisor, ${counts.join(", ")},
        CASE WHEN c.concentration_scale > 0 THEN c.concentration_scalar_bps END AS k, c.concentration_scale AS s,
        c.concentration_lower_bps AS lo, c.concentration_upper_bps AS hi) f${fence ? " OFFSET 0" : ""}) v`;
}

/**
 * Per account and (chain, token) it has a vault balance or a hub credit on: both, the
 * collateral's configuration and price, and their values (an unconfigured token counts 0).
 */
export function collateralLineSql(t: MarginSources): SQL {
  return sql`SELECT l.account, l.chain_id, l.token, (c.token IS NOT NULL) AS registered, c.symbol,
      coalesce(c.token_decimals, 0) AS token_decimals, l.balance, l.pending, l.seq, l.credited, l.credited_seq,
      greatest(l.balance - l.credited, 0)::numeric(78,0) AS uncredited, c.feed, coalesce(c.answer, 0) AS price,
      coalesce(c.feed_decimals, 0) AS feed_decimals, coalesce(c.haircut_bps, 0) AS haircut_bps,
      coalesce(c.liquidation_threshold_bps, 0) AS liquidation_threshold_bps,
      w.discount::integer AS discount_bps, w.credited_discount::integer AS credited_discount_bps,
      ${sql.raw(u256("w.value_usd"))} AS value_usd,
      ${sql.raw(u256(bps("w.value_usd", "10000 - w.haircut - w.discount")))} AS adjusted_usd,
      ${sql.raw(u256(bps("w.value_usd", "w.threshold - w.discount")))} AS liquidation_usd,
      ${sql.raw(u256("w.credited_value_usd"))} AS credited_value_usd,
      ${sql.raw(u256(bps("w.credited_value_usd", "10000 - w.haircut - w.credited_discount")))} AS credited_adjusted_usd,
      ${sql.raw(u256(bps("w.credited_value_usd", "w.threshold - w.credited_discount")))} AS credited_liquidation_usd,
      CASE WHEN greatest(w.value_usd, w.credited_value_usd) <= ${sql.raw(MAX_UINT256)}
        THEN greatest(w.value_usd - w.credited_value_usd, 0)::numeric(78,0) END AS uncredited_usd
    FROM (SELECT u.account, u.chain_id, u.token, sum(u.balance)::numeric(78,0) AS balance,
        sum(u.pending)::numeric(78,0) AS pending, sum(u.seq)::numeric(78,0) AS seq,
        sum(u.credited)::numeric(78,0) AS credited, max(u.credited_seq)::numeric(78,0) AS credited_seq
      FROM (SELECT account, chain_id, token, balance, pending, seq, 0 AS credited, NULL::numeric AS credited_seq
          FROM ${t.collateralBalance}
        UNION ALL SELECT account, chain_id, token, 0, 0, 0, balance, seq FROM ${t.hubCredit}) u
      GROUP BY u.account, u.chain_id, u.token) l
    LEFT JOIN ${t.collateral} c ON c.chain_id = l.chain_id AND c.token = l.token
    ${sql.raw(values({ vault: "l.balance", hub: "l.credited" }, true))}
    CROSS JOIN LATERAL (SELECT coalesce(v.vault, 0) AS value_usd, coalesce(v.hub, 0) AS credited_value_usd,
        coalesce(c.haircut_bps, 0) AS haircut, coalesce(c.liquidation_threshold_bps, 0) AS threshold,
        coalesce(v.vault_discount, 0) AS discount, coalesce(v.hub_discount, 0) AS credited_discount) w`;
}

/**
 * Per account and market where it has a position or debt: the requirement at the market's
 * price (`perpRequirement`; the entry price without a positive answer; the debt alone without a
 * position or for a market never seen). Unbounded: `account_margin` checks its sums against uint256.
 */
export function requirementLineSql(t: MarginSources): SQL {
  // `OFFSET 0`: the price and the requirements stay subqueries, planned once (see `values`).
  return sql`SELECT q.account, q.market, m.symbol, q.size, q.entry_price_wad, q.debt_usd,
      w.price_wad, x.initial_usd, x.maintenance_usd
    FROM ${t.position} q
    LEFT JOIN ${t.perpMarket} m ON m.address = q.market
    CROSS JOIN LATERAL (SELECT coalesce(CASE WHEN m.answer <= 0 THEN NULL
        WHEN m.feed_decimals <= 18 THEN m.answer * ${sql.raw(pow10("18 - m.feed_decimals"))}
        ELSE div(m.answer, ${sql.raw(pow10("m.feed_decimals - 18"))}) END, q.entry_price_wad) AS price_wad OFFSET 0) w
    CROSS JOIN LATERAL (SELECT ${sql.raw(requirement("initial_margin_bps"))} AS initial_usd,
        ${sql.raw(requirement("maintenance_margin_bps"))} AS maintenance_usd OFFSET 0) x
    WHERE q.size <> 0 OR q.debt_usd <> 0`;
}

/**
 * Per account with a balance or credit of a configured collateral, a position or debt:
 * `MarginHub.accountMargin` over the vault balances (as if all were credited) and over the hub's
 * credits, health, and the uncredited value. Sums straight from the rows (not from
 * `collateral_line`), one pass over each table for a list of every account; the health factors
 * and the uint256 check are computed beside the sums, so that no expression is planned twice.
 */
export function accountMarginSql(t: MarginSources, requirementLine: unknown): SQL {
  const hf = (liquidation: string, discount: string) =>
    `coalesce(div(sum(${bps(liquidation, `a.threshold - ${discount}`)}) * ${WAD}, nullif(sum(a.maintenance), 0)), ${MAX_UINT256})`;
  const figure = (column: string, as: string) => `CASE WHEN s.ok THEN s.${column} END AS ${as}`;
  return sql`SELECT s.account, ${sql.raw(
    [
      figure("collateral", "collateral_usd"),
      figure("adjusted", "adjusted_usd"),
      figure("liquidation", "liquidation_usd"),
      figure("initial", "initial_usd"),
      figure("maintenance", "maintenance_usd"),
      figure("hf", "health_factor"),
    ].join(", "),
  )},
      s.adjusted >= s.initial AS healthy, s.liquidation < s.maintenance AS liquidatable, ${sql.raw(
        [
          figure("credited_collateral", "credited_collateral_usd"),
          figure("credited_adjusted", "credited_adjusted_usd"),
          figure("credited_liquidation", "credited_liquidation_usd"),
          figure("chf", "credited_health_factor"),
        ].join(", "),
      )},
      CASE WHEN s.ok THEN s.collateral - s.credited_collateral END AS uncredited_usd,
      s.chain_count::integer AS chain_count, s.ok AS computable
    FROM (SELECT a.account, sum(a.collateral) AS collateral,
        sum(${sql.raw(bps("a.collateral", "10000 - a.haircut - a.collateral_discount"))}) AS adjusted,
        sum(${sql.raw(bps("a.collateral", "a.threshold - a.collateral_discount"))}) AS liquidation, sum(a.credited) AS credited_collateral,
        sum(${sql.raw(bps("a.credited", "10000 - a.haircut - a.credited_discount"))}) AS credited_adjusted,
        sum(${sql.raw(bps("a.credited", "a.threshold - a.credited_discount"))}) AS credited_liquidation,
        sum(a.initial) AS initial, sum(a.maintenance) AS maintenance,
        ${sql.raw(hf("a.collateral", "a.collateral_discount"))} AS hf, ${sql.raw(hf("a.credited", "a.credited_discount"))} AS chf,
        count(DISTINCT a.active_chain) AS chain_count,
        bool_and(a.fits) AND greatest(sum(a.collateral), sum(a.credited), sum(a.initial), sum(a.maintenance),
          ${sql.raw(hf("a.collateral", "a.collateral_discount"))}, ${sql.raw(hf("a.credited", "a.credited_discount"))}) <= ${sql.raw(MAX_UINT256)} AS ok
      FROM (SELECT u.account, v.collateral, v.credited, v.collateral_discount, v.credited_discount, c.haircut_bps AS haircut,
            c.liquidation_threshold_bps AS threshold, 0 AS initial, 0 AS maintenance, u.active_chain, true AS fits
          FROM (SELECT account, chain_id, token, balance, 0 AS credited,
                CASE WHEN balance + pending > 0 THEN chain_id END AS active_chain FROM ${t.collateralBalance}
              UNION ALL SELECT account, chain_id, token, 0, balance, NULL FROM ${t.hubCredit}) u
          JOIN ${t.collateral} c ON c.chain_id = u.chain_id AND c.token = u.token
          ${sql.raw(values({ collateral: "u.balance", credited: "u.credited" }, false))}
        UNION ALL SELECT r.account, 0, 0, 0, 0, 0, 0, r.initial_usd, r.maintenance_usd, NULL, r.initial_usd IS NOT NULL
          FROM ${requirementLine} r) a
      GROUP BY a.account) s`;
}

/**
 * The requirement of position row `q` in market `m` at price `w.price_wad`: notional · margin bps
 * plus the unrealized loss plus the debt; the debt alone without a position or a known market;
 * NULL where the hub's signed pnl math reverts (a price or size · Δprice beyond int256).
 */
function requirement(marginBps: string): string {
  return `CASE WHEN q.size = 0 OR m.address IS NULL THEN q.debt_usd
      WHEN greatest(w.price_wad, q.entry_price_wad, abs(q.size * (w.price_wad - q.entry_price_wad))) > ${MAX_INT256} THEN NULL
      ELSE ${bps(`div(abs(q.size) * w.price_wad, ${WAD})`, `m.${marginBps}`)}
        + greatest(-div(q.size * (w.price_wad - q.entry_price_wad), ${WAD}), 0) + q.debt_usd END`;
}
