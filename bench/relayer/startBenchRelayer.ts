import { Writable } from "node:stream";
import { Queue } from "bullmq";
import { pino } from "pino";
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

/** A relayer running in this process for one phase of the benchmark. */
export type BenchRelayer = {
  relayer: Relayer;
  prefix: string;
  /** Every claim delivered to the hub so far, with its timings. */
  deliveries: () => Promise<DeliveryRecord[]>;
  /** Warnings and errors the relayer logged (the last 200), and how many. */
  warnings: () => { count: number; last: string[] };
  /** Stops the relayer and deletes its Redis keys. */
  stop: () => Promise<void>;
};

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
): Promise<BenchRelayer> {
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
  const hub = hubChain(config).chainId;
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null } as const;
  const queue = new Queue<DeliverJobData, DeliverJobResult>(deliverQueueName(hub), {
    connection,
    prefix: parameters.prefix,
  });

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

  return {
    relayer,
    prefix: parameters.prefix,
    deliveries,
    warnings: () => ({ count, last: [...warnings] }),
    stop: async () => {
      await relayer.stop();
      await queue.close();
      await clearRedisPrefix(config.redisUrl, parameters.prefix);
    },
  };
}
