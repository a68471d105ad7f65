import type { Address, Hex } from "viem";
import { leafToJson } from "../../relayer/leafJson.js";
import type { BalanceBatchClaim } from "../../relayer/types.js";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import { encodeBalanceBatch } from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { buildBalanceTree } from "../../shared/merkle/buildBalanceTree.js";

/** Parameters of {@link buildBatchClaim}: an honest batch, and optional forgeries of its fields. */
export type BuildBatchClaimParameters = {
  srcChainId: number;
  hubChainId: number;
  /** The packet's sender (the source chain's vault when honest). */
  sender: Address;
  /** The packet's receiver (the hub when honest). */
  receiver: Address;
  leaves: readonly BalanceLeaf[];
  sourceBlock: bigint;
  sourceTimestamp: bigint;
  /** Batch index within the block (default 0). */
  index?: number;
  /** Forgeries: a root other than the tree's, a leaf count other than the leaves', a raw nonce. */
  root?: Hex;
  leafCount?: number;
  nonce?: bigint;
};

/**
 * Builds a BALANCE_BATCH claim with `shared/` the way the relayer does (tree, message, packet with
 * a batch nonce), optionally with a forged field, for the attester's tests.
 *
 * @param parameters route, leaves, block and forgeries
 * @returns the claim (leaves as JSON)
 */
export function buildBatchClaim(parameters: BuildBatchClaimParameters): BalanceBatchClaim {
  const tree = buildBalanceTree(parameters.leaves);
  const { packet, guid } = encodePacket({
    nonce: parameters.nonce ?? batchNonce(parameters.sourceBlock, parameters.index ?? 0),
    srcEid: parameters.srcChainId,
    sender: parameters.sender,
    dstEid: parameters.hubChainId,
    receiver: parameters.receiver,
    message: encodeBalanceBatch({
      // StandardMerkleTree roots are 0x-prefixed 32-byte hex.
      root: parameters.root ?? (tree.root as Hex),
      leafCount: parameters.leafCount ?? parameters.leaves.length,
      sourceBlock: parameters.sourceBlock,
      sourceTimestamp: parameters.sourceTimestamp,
    }),
  });
  return {
    kind: "balance_batch",
    srcChainId: parameters.srcChainId,
    dstChainId: parameters.hubChainId,
    packet,
    guid,
    leaves: parameters.leaves.map(leafToJson),
  };
}
