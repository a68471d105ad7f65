import {
  add,
  big,
  int256,
  MAX_UINT256,
  mul,
  mulDiv,
  mulSigned,
  pow10,
  subSigned,
  toInt256,
  uint8,
  uint256,
} from "./uint256.js";

/**
 * The bigint twin of `contracts/src/libraries/MarginMath.sol`: same formulas, same flooring
 * (signed division truncates towards zero), and a `MarginMathOverflowError` wherever the
 * Solidity reverts. Inputs outside their Solidity types throw `MarginMathInputError`.
 */

/** Basis-point denominator. */
export const BPS = 10_000n;
/** 1.0 with 18 decimals. */
export const WAD = 10n ** 18n;

/**
 * USD value (18 decimals) of `amount` token units at `price`:
 * `d = tokenDecimals + feedDecimals`, `d ≥ 18 ? mulDiv(amount, price, 10^(d−18)) : amount·price·10^(18−d)`.
 *
 * @param amount token units (uint256)
 * @param tokenDecimals the token's decimals (uint8)
 * @param price the feed's answer, non-negative (uint256)
 * @param feedDecimals the feed's decimals (uint8)
 * @returns USD with 18 decimals
 * @throws {MarginMathOverflowError} where the Solidity reverts
 * @example
 * value(1_500_000n, 6, 100_000_000n, 8); // 1.5 USDC at $1.00 → 1.5e18
 */
export function value(amount: bigint, tokenDecimals: number, price: bigint, feedDecimals: number): bigint {
  const d = uint8("tokenDecimals", tokenDecimals) + uint8("feedDecimals", feedDecimals);
  uint256("amount", amount);
  uint256("price", price);
  if (d >= 18n) return mulDiv(amount, price, pow10(d - 18n));
  return mul(mul(amount, price), pow10(18n - d));
}

/**
 * `floor(x · bps / 10000)` without intermediate overflow (`Math.mulDiv`).
 *
 * @param x the amount (uint256)
 * @param bps basis points (uint256)
 * @returns the floored share
 */
export function applyBps(x: bigint, bps: bigint | number): bigint {
  return mulDiv(uint256("x", x), uint256("bps", big("bps", bps)), BPS);
}

/**
 * Concentration discount in bps (`MarginMath.concentrationBps`, Synthetix v3 SIP-383 style):
 * `clamp(floor(amount · scalarBps / scale), lowerBps, upperBps)`, 0 when `scale` is 0 (off).
 *
 * @param amount counted token units of one account (uint256)
 * @param scale token units at which the linear part reaches `scalarBps` (uint256)
 * @param scalarBps discount at `amount = scale` before the clamp (uint256)
 * @param lowerBps floor (uint256)
 * @param upperBps cap (uint256)
 * @returns the discount in bps
 * @example
 * concentrationBps(50n * 10n ** 18n, 100n * 10n ** 18n, 1_000, 100, 2_000); // 500n
 */
export function concentrationBps(
  amount: bigint,
  scale: bigint,
  scalarBps: bigint | number,
  lowerBps: bigint | number,
  upperBps: bigint | number,
): bigint {
  const lower = uint256("lowerBps", big("lowerBps", lowerBps));
  const upper = uint256("upperBps", big("upperBps", upperBps));
  const scalar = uint256("scalarBps", big("scalarBps", scalarBps));
  uint256("amount", amount);
  if (uint256("scale", scale) === 0n) return 0n;
  const d = mulDiv(amount, scalar, scale);
  // Tested in the Solidity's order: lower first (equal to a clamp as lower ≤ upper).
  if (d < lower) return lower;
  if (d > upper) return upper;
  return d;
}

/**
 * Health factor with 18 decimals: `mulDiv(liquidationUsd, 1e18, maintenanceUsd)`, or
 * `2^256 − 1` when there is no maintenance requirement.
 *
 * @param liquidationUsd liquidation-threshold-weighted collateral
 * @param maintenanceUsd maintenance requirement
 * @returns the health factor
 * @throws {MarginMathOverflowError} where the Solidity reverts
 */
