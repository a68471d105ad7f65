import { BaseError } from "../errors/BaseError.js";
import { pathShape } from "./buildSumTree.js";
import { type SumNode, sumLeaf, sumParent } from "./sumTreeHash.js";
import type { SumProof } from "./sumTreeProof.js";

/** What a proof is checked against besides its own root: a published root hash and/or total. */
export type VerifySumProofExpected = { hash?: string | undefined; sum?: bigint | undefined };

/** The verdict: the recomputed root, or why the proof fails. */
export type VerifySumProofReturnType = { ok: true; root: SumNode } | { ok: false; reason: string };

/**
 * Recomputes the root from a proof (leaf, then each sibling on its side, sums checked as uint256)
 * and compares it with the proof's own root and with `expected` when given. The siblings' sides
 * must match the path of leaf `index` in a tree of `leafCount` leaves.
 *
 * @param proof the proof (see `parseSumProof` for JSON)
 * @param expected a published root hash and/or total to check against (optional)
 * @returns `{ ok: true, root }` or `{ ok: false, reason }`
 * @example
 * const verdict = verifySumProof(proof, { hash: publishedRoot });
 * if (!verdict.ok) console.error(verdict.reason);
 */
export function verifySumProof(
  proof: SumProof,
  expected: VerifySumProofExpected = {},
): VerifySumProofReturnType {
  let steps: ReturnType<typeof pathShape>;
  try {
    steps = pathShape(proof.index, proof.leafCount);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const sides = steps.filter((side) => side !== null);
  if (sides.length !== proof.siblings.length)
    return {
      ok: false,
      reason: `leaf ${proof.index} of ${proof.leafCount} has ${sides.length} siblings on its path, the proof gives ${proof.siblings.length}`,
    };
  const wrongSide = proof.siblings.findIndex((sibling, i) => sibling.side !== sides[i]);
  if (wrongSide !== -1)
    return {
      ok: false,
      reason: `sibling ${wrongSide} is on the ${proof.siblings[wrongSide]?.side}, the path of leaf ${proof.index} of ${proof.leafCount} puts it on the ${sides[wrongSide]}`,
    };
  let node: SumNode;
  try {
    node = sumLeaf(proof);
    proof.siblings.forEach((sibling, i) => {
      const field = `sum with sibling ${i}`;
      node = sibling.side === "left" ? sumParent(sibling, node, field) : sumParent(node, sibling, field);
    });
  } catch (error) {
    return { ok: false, reason: error instanceof BaseError ? error.shortMessage : String(error) };
  }
  const mismatch = [
    compare("the proof's root hash", node.hash, proof.root.hash),
    compare("the proof's total", node.sum, proof.root.sum),
    expected.hash === undefined
      ? undefined
      : compare("the expected root hash", node.hash, expected.hash.toLowerCase()),
    expected.sum === undefined ? undefined : compare("the expected total", node.sum, expected.sum),
  ].find((m) => m !== undefined);
  return mismatch === undefined ? { ok: true, root: node } : { ok: false, reason: mismatch };
}

function compare(what: string, computed: string | bigint, claimed: string | bigint): string | undefined {
  if (computed === claimed) return undefined;
  return `the proof recomputes to ${String(computed)}, ${what} is ${String(claimed)}`;
}
