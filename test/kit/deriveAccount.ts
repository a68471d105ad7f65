import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256, slice } from "viem";

/**
 * Account `index` of the family `salt`, exactly as `BulkDepositor.accountAt` derives it: the low
 * 20 bytes of `keccak256(abi.encode(salt, index))`.
 *
 * @param salt the account family
 * @param index the account's index
 * @returns the checksummed address
 * @example
 * deriveAccount(salt, 0n); // the first account `BulkDepositor.depositMany(token, salt, 0, n, amount)` funds
 */
export function deriveAccount(salt: Hex, index: bigint): Address {
  const hash = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [salt, index]));
  return getAddress(slice(hash, 12));
}
