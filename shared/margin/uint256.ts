import { MarginMathInputError, MarginMathOverflowError } from "./errors.js";

/** `type(uint256).max`. */
export const MAX_UINT256 = 2n ** 256n - 1n;
/** `type(int256).max`. */
export const MAX_INT256 = 2n ** 255n - 1n;
/** `type(int256).min`. */
export const MIN_INT256 = -(2n ** 255n);

/**
 * Checks a uint256 input.
 *
 * @param field name used in the error
 * @param value the value
 * @returns the value
 * @throws {MarginMathInputError} when outside `[0, 2^256 − 1]`
 */
export function uint256(field: string, value: bigint): bigint {
  if (value < 0n || value > MAX_UINT256) throw new MarginMathInputError(field, "a uint256", value);
  return value;
}

/**
 * Checks an int256 input.
 *
 * @param field name used in the error
 * @param value the value
 * @returns the value
 * @throws {MarginMathInputError} when outside `[−2^255, 2^255 − 1]`
 */
export function int256(field: string, value: bigint): bigint {
  if (value < MIN_INT256 || value > MAX_INT256) throw new MarginMathInputError(field, "an int256", value);
  return value;
}

/**
 * Checks a uint8 input (decimals).
 *
 * @param field name used in the error
 * @param value the value
 * @returns the value as a bigint
 * @throws {MarginMathInputError} when not an integer in `[0, 255]`
 */
export function uint8(field: string, value: number): bigint {
  if (!Number.isInteger(value) || value < 0 || value > 255)
    throw new MarginMathInputError(field, "a uint8", value);
  return BigInt(value);
}

/**
 * A number or bigint input as a bigint.
 *
 * @param field name used in the error
 * @param value the value
 * @returns the value as a bigint
 * @throws {MarginMathInputError} when a number is not a safe integer
 */
export function big(field: string, value: bigint | number): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) throw new MarginMathInputError(field, "an integer", value);
  return BigInt(value);
}

/** Checked uint256 `a + b`. */
export function add(a: bigint, b: bigint): bigint {
  const sum = a + b;
  if (sum > MAX_UINT256) throw new MarginMathOverflowError("add", `${a} + ${b}`);
  return sum;
}

/** Checked uint256 `a * b`. */
export function mul(a: bigint, b: bigint): bigint {
  const product = a * b;
  if (product > MAX_UINT256) throw new MarginMathOverflowError("mul", `${a} * ${b}`);
  return product;
}

/** Checked uint256 `10 ** exponent`. */
export function pow10(exponent: bigint): bigint {
  const power = 10n ** exponent;
  if (power > MAX_UINT256) throw new MarginMathOverflowError("pow", `10 ** ${exponent}`);
  return power;
}

/** OpenZeppelin `Math.mulDiv`: `floor(x · y / d)` with a 512-bit intermediate; reverts when `d = 0` or the result exceeds uint256. */
export function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  if (d === 0n) throw new MarginMathOverflowError("mulDiv", `${x} * ${y} / 0 (division by zero)`);
  const result = (x * y) / d;
  if (result > MAX_UINT256) throw new MarginMathOverflowError("mulDiv", `${x} * ${y} / ${d}`);
  return result;
}

/** OpenZeppelin `SafeCast.toInt256`. */
export function toInt256(x: bigint): bigint {
  if (x > MAX_INT256) throw new MarginMathOverflowError("toInt256", `${x} > 2^255 − 1`);
  return x;
}

/** Checked int256 `a - b`. */
export function subSigned(a: bigint, b: bigint): bigint {
  return checkedSigned("sub", a - b, `${a} - ${b}`);
}

/** Checked int256 `a * b`. */
export function mulSigned(a: bigint, b: bigint): bigint {
  return checkedSigned("mul", a * b, `${a} * ${b}`);
}

function checkedSigned(operation: string, result: bigint, details: string): bigint {
  if (result < MIN_INT256 || result > MAX_INT256) throw new MarginMathOverflowError(operation, details);
  return result;
}
