import type { Address, Hex } from "viem";
import { SumTreeDuplicateLeafError } from "./errors.js";
import { EMPTY_ROOT_HASH, type SumNode, sumLeaf, sumParent } from "./sumTreeHash.js";

/** One account's entry: its value (USD, 18 decimals, uint256) and the salt its leaf commits to. */
export type SumTreeLeaf = { account: Address; salt: Hex; value: bigint };

/** A built tree: every level from the leaves (level 0, sorted by account) up to the root. */
export type SumTree = {
  /** The leaves in tree order (ascending lowercase address), accounts lowercased. */
  leaves: readonly SumTreeLeaf[];
  /** `levels[0]` are the leaf nodes, the last level holds the root alone (no level when empty). */
  levels: readonly (readonly SumNode[])[];
  /** The root: the top node, or {@link EMPTY_ROOT_HASH} with sum 0 for no leaf. */
  root: SumNode;
};

/**
 * Builds the solvency Merkle-sum tree. Leaves are ordered by lowercase address; each level pairs
 * nodes (0,1), (2,3), …, and an odd last node is carried up unchanged (no sibling at that level).
 * One leaf: the root is that leaf. No leaf: the root is {@link EMPTY_ROOT_HASH} with sum 0.
 *
 * @param leaves one per account, any order
 * @returns the tree
 * @throws {SumTreeRangeError} when a value is negative or any sum exceeds 2^256 − 1
 * @throws {SumTreeDuplicateLeafError} when an account appears twice
 * @example
 * const tree = buildSumTree([{ account, salt, value: 5n * 10n ** 18n }]);
 * tree.root.sum; // 5000000000000000000n
 */
export function buildSumTree(leaves: readonly SumTreeLeaf[]): SumTree {
  const sorted = leaves
    .map((leaf) => ({ ...leaf, account: leaf.account.toLowerCase() as Address })) // lowercasing keeps an address one
    .sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.account === sorted[i - 1]?.account)
      throw new SumTreeDuplicateLeafError(sorted[i]!.account);
  }
  if (sorted.length === 0) return { leaves: [], levels: [], root: { hash: EMPTY_ROOT_HASH, sum: 0n } };
  const levels: SumNode[][] = [sorted.map(sumLeaf)];
  let level = levels[0]!;
  while (level.length > 1) {
    const next: SumNode[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      next.push(
        right === undefined ? left : sumParent(left, right, `sum at level ${levels.length} node ${i / 2}`),
      );
    }
    levels.push(next);
    level = next;
  }
  return { leaves: sorted, levels, root: level[0]! };
}

/** Which side a proof step's sibling is on, or `null` when the node is carried up alone. */
export type PathStep = "left" | "right" | null;

/**
 * The shape of the path from leaf `index` to the root of a tree of `leafCount` leaves: per level,
 * the side of the sibling (`"left"` when the node is a right child), or `null` where the node is
 * the odd last one and carried up.
 *
 * @param index the leaf's position (0-based, in address order)
 * @param leafCount the number of leaves
 * @returns one step per level below the root
 * @throws {RangeError} when `index` is not a position in the tree
 */
export function pathShape(index: number, leafCount: number): PathStep[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(leafCount) || index < 0 || index >= leafCount)
    throw new RangeError(`leaf index ${index} is not in a tree of ${leafCount} leaves`);
  const steps: PathStep[] = [];
  for (let i = index, n = leafCount; n > 1; i = Math.floor(i / 2), n = Math.ceil(n / 2)) {
    steps.push(i % 2 === 1 ? "left" : i === n - 1 ? null : "right");
  }
  return steps;
}
