import { sql } from "ponder";

type SQL = ReturnType<typeof sql>;

/*
 * The margin of every account, priced at read time: the SQL of the margin views in
 * ponder.schema.ts. It is the indexer's one definition of margin: REST, GraphQL and SQL over HTTP
 * all read these views, so they agree by construction; a price tick writes one `price` row and
 * nothing per holder.
 *
 * The arithmetic is the hub's (`shared/margin`, `MarginHub.accountMargin`), in exact numeric:
 * `div` is Solidity's truncating integer division and every product is exact. A figure beyond
 * uint256 (where the hub's math reverts) reads as NULL and the account as not `computable`.
 * Prices are joined per collateral and per market from small grouped views, which Postgres
 * evaluates once per collateral rather than once per holder.
 */

/** The tables and views the margin views read (passed in: the schema module imports this one). */
export type MarginSources = {
  collateralBalance: unknown;
  hubCredit: unknown;
  collateral: unknown;
  price: unknown;
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

/** `countedValue`: the amount capped per account, times the price, scaled to 18 decimals. */
function value(amount: string): string {
  return `div(CASE WHEN f.cap_per_account <> 0 AND ${amount} > f.cap_per_account THEN f.cap_per_account ELSE ${amount} END * f.price_factor, f.price_divisor)`;
}

/** `liquidation · 10^18 / maintenance`, 2^256 − 1 without a maintenance requirement (`healthFactor`); unbounded. */
function healthFactor(liquidation: string): string {
  return `coalesce(div(${liquidation} * ${WAD}, nullif(s.maintenance, 0)), ${MAX_UINT256})`;
}

/**
 * Per configured collateral: its configuration, newest answer, and the factors that turn an
 * amount into USD with 18 decimals (`value`): `amount · price_factor / price_divisor`, with
 * `price_factor` 0 when the answer is missing or not positive.
 */
export function collateralPriceSql(t: MarginSources): SQL {
  const decimals = "(c.token_decimals + c.feed_decimals)";
  return sql`SELECT c.chain_id, c.token, c.symbol, c.feed, c.token_decimals, c.feed_decimals, c.haircut_bps,
      c.liquidation_threshold_bps, c.cap_per_account, coalesce(max(p.answer), 0)::numeric(78,0) AS answer,
      CASE WHEN coalesce(max(p.answer), 0) <= 0 THEN 0
        WHEN ${sql.raw(decimals)} >= 18 THEN max(p.answer)
        ELSE max(p.answer) * ${sql.raw(pow10(`18 - ${decimals}`))} END::numeric AS price_factor,
      CASE WHEN ${sql.raw(decimals)} >= 18 THEN ${sql.raw(pow10(`${decimals} - 18`))} ELSE 1 END::numeric AS price_divisor
    FROM ${t.collateral} c LEFT JOIN ${t.price} p ON p.feed = c.feed
    GROUP BY c.chain_id, c.token`;
}

/** Per perp market: its parameters and the price requirements use (the feed's newest positive answer in WAD). */
export function marketPriceSql(t: MarginSources): SQL {
  return sql`SELECT m.address, m.symbol, m.initial_margin_bps, m.maintenance_margin_bps,
      CASE WHEN coalesce(max(p.answer), 0) <= 0 THEN NULL
        WHEN m.feed_decimals <= 18 THEN max(p.answer) * ${sql.raw(pow10("18 - m.feed_decimals"))}
        ELSE div(max(p.answer), ${sql.raw(pow10("m.feed_decimals - 18"))}) END AS price_wad
    FROM ${t.perpMarket} m LEFT JOIN ${t.price} p ON p.feed = m.feed
    GROUP BY m.address`;
}

/**
 * Per account and (chain, token) it has a vault balance or a hub credit on: both, the
 * collateral's configuration and price, and their values (an unconfigured token counts 0).
 */
export function collateralLineSql(t: MarginSources, collateralPrice: unknown): SQL {
  return sql`SELECT l.account, l.chain_id, l.token, (f.token IS NOT NULL) AS registered, f.symbol,
      coalesce(f.token_decimals, 0) AS token_decimals, l.balance, l.pending, l.seq, l.credited, l.credited_seq,
      greatest(l.balance - l.credited, 0)::numeric(78,0) AS uncredited, f.feed, coalesce(f.answer, 0) AS price,
      coalesce(f.feed_decimals, 0) AS feed_decimals, coalesce(f.haircut_bps, 0) AS haircut_bps,
      coalesce(f.liquidation_threshold_bps, 0) AS liquidation_threshold_bps,
      ${sql.raw(u256("v.value_usd"))} AS value_usd,
      ${sql.raw(u256(bps("v.value_usd", "10000 - v.haircut")))} AS adjusted_usd,
      ${sql.raw(u256(bps("v.value_usd", "v.threshold")))} AS liquidation_usd,
      ${sql.raw(u256("v.credited_value_usd"))} AS credited_value_usd,
      ${sql.raw(u256(bps("v.credited_value_usd", "10000 - v.haircut")))} AS credited_adjusted_usd,
      ${sql.raw(u256(bps("v.credited_value_usd", "v.threshold")))} AS credited_liquidation_usd,
      CASE WHEN greatest(v.value_usd, v.credited_value_usd) <= ${sql.raw(MAX_UINT256)}
        THEN greatest(v.value_usd - v.credited_value_usd, 0)::numeric(78,0) END AS uncredited_usd
    FROM (SELECT u.account, u.chain_id, u.token, sum(u.balance)::numeric(78,0) AS balance,
        sum(u.pending)::numeric(78,0) AS pending, sum(u.seq)::numeric(78,0) AS seq,
        sum(u.credited)::numeric(78,0) AS credited, max(u.credited_seq)::numeric(78,0) AS credited_seq
      FROM (SELECT account, chain_id, token, balance, pending, seq, 0 AS credited, NULL::numeric AS credited_seq
          FROM ${t.collateralBalance}
        UNION ALL SELECT account, chain_id, token, 0, 0, 0, balance, seq FROM ${t.hubCredit}) u
      GROUP BY u.account, u.chain_id, u.token) l
    LEFT JOIN ${collateralPrice} f ON f.chain_id = l.chain_id AND f.token = l.token
    CROSS JOIN LATERAL (SELECT coalesce(${sql.raw(value("l.balance"))}, 0) AS value_usd,
        coalesce(${sql.raw(value("l.credited"))}, 0) AS credited_value_usd,
        coalesce(f.haircut_bps, 0) AS haircut, coalesce(f.liquidation_threshold_bps, 0) AS threshold) v`;
}

/**
 * Per account and market where it has a position or debt: the requirement at the market's
 * price (`perpRequirement`; the entry price without a positive answer; the debt alone without a
 * position or for a market never seen). Unbounded: `account_margin` checks its sums against uint256.
 */
export function requirementLineSql(t: MarginSources, marketPrice: unknown): SQL {
  return sql`SELECT q.account, q.market, m.symbol, q.size, q.entry_price_wad, q.debt_usd,
      w.price_wad, ${sql.raw(requirement("initial_margin_bps"))} AS initial_usd,
      ${sql.raw(requirement("maintenance_margin_bps"))} AS maintenance_usd
    FROM ${t.position} q
    LEFT JOIN ${marketPrice} m ON m.address = q.market
    CROSS JOIN LATERAL (SELECT coalesce(m.price_wad, q.entry_price_wad) AS price_wad) w
    WHERE q.size <> 0 OR q.debt_usd <> 0`;
}

/**
 * Per account with any balance, credit, position or debt: `MarginHub.accountMargin` over the
 * vault balances (as if all were credited) and over the hub's credits, health, and the uncredited
 * value. Sums straight from the rows (not from `collateral_line`), which keeps a list of every
 * account to one pass over each table.
 */
export function accountMarginSql(t: MarginSources, collateralPrice: unknown, requirementLine: unknown): SQL {
  const sides = () =>
    `v.v AS collateral, ${bps("v.v", "10000 - f.haircut_bps")} AS adjusted, ${bps("v.v", "f.liquidation_threshold_bps")} AS liquidation`;
  return sql`SELECT s.account,
      CASE WHEN c.ok THEN s.collateral::numeric(78,0) END AS collateral_usd,
      CASE WHEN c.ok THEN s.adjusted::numeric(78,0) END AS adjusted_usd,
      CASE WHEN c.ok THEN s.liquidation::numeric(78,0) END AS liquidation_usd,
      CASE WHEN c.ok THEN s.initial::numeric(78,0) END AS initial_usd,
      CASE WHEN c.ok THEN s.maintenance::numeric(78,0) END AS maintenance_usd,
      CASE WHEN c.ok THEN h.hf::numeric(78,0) END AS health_factor,
      s.adjusted >= s.initial AS healthy, s.liquidation < s.maintenance AS liquidatable,
      CASE WHEN c.ok THEN s.credited_collateral::numeric(78,0) END AS credited_collateral_usd,
      CASE WHEN c.ok THEN s.credited_adjusted::numeric(78,0) END AS credited_adjusted_usd,
      CASE WHEN c.ok THEN s.credited_liquidation::numeric(78,0) END AS credited_liquidation_usd,
      CASE WHEN c.ok THEN h.chf::numeric(78,0) END AS credited_health_factor,
      CASE WHEN c.ok THEN s.collateral - s.credited_collateral::numeric(78,0) END AS uncredited_usd,
      s.chain_count::integer AS chain_count, c.ok AS computable
    FROM (SELECT a.account, sum(a.collateral) AS collateral, sum(a.adjusted) AS adjusted, sum(a.liquidation) AS liquidation,
        sum(a.credited_collateral) AS credited_collateral, sum(a.credited_adjusted) AS credited_adjusted,
        sum(a.credited_liquidation) AS credited_liquidation, sum(a.initial) AS initial, sum(a.maintenance) AS maintenance,
        count(DISTINCT a.active_chain) AS chain_count, bool_and(a.fits) AS fits
      FROM (SELECT b.account, ${sql.raw(sides())}, 0 AS credited_collateral, 0 AS credited_adjusted,
            0 AS credited_liquidation, 0 AS initial, 0 AS maintenance,
            CASE WHEN b.balance + b.pending > 0 THEN b.chain_id END AS active_chain, true AS fits
          FROM ${t.collateralBalance} b JOIN ${collateralPrice} f ON f.chain_id = b.chain_id AND f.token = b.token
          CROSS JOIN LATERAL (SELECT ${sql.raw(value("b.balance"))} AS v) v
        UNION ALL SELECT h.account, 0, 0, 0, ${sql.raw(sides())}, 0, 0, NULL, true
          FROM ${t.hubCredit} h JOIN ${collateralPrice} f ON f.chain_id = h.chain_id AND f.token = h.token
          CROSS JOIN LATERAL (SELECT ${sql.raw(value("h.balance"))} AS v) v
        UNION ALL SELECT r.account, 0, 0, 0, 0, 0, 0, r.initial_usd, r.maintenance_usd, NULL, r.initial_usd IS NOT NULL
          FROM ${requirementLine} r) a
      GROUP BY a.account) s
    CROSS JOIN LATERAL (SELECT ${sql.raw(healthFactor("s.liquidation"))} AS hf, ${sql.raw(healthFactor("s.credited_liquidation"))} AS chf) h
    CROSS JOIN LATERAL (SELECT s.fits AND greatest(s.collateral, s.credited_collateral, s.initial, s.maintenance, h.hf, h.chf)
        <= ${sql.raw(MAX_UINT256)} AS ok) c`;
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
