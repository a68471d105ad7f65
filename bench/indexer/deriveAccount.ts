import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256, slice, toHex } from "viem";

/** The account family of the indexer benchmark (any fixed 32 bytes; `BulkDepositor` takes it as `salt`). */
export const BENCH_SALT: Hex = keccak256(toHex("crossmargin/bench/indexer"));

/**
 * Account `index` of the family `salt`, exactly as `BulkDepositor.accountAt` derives it: the low
 * 20 bytes of `keccak256(abi.encode(salt, index))`.
 *
 * @param salt the account family
 * @param index the account's index
 * @returns the checksummed address
 * @example
 * deriveAccount(BENCH_SALT, 0n); // the first benchmark account
 */
export function deriveAccount(salt: Hex, index: bigint): Address {
  const hash = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [salt, index]));
  return getAddress(slice(hash, 12));
}
