import { type Address, concat, encodeAbiParameters, getContractAddress, type Hex, keccak256 } from "viem";

/**
 * Trader `index` of `salt` of the `BulkDepositor` at `bulk`, as `BulkDepositor.traderAt` derives
 * it: the CREATE2 address of OpenZeppelin's minimal proxy (`Clones`) to `bulk`, deployed by `bulk`
 * with salt `keccak256(abi.encode(salt, index))`.
 *
 * @param bulk the `BulkDepositor`
 * @param salt the trader family
 * @param index the trader's index
 * @returns the checksummed address
 */
export function traderAt(bulk: Address, salt: Hex, index: number): Address {
  const initCode = concat([
    "0x3d602d80600a3d3981f3363d3d373d3d3d363d73",
    bulk,
    "0x5af43d82803e903d91602b57fd5bf3",
  ]);
  return getContractAddress({
    opcode: "CREATE2",
    from: bulk,
    salt: keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [salt, BigInt(index)])),
    bytecodeHash: keccak256(initCode),
  });
}
