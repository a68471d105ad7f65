import { type Address, getAddress, type Hex } from "viem";
import { maxUint } from "./constants.js";
import { InvalidCodecValueError } from "./errors.js";

/**
 * Checks that `value` fits a Solidity `uint<bits>`.
 *
 * @param field name used in the error
 * @param value the value
 * @param bits the width
 * @returns `value` as a bigint
 * @throws {InvalidCodecValueError} when negative, fractional or too large
 */
export function checkUint(field: string, value: bigint | number, bits: number): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new InvalidCodecValueError(field, `a uint${bits}`, value);
  }
  const big = BigInt(value);
  if (big < 0n || big > maxUint(bits)) throw new InvalidCodecValueError(field, `a uint${bits}`, value);
  return big;
}

/**
 * Checks that `value` is an address (`0x` + 40 hex digits, any case).
 *
 * @param field name used in the error
 * @param value the value
 * @returns the address, lowercase (so viem's packed encoder accepts it whatever its checksum)
 * @throws {InvalidCodecValueError} when malformed
 */
export function checkAddress(field: string, value: string): Address {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new InvalidCodecValueError(field, "an address", value);
  // Checked just above: 0x + 40 hex digits.
  return value.toLowerCase() as Address;
}

/**
 * Checks that `value` is an address (20 bytes) or a bytes32 (a packet's raw sender/receiver field).
 *
 * @param field name used in the error
 * @param value the value
 * @returns the hex, lowercase
 * @throws {InvalidCodecValueError} when neither
 */
export function checkBytes32OrAddress(field: string, value: string): Hex {
  if (!/^0x([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(value)) {
    throw new InvalidCodecValueError(field, "an address or a bytes32", value);
  }
  // Checked just above: 0x + 20 or 32 bytes of hex.
  return value.toLowerCase() as Hex;
}

/**
 * Checks that `value` is hex of exactly `size` bytes (any size when omitted).
 *
 * @param field name used in the error
 * @param value the value
 * @param size the byte length required
 * @returns the hex, lowercase
 * @throws {InvalidCodecValueError} when malformed or of the wrong size
 */
export function checkHex(field: string, value: string, size?: number): Hex {
  const digits = size === undefined ? "*" : `{${size}}`;
  const pattern = new RegExp(`^0x([0-9a-fA-F]{2})${digits}$`);
  if (!pattern.test(value)) {
    throw new InvalidCodecValueError(field, size === undefined ? "hex bytes" : `${size} bytes of hex`, value);
  }
  // Checked just above: 0x + whole bytes of hex.
  return value.toLowerCase() as Hex;
}

/**
 * Reads `length` bytes at `offset` of a byte array as hex.
 *
 * @param bytes the source
 * @param offset first byte
 * @param length number of bytes
 * @returns `0x`-prefixed lowercase hex
 */
export function sliceHex(bytes: Uint8Array, offset: number, length: number): Hex {
  return `0x${Buffer.from(bytes.subarray(offset, offset + length)).toString("hex")}`;
}

/**
 * Reads a big-endian unsigned integer of `length` bytes at `offset`.
 *
 * @param bytes the source
 * @param offset first byte
 * @param length number of bytes
 * @returns the integer
 */
export function readUint(bytes: Uint8Array, offset: number, length: number): bigint {
  return length === 0 ? 0n : BigInt(sliceHex(bytes, offset, length));
}

/**
 * Reads a 20-byte address at `offset`, checksummed.
 *
 * @param bytes the source
 * @param offset first byte
 * @returns the checksummed address
 */
export function readAddress(bytes: Uint8Array, offset: number): Address {
  return getAddress(sliceHex(bytes, offset, 20));
}

/**
 * Normalises a hex string or byte array to bytes.
 *
 * @param field name used in the error
 * @param input hex (`0x…`, whole bytes) or bytes
 * @returns the bytes
 * @throws {InvalidCodecValueError} when the hex is malformed
 */
export function toBytes(field: string, input: Hex | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) return input;
  return new Uint8Array(Buffer.from(checkHex(field, input).slice(2), "hex"));
}
