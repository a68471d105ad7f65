import type { PublicClient } from "viem";
import { finalBlock } from "../../shared/chains/finality.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import type { RedisClient } from "../createRedisClient.js";
import { packetJobId } from "../jobIds.js";
import type { AttestJobData } from "../types.js";
import { buildBalanceBatches, leafClaimKey } from "./buildBalanceBatches.js";
import {
  type BalanceCandidate,
  type DiscoveryClient,
  findPendingWork,
  type RouteBacklog,
} from "./findPendingWork.js";

/** An attest job to add (its id makes a duplicate add a no-op). */
export type PlannedAttestJob = { jobId: string; data: AttestJobData };

/** Parameters of {@link discoverWork}. */
export type DiscoverWorkParameters = {
  config: Config;
  clients: ReadonlyMap<number, PublicClient>;
  indexer: DiscoveryClient;
  redis: RedisClient;
  /** Redis key prefix (the queue prefix). */
  prefix: string;
  /** Adds attest jobs (the caller owns the queue). */
  enqueue: (jobs: PlannedAttestJob[]) => Promise<void>;
};

/** Return type of {@link discoverWork}. */
export type DiscoverWorkReturnType = {
  /** Balance batches enqueued this round and the leaves in them. */
  batches: number;
  leaves: number;
  /** Sent packets enqueued (or already queued: the add is idempotent). */
  packets: number;
  /** What waits per route, for the lag metrics. */
  routes: Map<string, RouteBacklog>;
  /** Newest final block per chain this round. */
  finalBlocks: Map<number, bigint>;
};

/**
 * One round of work discovery (what the `reconcile` job and the live triggers run): the final
 * block of every chain from the relayer's own RPC; from the indexer, the balances ahead of the
 * hub and the packets not yet delivered; balances become BALANCE_BATCH claims read at the final
 * block, packets final at their source become packet claims; all are enqueued as attest jobs
 * with deterministic ids. Safe to run any number of times, in any number of processes.
 *
 * @param parameters config, clients, indexer client, Redis, enqueue
 * @returns what was enqueued and what waits per route
 */
export async function discoverWork(parameters: DiscoverWorkParameters): Promise<DiscoverWorkReturnType> {
  const { config, clients, redis, prefix } = parameters;
  const finalBlocks = await readFinalBlocks(config, clients);
  const hub = hubChain(config);
  const vaultIds = vaultChains(config, { includeHub: true }).map((chain) => chain.chainId);
  const pending = await findPendingWork({
    client: parameters.indexer,
    hubChainId: hub.chainId,
    vaultChainIds: vaultIds,
    finalBlocks,
  });
  const now = Date.now();
  const jobs: PlannedAttestJob[] = [];
  let leaves = 0;
  let batches = 0;

  const hubClient = clients.get(hub.chainId);
  if (hubClient === undefined) throw new Error(`no RPC client for the hub chain ${hub.chainId}`);
  const byChain = new Map<number, BalanceCandidate[]>();
  for (const candidate of await dropInFlight(redis, prefix, pending.balances)) {
    const list = byChain.get(candidate.chainId);
    if (list === undefined) byChain.set(candidate.chainId, [candidate]);
    else list.push(candidate); // not a spread: a round may carry thousands of candidates
  }
  // The chains in parallel: each one's reads go to its own RPC.
  const plannedByChain = await Promise.all(
    [...byChain].map(async ([chainId, candidates]) => {
      const client = clients.get(chainId);
      const sourceBlock = finalBlocks.get(chainId);
      if (client === undefined || sourceBlock === undefined) return [];
      const block = await client.getBlock({ blockNumber: sourceBlock });
      const planned = await buildBalanceBatches({
        config,
        client,
        hubClient,
        redis,
        prefix,
        chainId,
        candidates,
        sourceBlock,
        sourceTimestamp: block.timestamp,
      });
      return planned.map((batch) => ({ batch, sourceTimestamp: Number(block.timestamp) }));
    }),
  );
  for (const { batch, sourceTimestamp } of plannedByChain.flat()) {
    jobs.push({ jobId: batch.jobId, data: { claim: batch.claim, discoveredAt: now, sourceTimestamp } });
    leaves += batch.claim.leaves.length;
    batches += 1;
  }
  for (const claim of pending.packets) {
    const sourceTimestamp = pending.packetTimes.get(claim.guid);
    jobs.push({
      jobId: packetJobId(claim.guid),
      data: {
        claim,
        discoveredAt: now,
        sourceTimestamp: sourceTimestamp === undefined ? undefined : Number(sourceTimestamp),
      },
    });
  }
  if (jobs.length > 0) await parameters.enqueue(jobs);
  return { batches, leaves, packets: pending.packets.length, routes: pending.routes, finalBlocks };
}

/** Every chain's newest final block from the relayer's own RPC (`finalBlock`). */
async function readFinalBlocks(
  config: Config,
  clients: ReadonlyMap<number, PublicClient>,
): Promise<Map<number, bigint>> {
  const entries = await Promise.all(
    Object.values(config.chains).map(async (chain) => {
      const client = clients.get(chain.chainId);
      if (client === undefined) throw new Error(`no RPC client for chain ${chain.chainId}`);
      const head = await client.getBlockNumber({ cacheTime: 0 });
      return [chain.chainId, finalBlock({ head, finalityDepth: chain.finalityDepth })] as const;
    }),
  );
  return new Map(entries);
}

/** Candidates whose indexed seq is already claimed by an in-flight batch need no state read. */
async function dropInFlight(
  redis: RedisClient,
  prefix: string,
  candidates: BalanceCandidate[],
): Promise<BalanceCandidate[]> {
  if (candidates.length === 0) return [];
  const keys = candidates.map((c) =>
    leafClaimKey(prefix, {
      chainId: BigInt(c.chainId),
      account: c.account,
      token: c.token,
      seq: c.indexedSeq,
    }),
  );
  const claimed = await redis.mget(...keys);
  return candidates.filter((_, i) => claimed[i] === null);
}
