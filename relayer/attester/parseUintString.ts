import { AttestationRefusedError } from "./errors.js";

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Reads a claim's number (job data carries uint64/uint256 values as decimal strings).
 *
 * @param check the field's name, used as the refused check
 * @param value the decimal string
 * @param bits the Solidity width it must fit (64 for a nonce or block, 256 for a balance)
 * @returns the value
 * @throws {AttestationRefusedError} when not a canonical decimal string or too large
 * @example
 * parseUintString("nonce", claim.nonce, 64); // 7n
 */
export function parseUintString(check: string, value: unknown, bits: number): bigint {
  if (typeof value !== "string" || !DECIMAL.test(value)) {
    throw new AttestationRefusedError({
      check,
      reason: `expected a non-negative integer as a decimal string, got ${JSON.stringify(value) ?? String(value)}`,
    });
  }
  const parsed = BigInt(value);
  if (parsed >= 1n << BigInt(bits)) {
    throw new AttestationRefusedError({ check, reason: `expected a uint${bits}, got ${value}` });
  }
  return parsed;
}
