import type { Redis } from "ioredis";
import type { Address, PublicClient } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import { encodeBalanceBatch } from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import type { Config } from "../../shared/config/schema.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { balanceTreeRoot } from "../../shared/merkle/balanceTreeRoot.js";
import { batchJobId } from "../jobIds.js";
import { leafToJson } from "../leafJson.js";
import type { BalanceBatchClaim } from "../types.js";
import type { BalanceCandidate } from "./findPendingWork.js";

/** Parameters of {@link buildBalanceBatches}. */
export type BuildBalanceBatchesParameters = {
  config: Config;
  /** The vault chain's client (state is read from it at `sourceBlock`). */
  client: PublicClient;
  /** The hub chain's client (to skip batch indexes whose guid the hub already took). */
  hubClient: PublicClient;
  redis: Redis;
  /** Redis key prefix (the queue prefix). */
  prefix: string;
  /** The vault chain. */
  chainId: number;
  /** Keys the indexer says are ahead of the hub (see `findPendingWork`). */
  candidates: readonly BalanceCandidate[];
  /** A final block of the vault chain: every leaf is the state there. */
  sourceBlock: bigint;
  sourceTimestamp: bigint;
};

/** One batch ready to attest, with its deterministic job id. */
export type PlannedBatch = { jobId: string; claim: BalanceBatchClaim };

/**
 * Turns balance candidates into BALANCE_BATCH claims: reads every candidate's vault state at the
 * final block `sourceBlock` (so only final state is ever relayed, whatever the indexer shows),
 * keeps those whose seq there is ahead of the hub-credited seq, claims each (account, token, seq)
 * in Redis (`SET NX` with `claimTtlMs`) so no other round or relayer process batches it again
 * while it is in flight, and cuts the claimed leaves into batches of `batchMaxLeaves`. Each batch
 * gets an index unique within its source block (a Redis counter, skipping any index whose guid the
 * hub already has — a fresh or flushed Redis restarts the counter), which makes its nonce, guid
 * and job id.
 *
 * @param parameters chain, candidates, final block, Redis
 * @returns the batches (none when nothing is new or everything is already in flight)
 */
export async function buildBalanceBatches(
  parameters: BuildBalanceBatchesParameters,
): Promise<PlannedBatch[]> {
  const { config, chainId, sourceBlock, redis, prefix } = parameters;
  const chain = config.chains[String(chainId)];
  const hub = Object.values(config.chains).find((c) => c.role === "hub");
  if (chain === undefined || hub?.contracts.hub === undefined) return [];
  const vault = chain.contracts.vault;
  const known = new Set(Object.values(chain.tokens).map((t) => t.address.toLowerCase()));
  const candidates = parameters.candidates.filter((c) => known.has(c.token.toLowerCase()));
  if (candidates.length === 0) return [];

  const states = await Promise.all(
    candidates.map((c) =>
      parameters.client.readContract({
        address: vault,
        abi: collateralVaultAbi,
        functionName: "accountState",
        args: [c.account, c.token],
        blockNumber: sourceBlock,
      }),
    ),
  );
  const fresh: BalanceLeaf[] = [];
  candidates.forEach((candidate, i) => {
    const state = states[i];
    if (state === undefined) return;
    const [balance, , seq, inboundNonce] = state;
    if (BigInt(seq) <= candidate.creditedSeq) return; // the final state is not ahead of the hub (yet)
    // Seq 0: the key never changed by the final block (its first deposit is not final yet); the
    // hub's stored seq starts at 0, so such a leaf would cost a batch and change nothing.
    if (BigInt(seq) === 0n) return;
    fresh.push({
      chainId: BigInt(chainId),
      vault,
      account: candidate.account,
      token: candidate.token,
      balance,
      seq: BigInt(seq),
      inboundNonce: BigInt(inboundNonce),
      sourceBlock,
    });
  });
  const leaves = await claimLeaves(redis, prefix, fresh, config.relayer.claimTtlMs);
  const batches: PlannedBatch[] = [];
  for (let start = 0; start < leaves.length; start += config.relayer.batchMaxLeaves) {
    const chunk = leaves.slice(start, start + config.relayer.batchMaxLeaves);
    const hubAddress = hub.contracts.hub;
    const plan = (index: number) =>
      planBatch({
        chunk,
        index,
        chainId,
        vault,
        hubChainId: hub.chainId,
        hub: hubAddress,
        sourceBlock,
        sourceTimestamp: parameters.sourceTimestamp,
      });
    let batch = plan(await nextBatchIndex(redis, prefix, chainId, sourceBlock));
    for (let tries = 0; tries < 16; tries++) {
      const taken = await parameters.hubClient.readContract({
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "batchSubmitted",
        args: [batch.claim.guid],
      });
      if (!taken) break;
      batch = plan(await nextBatchIndex(redis, prefix, chainId, sourceBlock));
    }
    batches.push(batch);
  }
  return batches;
}

/**
 * The Redis key that marks a leaf as in flight.
 *
 * @param prefix key prefix
 * @param leaf chain, account, token and seq of the leaf
 * @returns the key
 */
export function leafClaimKey(
  prefix: string,
  leaf: { chainId: bigint | string; account: Address; token: Address; seq: bigint | string },
): string {
  return `${prefix}:claim:${leaf.chainId}:${leaf.account.toLowerCase()}:${leaf.token.toLowerCase()}:${leaf.seq}`;
}

async function claimLeaves(
  redis: Redis,
  prefix: string,
  leaves: BalanceLeaf[],
  ttlMs: number,
): Promise<BalanceLeaf[]> {
  if (leaves.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const leaf of leaves) pipeline.set(leafClaimKey(prefix, leaf), "1", "PX", ttlMs, "NX");
  const results = (await pipeline.exec()) ?? [];
  return leaves.filter((_, i) => results[i]?.[1] === "OK");
}

async function nextBatchIndex(redis: Redis, prefix: string, chainId: number, block: bigint): Promise<number> {
  const key = `${prefix}:batch-index:${chainId}:${block}`;
  const [[, value] = []] = (await redis.multi().incr(key).expire(key, 86_400).exec()) ?? [];
  // A batch nonce keeps 16 bits for the index: wrap (a collision is caught as BatchAlreadySubmitted).
  return (Number(value) - 1) % 65_536;
}

function planBatch(parameters: {
  chunk: BalanceLeaf[];
  index: number;
  chainId: number;
  vault: Address;
  hubChainId: number;
  hub: Address;
  sourceBlock: bigint;
  sourceTimestamp: bigint;
}): PlannedBatch {
  const { packet, guid } = encodePacket({
    nonce: batchNonce(parameters.sourceBlock, parameters.index),
    srcEid: parameters.chainId,
    sender: parameters.vault,
    dstEid: parameters.hubChainId,
    receiver: parameters.hub,
    message: encodeBalanceBatch({
      root: balanceTreeRoot(parameters.chunk),
      leafCount: parameters.chunk.length,
      sourceBlock: parameters.sourceBlock,
      sourceTimestamp: parameters.sourceTimestamp,
    }),
  });
  return {
    jobId: batchJobId({
      srcChainId: parameters.chainId,
      sourceBlock: parameters.sourceBlock,
      index: parameters.index,
    }),
    claim: {
      kind: "balance_batch",
      srcChainId: parameters.chainId,
      dstChainId: parameters.hubChainId,
      packet,
      guid,
      leaves: parameters.chunk.map(leafToJson),
    },
  };
}
