import type { Address, Hex } from "viem";
import { NonRetryableError } from "../../../shared/errors/BaseError.js";
import { buildSumTree, type SumTree } from "../../../shared/solvency/buildSumTree.js";
import { type SumProofJson, sumProofToJson } from "../../../shared/solvency/parseSumProof.js";
import { SOLVENCY_ENCODING, SOLVENCY_TREE_VERSION } from "../../../shared/solvency/sumTreeHash.js";
import type { SumProof } from "../../../shared/solvency/sumTreeProof.js";
import { solvencySalt } from "../solvency/solvencySalt.js";

/** The hub block the report is at. */
export type SolvencyHead = { chainId: number; hub: Address; number: bigint; hash: Hex; timestamp: bigint };

/** One account's credited collateral value (null: beyond uint256, where the hub's `collateralValue` reverts). */
export type SolvencyRow = { account: Address; value: bigint | null };

/** What both solvency answers start with: the version, the hub and the block. */
export type SolvencyHeader = {
  version: typeof SOLVENCY_TREE_VERSION;
  chainId: number;
  hub: Address;
  block: { number: string; hash: Hex; timestamp: string };
};

/** `GET /solvency`'s answer. */
export type SolvencyRootAnswer = SolvencyHeader & {
  root: Hex;
  total: string;
  leafCount: number;
  /** Whether the leaf salts derive from a configured secret (else anyone can recompute them). */
  saltsSecret: boolean;
  encoding: typeof SOLVENCY_ENCODING;
};

/** `GET /solvency/:address`'s answer: the header and the proof (what `crossmargin verify-solvency` reads). */
export type SolvencyProofAnswer = SolvencyHeader & SumProofJson;

/** An account whose credited value exceeds uint256 (the hub's `collateralValue` reverts): no tree can hold it. */
export class SolvencyValueError extends NonRetryableError {
  override name = "SolvencyValueError";
  /** @param account the account */
  constructor(readonly account: Address) {
    super(
      `account ${account} has a credited collateral value beyond uint256 (MarginHub.collateralValue reverts): the solvency tree cannot be built`,
    );
  }
}

/**
 * The solvency tree of the rows at `head`: one leaf per account, salted with `solvencySalt`.
 *
 * @param parameters the rows, the head and the salt secret
 * @returns the tree
 * @throws {SolvencyValueError} when an account's value is beyond uint256
 * @throws {SumTreeRangeError} when the total exceeds uint256
 */
export function solvencyTree(parameters: {
  rows: readonly SolvencyRow[];
  head: SolvencyHead;
  secret: Hex;
}): SumTree {
  return buildSumTree(
    parameters.rows.map(({ account, value }) => {
      if (value === null) throw new SolvencyValueError(account);
      return {
        account,
        value,
        salt: solvencySalt({ secret: parameters.secret, account, block: parameters.head.number }),
      };
    }),
  );
}

/**
 * `GET /solvency`'s answer.
 *
 * @param head the block
 * @param tree the tree at that block
 * @param saltsSecret whether a salt secret is configured
 * @returns the JSON answer
 */
export function solvencyRootView(
  head: SolvencyHead,
  tree: SumTree,
  saltsSecret: boolean,
): SolvencyRootAnswer {
  return {
    ...header(head),
    root: tree.root.hash,
    total: tree.root.sum.toString(),
    leafCount: tree.leaves.length,
    saltsSecret,
    encoding: SOLVENCY_ENCODING,
  };
}

/**
 * `GET /solvency/:address`'s answer.
 *
 * @param head the block
 * @param proof the account's proof
 * @returns the JSON answer
 */
export function solvencyProofView(head: SolvencyHead, proof: SumProof): SolvencyProofAnswer {
  return { ...header(head), ...sumProofToJson(proof) };
}

function header(head: SolvencyHead): SolvencyHeader {
  return {
    version: SOLVENCY_TREE_VERSION,
    chainId: head.chainId,
    hub: head.hub,
    block: { number: head.number.toString(), hash: head.hash, timestamp: head.timestamp.toString() },
  };
}
