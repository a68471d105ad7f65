import type { Address, Hex } from "viem";
import type { SumTree } from "./buildSumTree.js";
import { pathShape } from "./buildSumTree.js";
import { SOLVENCY_TREE_VERSION, type SumNode } from "./sumTreeHash.js";

/** A sibling on the path to the root: on which side it sits, its hash and its sum. */
export type SumProofSibling = { side: "left" | "right"; hash: Hex; sum: bigint };

/**
 * One account's inclusion proof. It reveals the account's own value and salt, and for each level
 * one sibling's hash and sum (the total of the accounts on that side), never another account's
 * address or value (unless that account is the sibling leaf itself: its value, not its address).
 */
export type SumProof = {
  version: typeof SOLVENCY_TREE_VERSION;
  account: Address;
  salt: Hex;
  /** USD, 18 decimals. */
  value: bigint;
  /** Position of the leaf in address order, and the number of leaves: they fix the path's shape. */
  index: number;
  leafCount: number;
  /** Bottom-up; levels where the node is carried up alone have no sibling. */
  siblings: SumProofSibling[];
  root: SumNode;
};

/**
 * The inclusion proof of `account` in `tree`.
 *
 * @param tree a tree from `buildSumTree`
 * @param account the account (any case)
 * @returns the proof, or `undefined` when the account has no leaf
 * @example
 * const proof = sumTreeProof(tree, account);
 * verifySumProof(proof!).ok; // true
 */
export function sumTreeProof(tree: SumTree, account: Address): SumProof | undefined {
  const wanted = account.toLowerCase();
  const index = binarySearch(tree.leaves, wanted);
  const leaf = tree.leaves[index];
  if (leaf === undefined) return undefined;
  const siblings: SumProofSibling[] = [];
  let i = index;
  pathShape(index, tree.leaves.length).forEach((side, level) => {
    const sibling = side === "left" ? tree.levels[level]?.[i - 1] : tree.levels[level]?.[i + 1];
    if (side !== null && sibling !== undefined) siblings.push({ side, hash: sibling.hash, sum: sibling.sum });
    i = Math.floor(i / 2);
  });
  return {
    version: SOLVENCY_TREE_VERSION,
    account: leaf.account,
    salt: leaf.salt,
    value: leaf.value,
    index,
    leafCount: tree.leaves.length,
    siblings,
    root: tree.root,
  };
}

function binarySearch(leaves: SumTree["leaves"], account: string): number {
  let lo = 0;
  let hi = leaves.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = leaves[mid]!.account;
    if (at === account) return mid;
    if (at < account) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
