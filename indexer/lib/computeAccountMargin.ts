import type { Address } from "viem";
import {
  type AccountMarginReturnType,
  accountMargin,
  countedValue,
  isHealthy,
  isLiquidatable,
  type MarginCollateral,
  type MarginRequirement,
} from "../../shared/margin/accountMargin.js";
import { applyBps, BPS, perpRequirement, priceToWad } from "../../shared/margin/marginMath.js";
import { collateralKey } from "./indexerConfig.js";
import { type MarginRisk, type PricedCollateral, prepareMarginRisk } from "./prepareMarginRisk.js";

/** An account's state at one vault (a `collateral_balance` row). */
export type BalanceInput = { chainId: number; token: Address; balance: bigint; pending: bigint };
/** What the hub credited the account on one collateral (a `hub_credit` row). */
export type CreditInput = { chainId: number; token: Address; balance: bigint };
/** A collateral's hub configuration (a `collateral` row). */
export type CollateralInput = {
  chainId: number;
  token: Address;
  feed: Address;
  feedDecimals: number;
  tokenDecimals: number;
  haircutBps: number;
  liquidationThresholdBps: number;
  capPerAccount: bigint;
  /** Registration order: first configuration's block, then log index. */
  registeredBlock: bigint;
  registeredLogIndex: number;
};
/** A feed's latest answer (a `price` row). */
export type PriceInput = { feed: Address; answer: bigint };
/** A perp position with its debt (a `position` row). */
export type PositionInput = { market: Address; size: bigint; entryPriceWad: bigint; debtUsd: bigint };
/** A perp market's parameters (a `perp_market` row). */
export type MarketInput = {
  address: Address;
  feed: Address;
  feedDecimals: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
};

/** One account's own rows. */
export type AccountRowsInput = {
  balances: readonly BalanceInput[];
  credits: readonly CreditInput[];
  positions: readonly PositionInput[];
};

/**
 * Parameters of {@link computeAccountMargin}: one account's raw rows and the shared tables, either
 * as rows or prepared once with `prepareMarginRisk` (when valuing many accounts).
 */
export type ComputeAccountMarginParameters = AccountRowsInput & {
  /** Whether to build the per-collateral `lines` (default true; the handlers need the totals only). */
  lines?: boolean;
} & (
    | {
        collaterals: readonly CollateralInput[];
        prices: readonly PriceInput[];
        markets: readonly MarketInput[];
      }
    | { risk: MarginRisk }
  );

/** One (chain, token) of the account: its vault state, its hub credit and their value. */
export type CollateralLine = {
  chainId: number;
  token: Address;
  /** Whether the hub has configured this collateral (an unconfigured token counts for nothing). */
  registered: boolean;
  balance: bigint;
  pending: bigint;
  credited: bigint;
  /** `max(0, balance − credited)`: held at the vault, not yet credited by the hub. */
  uncredited: bigint;
  /** The feed's answer (0 when unknown) and decimals. */
  price: bigint;
  feedDecimals: number;
  tokenDecimals: number;
  haircutBps: number;
  liquidationThresholdBps: number;
  /** Value, adjusted value and liquidation value of the vault balance (USD, 18 decimals). */
  valueUsd: bigint;
  adjustedUsd: bigint;
  liquidationUsd: bigint;
  /** Value and adjusted value of the hub credit. */
  creditedValueUsd: bigint;
  creditedAdjustedUsd: bigint;
};

/** One perp market's requirement for the account. */
export type RequirementLine = MarginRequirement & {
  market: Address;
  size: bigint;
  entryPriceWad: bigint;
  /** The price the requirement uses (the entry price when the feed has no positive answer). */
  priceWad: bigint;
  debtUsd: bigint;
};

/** Return type of {@link computeAccountMargin}. */
export type ComputeAccountMarginReturnType = {
  /** `MarginHub.accountMargin` as if the hub had credited every vault balance. */
  margin: AccountMarginReturnType;
  /** `MarginHub.accountMargin` over what the hub has credited (equal to the hub's view). */
  credited: AccountMarginReturnType;
  /** `margin.adjustedUsd ≥ margin.initialUsd`. */
  healthy: boolean;
  /** `margin.liquidationUsd < margin.maintenanceUsd`. */
  liquidatable: boolean;
  /** `margin.collateralUsd − credited.collateralUsd`. */
  uncreditedUsd: bigint;
  /** Chains where the account has a balance or a pending withdrawal of a registered collateral. */
  chainCount: number;
  /** Per (chain, token) with a balance, pending amount or credit, by chain id then token (empty with `lines: false`). */
  lines: CollateralLine[];
  /** Per market with a position or debt. */
  requirements: RequirementLine[];
};

/**
 * An account's cross-chain margin from its raw rows, with the `shared/margin` twin of the hub's
 * math (`accountMargin`, `countedValue`, `perpRequirement`): once over the vault balances (free
 * balance, not pending: the hub never credits pending) and once over the hub credits. Prices are
 * used as they are, like the hub's views; a non-positive or unknown answer values a collateral at
 * 0 and makes a position use its entry price (as `PerpMarket.marginRequirement`).
 *
 * @param parameters the account's balances, credits and positions; the collaterals, prices and
 *   markets as rows or as a `prepareMarginRisk` result
 * @returns both margins, health, the per-collateral lines and per-market requirements
 * @throws {MarginMathOverflowError} where the hub would revert
 * @example
 * const { margin, credited } = computeAccountMargin({ balances, credits, collaterals, prices, positions, markets });
 * const again = computeAccountMargin({ balances, credits, positions, risk: prepareMarginRisk({ collaterals, prices, markets }) });
 */
