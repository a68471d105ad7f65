import { type Hex, hexToBigInt } from "viem";
import { InvalidSignatureError } from "./errors.js";

/** secp256k1 group order. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** Largest s OpenZeppelin's `ECDSA.tryRecover` accepts (n / 2). */
export const SECP256K1_HALF_N = SECP256K1_N / 2n;

/**
 * Splits a 65-byte `r ‖ s ‖ v` signature.
 *
 * @param signature the signature
 * @returns r, s and v
 * @throws {InvalidSignatureError} when not 65 bytes of hex
 */
export function splitSignature(signature: Hex): { r: bigint; s: bigint; v: number } {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new InvalidSignatureError(`expected 65 bytes of hex r ‖ s ‖ v, got ${signature.length} characters`);
  }
  return {
    r: hexToBigInt(`0x${signature.slice(2, 66)}`),
    s: hexToBigInt(`0x${signature.slice(66, 130)}`),
    v: Number.parseInt(signature.slice(130, 132), 16),
  };
}
