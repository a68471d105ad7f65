import { Writable } from "node:stream";
import { Queue } from "bullmq";
import { pino } from "pino";
import type { Registry } from "prom-client";
import type { Address, Hex } from "viem";
import { deliverQueueName } from "../../relayer/jobIds.js";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import type { DeliverJobData, DeliverJobResult } from "../../relayer/types.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config, RelayerConfig } from "../../shared/config/schema.js";
import { clearRedisPrefix } from "../../test/kit/clearRedisPrefix.js";

/** One delivered claim, from the hub's completed delivery jobs. */
export type DeliveryRecord = {
  kind: string;
  srcChainId: number;
  /** Leaves of a balance batch (1 for a packet). */
  leaves: number;
  /** The (account, token) of every leaf of a balance batch. */
  keys: { account: Address; token: Address }[];
  /** The vault block the batch's state was read at (a final block when it was discovered). */
  sourceBlock: bigint | undefined;
  /** Wall-clock times (ms): work discovered, quorum reached, delivery attempt started, receipt seen. */
  discoveredAt: number;
  attestedAt: number;
  processedOn: number;
  finishedOn: number;
  status: DeliverJobResult["status"];
  txHash: Hex | undefined;
  blockNumber: bigint | undefined;
  gasUsed: bigint | undefined;
};

/** The relayer (or relayer processes) of one phase of the benchmark, on one queue prefix. */
export type BenchRelayer = {
  prefix: string;
  /** Every claim delivered to the hub so far, with its timings. */
  deliveries: () => Promise<DeliveryRecord[]>;
  /** Gas and updates from the relayers' own metrics (`crossmargin_gas_used_total`, `crossmargin_updates_delivered_total`). */
  gasMetrics: () => Promise<{ gas: number; updates: number }>;
  /** CPU seconds used so far by each group of processes measured (relayers, attesters, indexer), when measured. */
  cpuSeconds?: () => Record<string, number>;
  /** Warnings and errors the relayer logged (the last 200), and how many. */
  warnings: () => { count: number; last: string[] };
  /** Stops the relayer and deletes its Redis keys. */
  stop: () => Promise<void>;
};

/** A relayer running in this process. */
export type InProcessBenchRelayer = BenchRelayer & { relayer: Relayer };

/**
 * Starts a relayer in this process, as `npm run dev` does (in-process attesters, the devnet's
 * relayer key), with its own queue prefix and the given overrides of `config.relayer`.
 *
 * @param config the bench devnet's config
 * @param parameters the queue prefix and the relayer settings to override
 * @returns the relayer and readers of its delivery records and warnings
 */
export async function startBenchRelayer(
  config: Config,
  parameters: { prefix: string; settings: Partial<RelayerConfig> },
): Promise<InProcessBenchRelayer> {
  const relayerConfig: Config = {
    ...config,
    relayer: { ...config.relayer, ...parameters.settings, queuePrefix: parameters.prefix, port: 0 },
  };
  const warnings: string[] = [];
  let count = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      count += 1;
      warnings.push(chunk.toString().trim());
      if (warnings.length > 200) warnings.shift();
      done();
    },
  });
  const relayer = await startRelayer({
    config: relayerConfig,
    keys: resolveKeys(relayerConfig, {}),
    apiUrl: config.apiUrl ?? "",
    logger: pino({ level: "warn" }, sink),
  });
  const reader = deliveryReader(config, parameters.prefix);
  return {
    relayer,
    prefix: parameters.prefix,
    deliveries: reader.deliveries,
    gasMetrics: async () => ({
      gas: await sumMetric(relayer.metrics.registry, "crossmargin_gas_used_total"),
      updates: await sumMetric(relayer.metrics.registry, "crossmargin_updates_delivered_total"),
    }),
    warnings: () => ({ count, last: [...warnings] }),
    stop: async () => {
      await relayer.stop();
      await reader.close();
      await clearRedisPrefix(config.redisUrl, parameters.prefix);
    },
  };
}

/**
 * Reads the delivery records of every relayer on `prefix` from the hub's completed delivery jobs.
 *
 * @param config the bench devnet's config (Redis, hub chain)
 * @param prefix the relayers' queue prefix
 * @returns the reader and `close`
 */
export function deliveryReader(
  config: Config,
  prefix: string,
): { deliveries: () => Promise<DeliveryRecord[]>; close: () => Promise<void> } {
  const hub = hubChain(config).chainId;
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null } as const;
  const queue = new Queue<DeliverJobData, DeliverJobResult>(deliverQueueName(hub), { connection, prefix });
  const deliveries = async (): Promise<DeliveryRecord[]> => {
    const jobs = await queue.getJobs(["completed"], 0, -1);
    return jobs.map((job) => {
      const { claim } = job.data;
      const result = job.returnvalue;
      return {
        kind: claim.kind,
        srcChainId: claim.srcChainId,
        leaves: claim.kind === "balance_batch" ? claim.leaves.length : 1,
        keys:
          claim.kind === "balance_batch"
            ? claim.leaves.map((leaf) => ({ account: leaf.account, token: leaf.token }))
            : [],
        sourceBlock: claim.kind === "balance_batch" ? BigInt(claim.leaves[0]?.sourceBlock ?? "0") : undefined,
        discoveredAt: job.data.discoveredAt,
        attestedAt: job.data.attestedAt,
        processedOn: job.processedOn ?? 0,
        finishedOn: job.finishedOn ?? 0,
        status: result.status,
        txHash: result.txHash,
        blockNumber: result.blockNumber === undefined ? undefined : BigInt(result.blockNumber),
        gasUsed: result.gasUsed === undefined ? undefined : BigInt(result.gasUsed),
      };
    });
  };
  return { deliveries, close: () => queue.close() };
}

/** Sums every sample of one metric in a registry. */
async function sumMetric(registry: Registry, name: string): Promise<number> {
  return ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce(
    (total, v) => total + v.value,
    0,
  );
}
