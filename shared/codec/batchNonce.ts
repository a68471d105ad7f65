import { InvalidCodecValueError } from "./errors.js";

/** The top bit of a uint64: set on every BALANCE_BATCH nonce, never on a vault's ordered nonces. */
export const BATCH_NONCE_FLAG = 1n << 63n;
/** `sourceBlock` must be below this (47 bits). */
const MAX_SOURCE_BLOCK = 1n << 47n;
/** `index` must be below this (16 bits). */
const MAX_INDEX = 1n << 16n;

/**
 * The nonce of a relayer-built BALANCE_BATCH packet: `2^63 | sourceBlock << 16 | index`,
 * disjoint from a vault's ordered request nonces.
 *
 * @param sourceBlock vault-chain block the balances were read at (< 2^47)
 * @param index the batch's index among the batches of that block and vault (< 65536)
 * @returns the uint64 nonce
 * @throws {InvalidCodecValueError} when either is negative, fractional or too large
 * @example
 * batchNonce(100n, 2); // 9223372036861329410n = 2^63 + 100·65536 + 2
 */
export function batchNonce(sourceBlock: bigint | number, index: bigint | number): bigint {
  const block = toBigInt("sourceBlock", sourceBlock);
  const i = toBigInt("index", index);
  if (block < 0n || block >= MAX_SOURCE_BLOCK)
    throw new InvalidCodecValueError("sourceBlock", "0 ≤ n < 2^47", sourceBlock);
  if (i < 0n || i >= MAX_INDEX) throw new InvalidCodecValueError("index", "0 ≤ n < 65536", index);
  return BATCH_NONCE_FLAG | (block << 16n) | i;
}

/**
 * The inverse of {@link batchNonce}.
 *
 * @param nonce a packet nonce
 * @returns `{ sourceBlock, index }`, or `undefined` when the nonce is not a batch nonce (top bit clear or above uint64)
 */
export function parseBatchNonce(nonce: bigint): { sourceBlock: bigint; index: number } | undefined {
  if (nonce < BATCH_NONCE_FLAG || nonce >= BATCH_NONCE_FLAG << 1n) return undefined;
  return { sourceBlock: (nonce - BATCH_NONCE_FLAG) >> 16n, index: Number(nonce & (MAX_INDEX - 1n)) };
}

function toBigInt(field: string, value: bigint | number): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new InvalidCodecValueError(field, "an integer", value);
  }
  return BigInt(value);
}