export function healthFactor(liquidationUsd: bigint, maintenanceUsd: bigint): bigint {
  if (uint256("maintenanceUsd", maintenanceUsd) === 0n) return MAX_UINT256;
  return mulDiv(uint256("liquidationUsd", liquidationUsd), WAD, maintenanceUsd);
}

/**
 * A feed answer scaled to 18 decimals: `fd ≤ 18 ? price·10^(18−fd) : price / 10^(fd−18)`.
 *
 * @param price the feed's answer (uint256)
 * @param feedDecimals the feed's decimals (uint8)
 * @returns the price with 18 decimals
 * @throws {MarginMathOverflowError} where the Solidity reverts
 */
export function priceToWad(price: bigint, feedDecimals: number): bigint {
  const fd = uint8("feedDecimals", feedDecimals);
  uint256("price", price);
  if (fd <= 18n) return mul(price, pow10(18n - fd));
  return price / pow10(fd - 18n);
}

/**
 * USD notional of a position: `mulDiv(|size|, priceWad, 1e18)`.
 *
 * @param size base units with 18 decimals, signed (int256; long > 0, short < 0)
 * @param priceWad the price with 18 decimals (uint256)
 * @returns the notional in USD with 18 decimals
 * @throws {MarginMathOverflowError} where the Solidity reverts
 */
export function notional(size: bigint, priceWad: bigint): bigint {
  const s = int256("size", size);
  return mulDiv(s < 0n ? -s : s, uint256("priceWad", priceWad), WAD);
}

/**
 * Unrealized profit (> 0) or loss (< 0) in USD: `size·(priceWad − entryWad)/1e18`, truncated
 * towards zero.
 *
 * @param size base units with 18 decimals, signed (int256)
 * @param entryWad entry price with 18 decimals (uint256)
 * @param priceWad current price with 18 decimals (uint256)
 * @returns the PnL in USD with 18 decimals
 * @throws {MarginMathOverflowError} when a price exceeds int256 or the product overflows
 */
export function pnl(size: bigint, entryWad: bigint, priceWad: bigint): bigint {
  int256("size", size);
  const delta = subSigned(toInt256(uint256("priceWad", priceWad)), toInt256(uint256("entryWad", entryWad)));
  return mulSigned(size, delta) / WAD;
}

/**
 * `max(0, −pnl)` as an unsigned amount.
 *
 * @param pnlUsd a PnL (int256)
 * @returns the loss, or 0
 */
export function lossOf(pnlUsd: bigint): bigint {
  return int256("pnlUsd", pnlUsd) < 0n ? -pnlUsd : 0n;
}

/** Parameters of {@link perpRequirement}: one perp position and the account's debt. */
export type PerpRequirementParameters = {
  /** Position size, base units with 18 decimals, signed (int256). */
  size: bigint;
  /** Entry price with 18 decimals. */
  entryWad: bigint;
  /** Current price with 18 decimals. */
  priceWad: bigint;
  /** Initial margin in basis points. */
  initialMarginBps: bigint | number;
  /** Maintenance margin in basis points. */
  maintenanceMarginBps: bigint | number;
  /** The account's debt in USD with 18 decimals (default 0). */
  debt?: bigint;
};

/** Return type of {@link perpRequirement}. */
export type PerpRequirementReturnType = { initialUsd: bigint; maintenanceUsd: bigint };

/**
 * Initial and maintenance requirement of one perp position plus debt (`MarginMath.requirement`):
 * `initial = notional·imBps/10000 + max(0, −pnl) + debt`, `maintenance = notional·mmBps/10000 + max(0, −pnl) + debt`.
 *
 * @param parameters the position
 * @returns both requirements in USD with 18 decimals
 * @throws {MarginMathOverflowError} where the Solidity reverts
 */
export function perpRequirement(parameters: PerpRequirementParameters): PerpRequirementReturnType {
  const { size, entryWad, priceWad } = parameters;
  const n = notional(size, priceWad);
  const p = pnl(size, entryWad, priceWad);
  const extra = add(lossOf(p), uint256("debt", parameters.debt ?? 0n));
  return {
    initialUsd: add(applyBps(n, parameters.initialMarginBps), extra),
    maintenanceUsd: add(applyBps(n, parameters.maintenanceMarginBps), extra),
  };
}
