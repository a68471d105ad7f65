import { formatUnits } from "viem";
import { MAX_UINT256 } from "../../shared/margin/uint256.js";

/**
 * A token amount for people: thousands separators, at most 4 decimals.
 *
 * @param amount token units
 * @param decimals the token's decimals
 * @param symbol appended after a space
 * @returns e.g. `4,000 USDC`, `1.9525 wstETH`
 */
export function formatToken(amount: bigint, decimals: number, symbol: string): string {
  return `${formatDecimal(formatUnits(amount, decimals), 4)} ${symbol}`;
}

/**
 * A USD figure with 18 decimals (the hub's unit) for people.
 *
 * @param wad USD with 18 decimals
 * @returns e.g. `$11,960.00`
 */
export function formatUsd(wad: bigint): string {
  const negative = wad < 0n;
  const text = formatDecimal(formatUnits(negative ? -wad : wad, 18), 2, 2);
  return `${negative ? "-" : ""}$${text}`;
}

/**
 * A price-feed answer with 8 decimals for people.
 *
 * @param answer the feed's answer
 * @returns e.g. `$2,910.00`
 */
export function formatPrice(answer: bigint): string {
  return `$${formatDecimal(formatUnits(answer, 8), 2, 2)}`;
}

/**
 * A health factor (1e18 = at the maintenance line) for people.
 *
 * @param healthFactor the hub's health factor
 * @returns e.g. `1.24`, or `∞` without a requirement
 */
export function formatHealth(healthFactor: bigint): string {
  if (healthFactor === MAX_UINT256) return "∞ (no position)";
  return formatDecimal(formatUnits(healthFactor, 18), 3, 3);
}

/**
 * Seconds from milliseconds, one decimal.
 *
 * @param ms milliseconds
 * @returns e.g. `3.2 s`
 */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A decimal string with thousands separators and between `min` and `max` fraction digits. */
function formatDecimal(text: string, max: number, min = 0): string {
  const [whole = "0", fraction = ""] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  let digits = fraction.slice(0, max).replace(/0+$/, "");
  if (digits.length < min) digits = digits.padEnd(min, "0");
  return digits.length > 0 ? `${grouped}.${digits}` : grouped;
}
