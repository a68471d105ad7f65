import { BPS, notional, perpRequirement } from "./marginMath.js";
import { big, mulDiv, uint256 } from "./uint256.js";

/** `PerpMarket.DEFAULT_MIN_POSITION_NOTIONAL_USD`: what a market starts with (USD 100). */
export const DEFAULT_MIN_POSITION_NOTIONAL_USD = 100n * 10n ** 18n;

/** Parameters of {@link perpLiquidation}: one account's position and debt in one market. */
export type PerpLiquidationParameters = {
  /** Position size, base units with 18 decimals, signed (0 = debt only). */
  size: bigint;
  entryWad: bigint;
  /** The liquidation price with 18 decimals (unused without a position). */
  priceWad: bigint;
  debtUsd: bigint;
  maintenanceMarginBps: bigint | number;
  /** The share the hub asks to close (`Liquidated.closeBps`). */
  closeBps: bigint | number;
  /** `PerpMarket.minPositionNotionalUsd`. */
  minPositionNotionalUsd: bigint;
};

/** Return type of {@link perpLiquidation}. */
export type PerpLiquidationReturnType = {
  closedSize: bigint;
  closedDebtUsd: bigint;
  remainingSize: bigint;
  remainingDebtUsd: bigint;
  /** What the closed share owes (`onLiquidation`'s return). */
  owedUsd: bigint;
};

/**
 * `PerpMarket.onLiquidation(account, closeBps)`: closes `closeBps` of the position and of the
 * debt, both rounded up; all of both when `closeBps ≥ 10000`, when no position would remain, or
 * when the remainder (the position's notional at the price, or without a position the debt) would
 * be below `minPositionNotionalUsd`. The closed share owes `max(0, −pnl) + notional·mm/10000 + debt share`.
 *
 * @param parameters the position, debt, price, share and the market's minimum
 * @returns what closes, what remains and what is owed
 * @throws {MarginMathOverflowError} where the market would revert
 * @example
 * perpLiquidation({ size: 10n * E18, entryWad: 2_000n * E18, priceWad: 1_031n * E18, debtUsd: 0n,
 *   maintenanceMarginBps: 500, closeBps: 5_000, minPositionNotionalUsd: 100n * E18 }).owedUsd; // 5,102.75e18
 */
export function perpLiquidation(parameters: PerpLiquidationParameters): PerpLiquidationReturnType {
  const { size, entryWad, priceWad, debtUsd } = parameters;
  const closeBps = big("closeBps", parameters.closeBps);
  let closedSize = size;
  let closedDebtUsd = debtUsd;
  if (closeBps < BPS) {
    const absSize = size < 0n ? -size : size;
    const closedAbs = ceilBps(absSize, closeBps);
    const debtShare = ceilBps(uint256("debtUsd", debtUsd), closeBps);
    const remainderUsd = size === 0n ? debtUsd - debtShare : notional(absSize - closedAbs, priceWad);
    const all = remainderUsd < parameters.minPositionNotionalUsd || (size !== 0n && closedAbs === absSize);
    if (!all) {
      closedSize = size < 0n ? -closedAbs : closedAbs;
      closedDebtUsd = debtShare;
    }
  }
  const owedUsd =
    closedSize === 0n
      ? closedDebtUsd
      : perpRequirement({
          size: closedSize,
          entryWad,
          priceWad,
          initialMarginBps: 0,
          maintenanceMarginBps: parameters.maintenanceMarginBps,
          debt: closedDebtUsd,
        }).maintenanceUsd;
  return {
    closedSize,
    closedDebtUsd,
    remainingSize: size - closedSize,
    remainingDebtUsd: debtUsd - closedDebtUsd,
    owedUsd,
  };
}

/** Parameters of {@link liquidationCloseBps}: the hub's close factor and an account's margin. */
export type LiquidationCloseBpsParameters = {
  liquidationUsd: bigint;
  maintenanceUsd: bigint;
  /** `MarginHub.closeFactor()` (10000 = close all, the default). */
  closeFactorBps: bigint | number;
  fullLiquidationHealthBps: bigint | number;
};

/**
 * The share `MarginHub.liquidate` asks every consumer to close (`_closeBps`): the close factor
 * while `floor(liquidationUsd·10000/maintenanceUsd) ≥ fullLiquidationHealthBps` (the `health()`
 * view at or above the threshold), else 10000.
 *
 * @param parameters the liquidation-weighted collateral, the maintenance requirement (> 0) and the close factor
 * @returns the share in bps
 */
export function liquidationCloseBps(parameters: LiquidationCloseBpsParameters): bigint {
  const cf = big("closeFactorBps", parameters.closeFactorBps);
  if (cf === 0n) return BPS;
  const healthBps = mulDiv(parameters.liquidationUsd, BPS, parameters.maintenanceUsd);
  return healthBps < big("fullLiquidationHealthBps", parameters.fullLiquidationHealthBps) ? BPS : cf;
}

/** `Math.mulDiv(x, bps, 10000, Ceil)`. */
function ceilBps(x: bigint, bps: bigint): bigint {
  return (x * bps + BPS - 1n) / BPS;
}
