import { sql } from "ponder";

type SQL = ReturnType<typeof sql>;

/*
 * The margin of every account, priced at read time: the SQL of the `collateral_line`,
 * `requirement_line` and `account_margin` views (ponder.schema.ts). It is the indexer's one
 * definition of margin: REST, GraphQL and SQL over HTTP all read these views, so they agree by
 * construction; a price tick writes one `price` row and nothing per holder.
 *
 * The arithmetic is the hub's (`shared/margin`, `MarginHub.accountMargin`), in exact numeric:
 * `div` is Solidity's truncating integer division, every product is exact. A figure beyond
 * uint256 (where the hub's math reverts) reads as NULL and the account as not `computable`.
 */

/** The tables the views read (passed in: the schema module cannot be imported from here). */
export type MarginTables = {
  collateralBalance: unknown;
  hubCredit: unknown;
  collateral: unknown;
  price: unknown;
  position: unknown;
  perpMarket: unknown;
};

/** The views `account_margin` sums (the SQL-over-HTTP client refuses view texts over 5,000 characters, so it does not inline them). */
export type MarginViews = { collateralLine: unknown; requirementLine: unknown };

const MAX_UINT256 = (2n ** 256n - 1n).toString();
const WAD = "1000000000000000000";

/** `expr` as uint256 (numeric(78,0)), or NULL where it does not fit. */
function u256(expr: string): string {
  return `CASE WHEN (${expr}) BETWEEN 0 AND ${MAX_UINT256} THEN (${expr})::numeric(78,0) END`;
}

/** `bps` basis points of `x`, rounded down (`applyBps`). */
function bps(x: string, points: string): string {
  return `div((${x}) * (${points}), 10000)`;
}

/**
 * Per account and (chain, token) it has a vault balance or a hub credit on: both, the
 * collateral's configuration and price, and their values (`countedValue`: capped per account,
 * a non-positive or missing answer counts 0, an unconfigured token counts 0).
 */
export function collateralLineSql(t: MarginTables): SQL {
  const value = (amount: string) =>
    `CASE WHEN c.token IS NULL OR coalesce(p.answer, 0) <= 0 THEN 0
      ELSE div(least_cap.${amount} * p.answer * s.mult, s.divisor) END`;
  return sql`SELECT l.account, l.chain_id, l.token, (c.token IS NOT NULL) AS registered, c.symbol,
      coalesce(c.token_decimals, 0) AS token_decimals,
      l.balance::numeric(78,0) AS balance, l.pending::numeric(78,0) AS pending, l.seq::numeric(78,0) AS seq,
      l.credited::numeric(78,0) AS credited, l.credited_seq::numeric(78,0) AS credited_seq,
      greatest(l.balance - l.credited, 0)::numeric(78,0) AS uncredited,
      c.feed, coalesce(p.answer, 0)::numeric(78,0) AS price, coalesce(c.feed_decimals, 0) AS feed_decimals,
      coalesce(c.haircut_bps, 0) AS haircut_bps, coalesce(c.liquidation_threshold_bps, 0) AS liquidation_threshold_bps,
      ${sql.raw(u256("v.value_usd"))} AS value_usd,
      ${sql.raw(u256(bps("v.value_usd", "10000 - coalesce(c.haircut_bps, 0)")))} AS adjusted_usd,
      ${sql.raw(u256(bps("v.value_usd", "coalesce(c.liquidation_threshold_bps, 0)")))} AS liquidation_usd,
      ${sql.raw(u256("v.credited_value_usd"))} AS credited_value_usd,
      ${sql.raw(u256(bps("v.credited_value_usd", "10000 - coalesce(c.haircut_bps, 0)")))} AS credited_adjusted_usd,
      ${sql.raw(u256(bps("v.credited_value_usd", "coalesce(c.liquidation_threshold_bps, 0)")))} AS credited_liquidation_usd,
      ${sql.raw(u256("v.value_usd - v.credited_value_usd"))} AS uncredited_usd,
      v.value_usd AS raw_value_usd, v.credited_value_usd AS raw_credited_value_usd
    FROM (SELECT u.account, u.chain_id, u.token, sum(u.balance) AS balance, sum(u.pending) AS pending,
        sum(u.seq) AS seq, sum(u.credited) AS credited, max(u.credited_seq) AS credited_seq
      FROM (SELECT account, chain_id, token, balance, pending, seq, 0 AS credited, NULL::numeric AS credited_seq
          FROM ${t.collateralBalance}
        UNION ALL SELECT account, chain_id, token, 0, 0, 0, balance, seq FROM ${t.hubCredit}) u
      GROUP BY u.account, u.chain_id, u.token) l
    LEFT JOIN ${t.collateral} c ON c.chain_id = l.chain_id AND c.token = l.token
    LEFT JOIN ${t.price} p ON p.feed = c.feed
    CROSS JOIN LATERAL (SELECT
        CASE WHEN c.token_decimals + c.feed_decimals >= 18 THEN 1::numeric
          ELSE 10::numeric ^ (18 - c.token_decimals - c.feed_decimals) END AS mult,
        CASE WHEN c.token_decimals + c.feed_decimals >= 18
          THEN 10::numeric ^ (c.token_decimals + c.feed_decimals - 18) ELSE 1::numeric END AS divisor) s
    CROSS JOIN LATERAL (SELECT
        CASE WHEN c.cap_per_account <> 0 AND l.balance > c.cap_per_account THEN c.cap_per_account ELSE l.balance END AS balance,
        CASE WHEN c.cap_per_account <> 0 AND l.credited > c.cap_per_account THEN c.cap_per_account ELSE l.credited END AS credited) least_cap
    CROSS JOIN LATERAL (SELECT ${sql.raw(value("balance"))} AS value_usd, ${sql.raw(value("credited"))} AS credited_value_usd) v`;
}

