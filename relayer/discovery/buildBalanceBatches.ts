import type { Address, PublicClient } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import { encodeBalanceBatch } from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import type { Config } from "../../shared/config/schema.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { balanceTreeRoot } from "../../shared/merkle/balanceTreeRoot.js";
import type { RedisClient } from "../createRedisClient.js";
import { batchJobId } from "../jobIds.js";
import { leafToJson } from "../leafJson.js";
import { readAccountStates } from "../readAccountStates.js";
import type { BalanceBatchClaim } from "../types.js";
import type { BalanceCandidate } from "./findPendingWork.js";

/** Parameters of {@link buildBalanceBatches}. */
export type BuildBalanceBatchesParameters = {
  config: Config;
  /** The vault chain's client (state is read from it at `sourceBlock`). */
  client: PublicClient;
  /** The hub chain's client (to skip batch indexes whose guid the hub already took). */
  hubClient: PublicClient;
  redis: RedisClient;
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
 * final block `sourceBlock` (`readAccountStates`: a few multicalls, not one call per key; so only final state is ever relayed, whatever the indexer shows),
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

  const reads = await readAccountStates({
    client: parameters.client,
    vault,
    keys: candidates,
    blockNumber: sourceBlock,
  });
  const fresh: BalanceLeaf[] = [];
  candidates.forEach((candidate, i) => {
    const read = reads[i];
    if (read === undefined) return;
    if (read.status === "failure") throw read.error; // the round fails and is retried
    const { balance, seq, inboundNonce } = read.state;
    if (seq <= candidate.creditedSeq) return; // the final state is not ahead of the hub (yet)
    // Seq 0: the key never changed by the final block (its first deposit is not final yet); the
    // hub's stored seq starts at 0, so such a leaf would cost a batch and change nothing.
    if (seq === 0n) return;
    fresh.push({
      chainId: BigInt(chainId),
      vault,
      account: candidate.account,
      token: candidate.token,
      balance,
      seq,
      inboundNonce,
      sourceBlock,
    });
  });
  const leaves = await claimLeaves(redis, prefix, fresh, config.relayer.claimTtlMs);
  const chunks: BalanceLeaf[][] = [];
  for (let start = 0; start < leaves.length; start += config.relayer.batchMaxLeaves) {
    chunks.push(leaves.slice(start, start + config.relayer.batchMaxLeaves));
  }
  const hubAddress = hub.contracts.hub;
  const first = await reserveBatchIndexes(redis, prefix, chainId, sourceBlock, chunks.length);
  // The batches in parallel: each round trip below would otherwise be paid once per batch.
  const batches = await Promise.all(
    chunks.map(async (chunk, k) => {
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
      let batch = plan((first + k) % BATCH_INDEXES);
      for (let tries = 0; tries < 16; tries++) {
        const taken = await parameters.hubClient.readContract({
          address: hubAddress,
          abi: marginHubAbi,
          functionName: "batchSubmitted",
          args: [batch.claim.guid],
        });
        if (!taken) break;
        batch = plan(await reserveBatchIndexes(redis, prefix, chainId, sourceBlock, 1));
      }
      return batch;
    }),
  );
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
  redis: RedisClient,
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

/** A batch nonce keeps 16 bits for the index within its source block. */
const BATCH_INDEXES = 65_536;

/**
 * Reserves `count` consecutive batch indexes of (chain, source block) and returns the first (the
 * caller takes `first + k` modulo {@link BATCH_INDEXES}: an index wraps, and a collision is caught
 * as BatchAlreadySubmitted).
 */
async function reserveBatchIndexes(
  redis: RedisClient,
  prefix: string,
  chainId: number,
  block: bigint,
  count: number,
): Promise<number> {
  const key = `${prefix}:batch-index:${chainId}:${block}`;
  const [[, value] = []] = (await redis.multi().incrby(key, count).expire(key, 86_400).exec()) ?? [];
  return (Number(value) - count) % BATCH_INDEXES;
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
