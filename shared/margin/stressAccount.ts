import type { Address } from "viem";
import {
  type AccountMarginReturnType,
  accountMargin,
  isLiquidatable,
  type MarginCredit,
  type MarginRequirement,
} from "./accountMargin.js";
import { perpRequirement, priceToWad } from "./marginMath.js";
import { liquidationCloseBps, perpLiquidation } from "./perpLiquidation.js";
import { type SeizeCollateral, type SeizePreviewReturnType, seizePreview } from "./seizePreview.js";

/** A `PerpMarket` consumer with the price to value positions at. */
export type StressMarket = {
  address: Address;
  feedDecimals: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
  /** The feed's answer; a non-positive one leaves the market's requirement unpriced. */
  price: bigint;
  /** `PerpMarket.minPositionNotionalUsd`: a partial liquidation leaving less closes all. */
  minPositionNotionalUsd: bigint;
};

/** `MarginHub.closeFactor()`. */
export type StressCloseFactor = { closeFactorBps: number; fullLiquidationHealthBps: number };

/** The hub's default close factor: every liquidation closes all. */
export const CLOSE_ALL: StressCloseFactor = { closeFactorBps: 10_000, fullLiquidationHealthBps: 0 };

/** An account's position and debt in one market (size 0 = debt only). */
export type StressPosition = {
  market: Address;
  /** Base units with 18 decimals, signed. */
  size: bigint;
  entryWad: bigint;
  debtUsd: bigint;
};

/** Parameters of {@link stressAccount}. */
export type StressAccountParameters = {
  credits: readonly MarginCredit[];
  /** Every registered collateral in registration order, at the prices to test. */
  collaterals: readonly SeizeCollateral[];
  /** Every consumer market, in the hub's consumer order, at the prices to test. */
  markets: readonly StressMarket[];
  /** The account's positions and debts (at most one per market). */
  positions: readonly StressPosition[];
  /** The hub's close factor (default {@link CLOSE_ALL}). */
  closeFactor?: StressCloseFactor;
};

/** Return type of {@link stressAccount}. */
export type StressAccountReturnType = {
  margin: AccountMarginReturnType;
  /** Every market's requirement rests on a positive price (`marginRequirement`'s `priced`). */
  priced: boolean;
  /** `MarginHub.isLiquidatable`: a maintenance requirement, priced, and `liquidationUsd < maintenanceUsd`. */
  liquidatable: boolean;
  /** `maintenanceUsd − liquidationUsd` when liquidatable, else 0. */
  shortfallUsd: bigint;
  /** The share `liquidate` would close (`Liquidated.closeBps`; only when liquidatable). */
  closeBps: bigint | undefined;
  /** What `liquidate` would order (only when liquidatable). */
  seizure: SeizePreviewReturnType | undefined;
};

/**
 * One market's `marginRequirement` for a position: the debt alone without a position; otherwise
 * `MarginMath.requirement` at the market's price, or at the entry price and unpriced when the
 * price is not positive. Liquidation owes the maintenance figure (`onLiquidation`).
 *
 * @param market the market and its price
 * @param position the account's position there, if any
 * @returns the requirement and whether it is priced
 * @throws {MarginMathOverflowError} where the market would revert
 */
export function marketRequirement(
  market: StressMarket,
  position: StressPosition | undefined,
): MarginRequirement & { priced: boolean } {
  if (position === undefined) return { initialUsd: 0n, maintenanceUsd: 0n, priced: true };
  if (position.size === 0n)
    return { initialUsd: position.debtUsd, maintenanceUsd: position.debtUsd, priced: true };
  const priced = market.price > 0n;
  const priceWad = priced ? priceToWad(market.price, market.feedDecimals) : position.entryWad;
  const requirement = perpRequirement({
    size: position.size,
    entryWad: position.entryWad,
    priceWad,
    initialMarginBps: market.initialMarginBps,
    maintenanceMarginBps: market.maintenanceMarginBps,
    debt: position.debtUsd,
  });
  return { ...requirement, priced };
}

/**
 * An account's margin at the given prices, whether `MarginHub.isLiquidatable` would say yes, by
 * how much it falls short, the share `liquidate` would close (the hub's close factor) and what it
 * would seize (the same math as the hub and the markets: see `accountMargin`, `perpLiquidation`
 * and `seizePreview`).
 *
 * @param parameters credits, collaterals and markets at the prices to test, positions
 * @returns margin, liquidatable, shortfall and the seizure preview
 * @throws {MarginMathOverflowError} where the hub would revert
 */
export function stressAccount(parameters: StressAccountParameters): StressAccountReturnType {
  const byMarket = new Map(parameters.positions.map((p) => [p.market.toLowerCase(), p]));
  const requirements = parameters.markets.map((m) =>
    marketRequirement(m, byMarket.get(m.address.toLowerCase())),
  );
  const margin = accountMargin({
    credits: parameters.credits,
    collaterals: parameters.collaterals,
    requirements,
  });
  const priced = requirements.every((r) => r.priced);
  const liquidatable = margin.maintenanceUsd !== 0n && priced && isLiquidatable(margin);
  if (!liquidatable)
    return { margin, priced, liquidatable, shortfallUsd: 0n, closeBps: undefined, seizure: undefined };
  const closeBps = liquidationCloseBps({
    liquidationUsd: margin.liquidationUsd,
    maintenanceUsd: margin.maintenanceUsd,
    ...(parameters.closeFactor ?? CLOSE_ALL),
  });
  return {
    margin,
    priced,
    liquidatable,
    shortfallUsd: margin.maintenanceUsd - margin.liquidationUsd,
    closeBps,
    seizure: seizePreview({
      credits: parameters.credits,
      collaterals: parameters.collaterals,
      owedUsd: parameters.markets.map((m) => marketOwed(m, byMarket.get(m.address.toLowerCase()), closeBps)),
    }),
  };
}

/**
 * What one market's `onLiquidation(account, closeBps)` returns: {@link perpLiquidation} at the
 * market's price (liquidation needs every requirement priced, so the price is positive here).
 *
 * @param market the market and its price
 * @param position the account's position there, if any
 * @param closeBps the share the hub asks to close
 * @returns the closed share's debt to the market
 * @throws {MarginMathOverflowError} where the market would revert
 */
export function marketOwed(
  market: StressMarket,
  position: StressPosition | undefined,
  closeBps: bigint,
): bigint {
  if (position === undefined) return 0n;
  return perpLiquidation({
    size: position.size,
    entryWad: position.entryWad,
    priceWad: position.size === 0n ? 0n : priceToWad(market.price, market.feedDecimals),
    debtUsd: position.debtUsd,
    maintenanceMarginBps: market.maintenanceMarginBps,
    closeBps,
    minPositionNotionalUsd: market.minPositionNotionalUsd,
  }).owedUsd;
}
