import { type BalanceLeaf, leafHash } from "./balanceLeaf.js";
import type { FullBatchProofReturnType } from "./fullBatchProof.js";

/**
 * `fullBatchProof(buildBalanceTree(leaves))` without building the OpenZeppelin tree object: when
 * every leaf is given, the multiproof needs no sibling and every flag is `true` (each step hashes
 * two nodes it already has), and `getMultiProof` lists the leaves by tree index from the last, that
 * is by leaf hash ascending (the tree lays the sorted hashes out from its end). Hashing each leaf
 * once with `leafHash` is what it costs; the library's tree re-encoded every leaf through its own
 * ABI coder several times, the bulk of a delivery's CPU. `balanceTreeRoot.test.ts` checks it
 * equals `fullBatchProof`, whose output the hub accepts (`merkle.parity.test.ts`); the relayer's
 * deliveries (`buildDeliveryCall`) use this one.
 *
 * @param leaves the batch's leaves (at least one, no two alike)
 * @returns leaves in multiproof order, an empty proof and the flags, for `MarginHub.submitBatch`
 * @throws {RangeError} when `leaves` is empty
 * @example
 * const { leaves: ordered, proof, proofFlags } = balanceBatchProof(leaves);
 */
export function balanceBatchProof(leaves: readonly BalanceLeaf[]): FullBatchProofReturnType {
  if (leaves.length === 0) throw new RangeError("a balance batch needs at least one leaf");
  // viem's keccak256 returns lowercase 32-byte hex, which sorts like the numbers it encodes.
  const ordered = leaves
    .map((leaf) => ({ leaf, hash: leafHash(leaf) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
    .map(({ leaf }) => leaf);
  return { leaves: ordered, proof: [], proofFlags: new Array<boolean>(leaves.length - 1).fill(true) };
}
