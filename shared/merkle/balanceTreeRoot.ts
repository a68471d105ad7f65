import { concat, type Hex, keccak256 } from "viem";
import { type BalanceLeaf, leafHash } from "./balanceLeaf.js";

/**
 * The root of `buildBalanceTree(leaves)` without building the OpenZeppelin tree object: the same
 * algorithm (`StandardMerkleTree.of` with sorted leaves — leaf hashes sorted ascending, laid out
 * as a complete binary tree in an array, each node `keccak256` of its children sorted), but
 * hashed with viem, about five times faster. An attester only needs the root to compare it with
 * the signed one; `balanceTreeRoot.test.ts` checks it equals `buildBalanceTree(leaves).root`.
 *
 * @param leaves the batch's leaves (at least one)
 * @returns the root, lowercase hex
 * @throws {RangeError} when `leaves` is empty
 * @example
 * balanceTreeRoot(leaves) === buildBalanceTree(leaves).root; // true
 */
export function balanceTreeRoot(leaves: readonly BalanceLeaf[]): Hex {
  if (leaves.length === 0) throw new RangeError("a balance tree needs at least one leaf");
  // viem's keccak256 returns lowercase 32-byte hex, which sorts like the numbers it encodes.
  const hashes = leaves.map(leafHash).sort();
  const tree: Hex[] = new Array<Hex>(2 * hashes.length - 1);
  hashes.forEach((hash, i) => {
    tree[tree.length - 1 - i] = hash;
  });
  for (let i = tree.length - 1 - hashes.length; i >= 0; i--) {
    tree[i] = nodeHash(tree[2 * i + 1], tree[2 * i + 2]);
  }
  return tree[0] ?? "0x";
}

function nodeHash(a: Hex | undefined, b: Hex | undefined): Hex {
  if (a === undefined || b === undefined) throw new RangeError("balance tree node without two children");
  return keccak256(concat(a < b ? [a, b] : [b, a]));
}
