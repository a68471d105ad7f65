import { type Address, encodePacked, type Hex, keccak256 } from "viem";
import { MAX_UINT256 } from "../margin/uint256.js";
import { SumTreeRangeError } from "./errors.js";

/*
 * The solvency Merkle-sum tree's hashing, the whole of what a third party needs to verify a proof
 * (README "Solvency report"). Every node carries a hash and a sum; the hash commits to the
 * children's sums, so a sum cannot be changed without changing the root.
 *
 *   leaf = keccak256(abi.encodePacked(uint8 0x00, address account, bytes32 salt, uint256 value))
 *   node = keccak256(abi.encodePacked(uint8 0x01, bytes32 leftHash, uint256 leftSum,
 *                                     bytes32 rightHash, uint256 rightSum)),  sum = leftSum + rightSum
 *
 * The leading byte keeps leaves and nodes apart; sums are uint256 (refused when negative or above
 * 2^256 − 1, as Solidity's checked `+` would revert).
 */

/** The version string every root and proof carries. */
export const SOLVENCY_TREE_VERSION = "crossmargin-solvency-v1";
/** The root hash of the tree with no leaf (its sum is 0). */
export const EMPTY_ROOT_HASH: Hex = `0x${"00".repeat(32)}`;

/** The encoding, in words, as `GET /solvency` publishes it beside the root. */
export const SOLVENCY_ENCODING = {
  leaf: "keccak256(abi.encodePacked(uint8(0x00), address account, bytes32 salt, uint256 value)); sum = value",
  node: "keccak256(abi.encodePacked(uint8(0x01), bytes32 leftHash, uint256 leftSum, bytes32 rightHash, uint256 rightSum)); sum = leftSum + rightSum",
  order:
    "leaves ascending by lowercase address; pairs (0,1), (2,3), … per level; an odd last node is carried up unchanged",
  empty: "no leaf: root 0x0000000000000000000000000000000000000000000000000000000000000000, total 0",
  sums: "uint256: a negative value or a sum above 2^256 - 1 is refused",
  value:
    "USD with 18 decimals: MarginHub.collateralValue(account).valueUsd at the block (credited collateral, before haircuts)",
} as const;

/** A node of the tree: its hash and the sum of the values under it. */
export type SumNode = { hash: Hex; sum: bigint };

/**
 * Checks that a figure fits uint256.
 *
 * @param field what the figure is, named in the error
 * @param value the figure
 * @returns the value
 * @throws {SumTreeRangeError} when negative or above 2^256 − 1
 */
export function checkSum(field: string, value: bigint): bigint {
  if (value < 0n || value > MAX_UINT256) throw new SumTreeRangeError(field, value);
  return value;
}

/**
 * A leaf: the account's value committed with its salt.
 *
 * @param leaf the account (any case), its salt and its value (USD, 18 decimals)
 * @returns the leaf node (hash and sum = value)
 * @throws {SumTreeRangeError} when the value is not a uint256
 * @example
 * sumLeaf({ account: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", salt: `0x${"11".repeat(32)}`, value: 10n ** 18n });
 */
export function sumLeaf(leaf: { account: Address; salt: Hex; value: bigint }): SumNode {
  const value = checkSum(`value of ${leaf.account}`, leaf.value);
  return {
    hash: keccak256(
      encodePacked(["uint8", "address", "bytes32", "uint256"], [0, leaf.account, leaf.salt, value]),
    ),
    sum: value,
  };
}

/**
 * A parent node from its two children.
 *
 * @param left the left child
 * @param right the right child
 * @param field names the parent in an overflow error
 * @returns the parent (hash over both children's hashes and sums, sum = left + right)
 * @throws {SumTreeRangeError} when a child's sum or the parent's sum is not a uint256
 */
export function sumParent(left: SumNode, right: SumNode, field = "node sum"): SumNode {
  checkSum(`${field} (left child)`, left.sum);
  checkSum(`${field} (right child)`, right.sum);
  const sum = checkSum(field, left.sum + right.sum);
  return {
    hash: keccak256(
      encodePacked(
        ["uint8", "bytes32", "uint256", "bytes32", "uint256"],
        [1, left.hash, left.sum, right.hash, right.sum],
      ),
    ),
    sum,
  };
}
