import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type BalanceLeaf, type BalanceLeafValue, balanceLeafTypes, leafToValue } from "./balanceLeaf.js";

/** A `StandardMerkleTree` over balance leaves. */
export type BalanceTree = StandardMerkleTree<BalanceLeafValue>;

/**
 * Builds the OpenZeppelin `StandardMerkleTree` of a balance batch (leaves sorted by hash, the
 * library's default, so the root does not depend on input order).
 *
 * @param leaves the batch's account updates (at least one)
 * @returns the tree; `tree.root` goes into the BALANCE_BATCH message
 * @example
 * const tree = buildBalanceTree(leaves);
 * const message = encodeBalanceBatch({ root: tree.root, leafCount: tree.length, sourceBlock, sourceTimestamp });
 */
export function buildBalanceTree(leaves: readonly BalanceLeaf[]): BalanceTree {
  return StandardMerkleTree.of(leaves.map(leafToValue), [...balanceLeafTypes]);
}
