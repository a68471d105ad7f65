import type { Hex } from "viem";
import { type BalanceLeaf, valueToLeaf } from "./balanceLeaf.js";
import type { BalanceTree } from "./buildBalanceTree.js";

/** Return type of {@link fullBatchProof}: the arguments `MarginHub.submitBatch` takes after the signatures. */
export type FullBatchProofReturnType = {
  /** Every leaf, in multiproof order. */
  leaves: BalanceLeaf[];
  /** Multiproof siblings (empty: every leaf is given). */
  proof: Hex[];
  /** Multiproof flags. */
  proofFlags: boolean[];
};

/**
 * A multiproof over every leaf of the tree, ready for `MarginHub.submitBatch(packet, signatures, leaves, proof, proofFlags)`.
 *
 * @param tree a balance tree
 * @returns leaves in multiproof order, proof and flags
 */
export function fullBatchProof(tree: BalanceTree): FullBatchProofReturnType {
  const indices = Array.from({ length: tree.length }, (_, i) => i);
  const multiproof = tree.getMultiProof(indices);
  return {
    leaves: multiproof.leaves.map(valueToLeaf),
    // HexString from the library is a 0x-prefixed hex string.
    proof: multiproof.proof as Hex[],
    proofFlags: multiproof.proofFlags,
  };
}