/**
 * Per account and market where it has a position or debt: the requirement at the market feed's
 * newest answer (`perpRequirement`; the entry price when the feed has no positive answer, the
 * debt alone without a position or for a market never seen).
 */
export function requirementLineSql(t: MarginTables): SQL {
  const requirement = (marginBps: string) =>
    `CASE WHEN q.size = 0 OR m.address IS NULL THEN q.debt_usd
      ELSE ${bps("r.notional", `m.${marginBps}`)} + r.loss + q.debt_usd END`;
  return sql`SELECT q.account, q.market, m.symbol, q.size, q.entry_price_wad, q.debt_usd,
      ${sql.raw(u256("w.price_wad"))} AS price_wad,
      ${sql.raw(u256(requirement("initial_margin_bps")))} AS initial_usd,
      ${sql.raw(u256(requirement("maintenance_margin_bps")))} AS maintenance_usd,
      ${sql.raw(requirement("initial_margin_bps"))} AS raw_initial_usd,
      ${sql.raw(requirement("maintenance_margin_bps"))} AS raw_maintenance_usd
    FROM ${t.position} q
    LEFT JOIN ${t.perpMarket} m ON m.address = q.market
    LEFT JOIN ${t.price} p ON p.feed = m.feed
    CROSS JOIN LATERAL (SELECT CASE WHEN m.address IS NOT NULL AND p.answer > 0 THEN
        CASE WHEN m.feed_decimals <= 18 THEN p.answer * 10::numeric ^ (18 - m.feed_decimals)
          ELSE div(p.answer, 10::numeric ^ (m.feed_decimals - 18)) END
        ELSE q.entry_price_wad END AS price_wad) w
    CROSS JOIN LATERAL (SELECT div(abs(q.size) * w.price_wad, ${sql.raw(WAD)}) AS notional,
        greatest(-div(q.size * (w.price_wad - q.entry_price_wad), ${sql.raw(WAD)}), 0) AS loss) r
    WHERE q.size <> 0 OR q.debt_usd <> 0`;
}

/**
 * Per account with any balance, credit, position or debt: `MarginHub.accountMargin` over the
 * vault balances (as if all were credited) and over the hub's credits, health, and the uncredited
 * value. Health factors are 2^256 − 1 without a maintenance requirement, as on the hub.
 */
export function accountMarginSql(v: MarginViews): SQL {
  const health = (liquidation: string) =>
    `CASE WHEN s.maintenance = 0 THEN ${MAX_UINT256} ELSE div(s.${liquidation} * ${WAD}, s.maintenance) END`;
  return sql`SELECT s.account,
      ${sql.raw(u256("s.collateral"))} AS collateral_usd,
      ${sql.raw(u256("s.adjusted"))} AS adjusted_usd,
      ${sql.raw(u256("s.liquidation"))} AS liquidation_usd,
      ${sql.raw(u256("s.initial"))} AS initial_usd,
      ${sql.raw(u256("s.maintenance"))} AS maintenance_usd,
      ${sql.raw(u256(health("liquidation")))} AS health_factor,
      s.adjusted >= s.initial AS healthy,
      s.liquidation < s.maintenance AS liquidatable,
      ${sql.raw(u256("s.credited_collateral"))} AS credited_collateral_usd,
      ${sql.raw(u256("s.credited_adjusted"))} AS credited_adjusted_usd,
      ${sql.raw(u256("s.credited_liquidation"))} AS credited_liquidation_usd,
      ${sql.raw(u256(health("credited_liquidation")))} AS credited_health_factor,
      (s.collateral - s.credited_collateral)::numeric(78,0) AS uncredited_usd,
      s.chain_count::integer AS chain_count,
      (greatest(s.collateral, s.credited_collateral, s.initial, s.maintenance) <= ${sql.raw(MAX_UINT256)}
        AND s.lines_fit) AS computable
    FROM (SELECT a.account, sum(a.collateral) AS collateral, sum(a.adjusted) AS adjusted,
        sum(a.liquidation) AS liquidation, sum(a.credited_collateral) AS credited_collateral,
        sum(a.credited_adjusted) AS credited_adjusted, sum(a.credited_liquidation) AS credited_liquidation,
        sum(a.initial) AS initial, sum(a.maintenance) AS maintenance,
        count(DISTINCT a.active_chain) AS chain_count, bool_and(a.fits) AS lines_fit
      FROM (SELECT cl.account, cl.raw_value_usd AS collateral,
            ${sql.raw(bps("cl.raw_value_usd", "10000 - cl.haircut_bps"))} AS adjusted,
            ${sql.raw(bps("cl.raw_value_usd", "cl.liquidation_threshold_bps"))} AS liquidation,
            cl.raw_credited_value_usd AS credited_collateral,
            ${sql.raw(bps("cl.raw_credited_value_usd", "10000 - cl.haircut_bps"))} AS credited_adjusted,
            ${sql.raw(bps("cl.raw_credited_value_usd", "cl.liquidation_threshold_bps"))} AS credited_liquidation,
            0 AS initial, 0 AS maintenance,
            CASE WHEN cl.registered AND cl.balance + cl.pending > 0 THEN cl.chain_id END AS active_chain,
            cl.value_usd IS NOT NULL AND cl.credited_value_usd IS NOT NULL AS fits
          FROM ${v.collateralLine} cl
        UNION ALL SELECT rl.account, 0, 0, 0, 0, 0, 0, rl.raw_initial_usd, rl.raw_maintenance_usd, NULL,
            rl.initial_usd IS NOT NULL AND rl.maintenance_usd IS NOT NULL
          FROM ${v.requirementLine} rl) a
      GROUP BY a.account) s`;
}