export function computeAccountMargin(
  parameters: ComputeAccountMarginParameters,
): ComputeAccountMarginReturnType {
  const risk = "risk" in parameters ? parameters.risk : prepareMarginRisk(parameters);
  const requirements = requirementLines(parameters.positions, risk);
  const balances = parameters.balances.map((b) => ({
    chainId: b.chainId,
    token: b.token,
    balance: b.balance,
  }));
  // Only the collaterals the account has rows for: the others add nothing (the hub skips a
  // collateral without credit), and the sums of non-negative terms do not depend on the order.
  const held = heldCollaterals(risk, parameters);
  const margin = accountMargin({ credits: balances, collaterals: held, requirements });
  const credited = accountMargin({ credits: parameters.credits, collaterals: held, requirements });
  const chains = new Set(parameters.balances.filter((b) => b.balance + b.pending > 0n).map((b) => b.chainId));
  return {
    margin,
    credited,
    healthy: isHealthy(margin),
    liquidatable: isLiquidatable(margin),
    uncreditedUsd: margin.collateralUsd - credited.collateralUsd,
    chainCount: chains.size,
    lines: parameters.lines === false ? [] : collateralLines(parameters, risk),
    requirements,
  };
}

/** The registered collaterals among the account's balances and credits, in registration order. */
function heldCollaterals(risk: MarginRisk, rows: AccountRowsInput): PricedCollateral[] {
  const keys = new Set<string>();
  for (const b of rows.balances) keys.add(collateralKey(b.chainId, b.token));
  for (const c of rows.credits) keys.add(collateralKey(c.chainId, c.token));
  if (keys.size === 1) {
    const [only] = keys;
    const collateral = only === undefined ? undefined : risk.byKey.get(only);
    return collateral === undefined ? [] : [collateral];
  }
  return risk.collaterals.filter((c) => keys.has(c.key));
}

function requirementLines(positions: readonly PositionInput[], risk: MarginRisk): RequirementLine[] {
  const lines: RequirementLine[] = [];
  for (const p of positions) {
    if (p.size === 0n && p.debtUsd === 0n) continue;
    const market = risk.markets.get(p.market.toLowerCase());
    const answer = market === undefined ? 0n : (risk.answers.get(market.feed.toLowerCase()) ?? 0n);
    const priceWad =
      market !== undefined && answer > 0n ? priceToWad(answer, market.feedDecimals) : p.entryPriceWad;
    const base = {
      market: p.market,
      size: p.size,
      entryPriceWad: p.entryPriceWad,
      priceWad,
      debtUsd: p.debtUsd,
    };
    if (p.size === 0n || market === undefined) {
      // No position (or a market never seen): the requirement is the debt, as marginRequirement.
      lines.push({ ...base, initialUsd: p.debtUsd, maintenanceUsd: p.debtUsd });
      continue;
    }
    const requirement = perpRequirement({
      size: p.size,
      entryWad: p.entryPriceWad,
      priceWad,
      initialMarginBps: market.initialMarginBps,
      maintenanceMarginBps: market.maintenanceMarginBps,
      debt: p.debtUsd,
    });
    lines.push({ ...base, ...requirement });
  }
  return lines;
}

function collateralLines(rows: AccountRowsInput, risk: MarginRisk): CollateralLine[] {
  const lines = new Map<string, CollateralLine>();
  const line = (chainId: number, token: Address): CollateralLine => {
    const key = collateralKey(chainId, token);
    const existing = lines.get(key);
    if (existing !== undefined) return existing;
    const created = emptyLine(chainId, token, risk.byKey.get(key));
    lines.set(key, created);
    return created;
  };
  for (const b of rows.balances)
    Object.assign(line(b.chainId, b.token), { balance: b.balance, pending: b.pending });
  for (const c of rows.credits) line(c.chainId, c.token).credited = c.balance;
  const result = [...lines.entries()].filter(
    ([, l]) => l.balance !== 0n || l.pending !== 0n || l.credited !== 0n,
  );
  for (const [key, l] of result) {
    l.uncredited = l.balance > l.credited ? l.balance - l.credited : 0n;
    const collateral = risk.byKey.get(key);
    if (collateral === undefined) continue;
    l.valueUsd = countedValue(collateral, l.balance);
    l.adjustedUsd = applyBps(l.valueUsd, BPS - BigInt(l.haircutBps));
    l.liquidationUsd = applyBps(l.valueUsd, l.liquidationThresholdBps);
    l.creditedValueUsd = countedValue(collateral, l.credited);
    l.creditedAdjustedUsd = applyBps(l.creditedValueUsd, BPS - BigInt(l.haircutBps));
  }
  return result.map(([, l]) => l).sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token));
}

function emptyLine(
  chainId: number,
  token: Address,
  collateral: MarginCollateral | undefined,
): CollateralLine {
  return {
    chainId,
    token,
    registered: collateral !== undefined,
    balance: 0n,
    pending: 0n,
    credited: 0n,
    uncredited: 0n,
    price: collateral?.price ?? 0n,
    feedDecimals: collateral?.feedDecimals ?? 0,
    tokenDecimals: collateral?.config.tokenDecimals ?? 0,
    haircutBps: collateral?.config.haircutBps ?? 0,
    liquidationThresholdBps: collateral?.config.liquidationThresholdBps ?? 0,
    valueUsd: 0n,
    adjustedUsd: 0n,
    liquidationUsd: 0n,
    creditedValueUsd: 0n,
    creditedAdjustedUsd: 0n,
  };
}
