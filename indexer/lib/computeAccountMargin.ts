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

/** Parameters of {@link computeAccountMargin}: one account's raw rows and the shared tables. */
export type ComputeAccountMarginParameters = {
  balances: readonly BalanceInput[];
  credits: readonly CreditInput[];
  collaterals: readonly CollateralInput[];
  prices: readonly PriceInput[];
  positions: readonly PositionInput[];
  markets: readonly MarketInput[];
};

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
  /** Per (chain, token) with a balance, pending amount or credit, by chain id then token. */
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
 * @param parameters the account's balances, credits and positions; collaterals, prices, markets
 * @returns both margins, health, the per-collateral lines and per-market requirements
 * @throws {MarginMathOverflowError} where the hub would revert
 * @example
 * const { margin, credited } = computeAccountMargin({ balances, credits, collaterals, prices, positions, markets });
 */
export function computeAccountMargin(
  parameters: ComputeAccountMarginParameters,
): ComputeAccountMarginReturnType {
  const answers = new Map(parameters.prices.map((p) => [p.feed.toLowerCase(), p.answer]));
  const collaterals = [...parameters.collaterals].sort(
    (a, b) => Number(a.registeredBlock - b.registeredBlock) || a.registeredLogIndex - b.registeredLogIndex,
  );
  const priced: MarginCollateral[] = collaterals.map((c) => ({
    chainId: c.chainId,
    token: c.token,
    config: {
      tokenDecimals: c.tokenDecimals,
      haircutBps: c.haircutBps,
      liquidationThresholdBps: c.liquidationThresholdBps,
      capPerAccount: c.capPerAccount,
    },
    feedDecimals: c.feedDecimals,
    price: answers.get(c.feed.toLowerCase()) ?? 0n,
  }));
  const requirements = requirementLines(parameters.positions, parameters.markets, answers);
  const balances = parameters.balances.map((b) => ({
    chainId: b.chainId,
    token: b.token,
    balance: b.balance,
  }));
  const margin = accountMargin({ credits: balances, collaterals: priced, requirements });
  const credited = accountMargin({ credits: parameters.credits, collaterals: priced, requirements });
  const chains = new Set(parameters.balances.filter((b) => b.balance + b.pending > 0n).map((b) => b.chainId));
  return {
    margin,
    credited,
    healthy: isHealthy(margin),
    liquidatable: isLiquidatable(margin),
    uncreditedUsd: margin.collateralUsd - credited.collateralUsd,
    chainCount: chains.size,
    lines: collateralLines(parameters, priced),
    requirements,
  };
}

function requirementLines(
  positions: readonly PositionInput[],
  markets: readonly MarketInput[],
  answers: ReadonlyMap<string, bigint>,
): RequirementLine[] {
  const byAddress = new Map(markets.map((m) => [m.address.toLowerCase(), m]));
  const lines: RequirementLine[] = [];
  for (const p of positions) {
    if (p.size === 0n && p.debtUsd === 0n) continue;
    const market = byAddress.get(p.market.toLowerCase());
    const answer = market === undefined ? 0n : (answers.get(market.feed.toLowerCase()) ?? 0n);
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

function collateralLines(
  parameters: ComputeAccountMarginParameters,
  priced: readonly MarginCollateral[],
): CollateralLine[] {
  const lines = new Map<string, CollateralLine>();
  const line = (chainId: number, token: Address): CollateralLine => {
    const key = collateralKey(chainId, token);
    const existing = lines.get(key);
    if (existing !== undefined) return existing;
    const created = emptyLine(
      chainId,
      token,
      priced.find((c) => collateralKey(c.chainId, c.token) === key),
    );
    lines.set(key, created);
    return created;
  };
  for (const b of parameters.balances)
    Object.assign(line(b.chainId, b.token), { balance: b.balance, pending: b.pending });
  for (const c of parameters.credits) line(c.chainId, c.token).credited = c.balance;
  const result = [...lines.values()].filter((l) => l.balance !== 0n || l.pending !== 0n || l.credited !== 0n);
  for (const l of result) {
    const collateral = priced.find(
      (c) => collateralKey(c.chainId, c.token) === collateralKey(l.chainId, l.token),
    );
    l.uncredited = l.balance > l.credited ? l.balance - l.credited : 0n;
    if (collateral === undefined) continue;
    l.valueUsd = countedValue(collateral, l.balance);
    l.adjustedUsd = applyBps(l.valueUsd, BPS - BigInt(l.haircutBps));
    l.liquidationUsd = applyBps(l.valueUsd, l.liquidationThresholdBps);
    l.creditedValueUsd = countedValue(collateral, l.credited);
    l.creditedAdjustedUsd = applyBps(l.creditedValueUsd, BPS - BigInt(l.haircutBps));
  }
  return result.sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token));
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
