import type { Hex } from "viem";
import { NonRetryableError } from "../errors/BaseError.js";
import { type BalanceLeaf, leafHash, leafToValue } from "./balanceLeaf.js";
import type { BalanceTree } from "./buildBalanceTree.js";

/** The leaf asked for is not in the tree. */
export class LeafNotInTreeError extends NonRetryableError {
  override name = "LeafNotInTreeError";
  /** @param hash the missing leaf's hash */
  constructor(hash: Hex) {
    super(`Leaf ${hash} is not in the balance tree.`);
  }
}

/**
 * The Merkle proof of one leaf, for `MarginHub.applyLeaf(guid, leaf, proof)` (lazy mode).
 *
 * @param tree a balance tree
 * @param leaf a leaf of that tree
 * @returns the sibling hashes from the leaf up
 * @throws {LeafNotInTreeError} when the leaf is not in the tree
 */
export function leafProof(tree: BalanceTree, leaf: BalanceLeaf): Hex[] {
  const value = leafToValue(leaf);
  let index: number;
  try {
    index = tree.leafLookup(value);
  } catch {
    throw new LeafNotInTreeError(leafHash(leaf));
  }
  // HexString from the library is a 0x-prefixed hex string.
  return tree.getProof(index) as Hex[];
}
