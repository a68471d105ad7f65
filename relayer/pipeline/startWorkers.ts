import type { ConnectionOptions, Job } from "bullmq";
import { Worker } from "bullmq";
import type { PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import type { Attester } from "../attester/types.js";
import type { RedisClient } from "../createRedisClient.js";
import { ATTEST_QUEUE, deliverQueueName, RECONCILE_QUEUE } from "../jobIds.js";
import type { AttestJobData, DeliverJobData } from "../types.js";
import type { RelayerPipelineQueues } from "./createRelayerQueues.js";
import type { RelayerWallet } from "./createWallets.js";
import { deadLetterJob } from "./deadLetterJob.js";
import { createAttestProcessor } from "./processAttest.js";
import { createDeliverProcessor } from "./processDeliver.js";
import type { ReconcileProcessor } from "./processReconcile.js";
import type { RelayerObserver } from "./relayerObserver.js";
import { startJobWorker, workerErrorListener } from "./startJobWorker.js";

/** Parameters of {@link startWorkers}. */
export type StartWorkersParameters = {
  config: Config;
  connection: ConnectionOptions;
  /** BullMQ and Redis key prefix (`config.relayer.queuePrefix`). */
  prefix: string;
  redis: RedisClient;
  queues: RelayerPipelineQueues;
  attesters: readonly Attester[];
  /** Public and wallet client of every configured chain. */
  clients: ReadonlyMap<number, PublicClient>;
  wallets: ReadonlyMap<number, RelayerWallet>;
  /** Per chain, the send lock the delivery worker shares with the limit keeper. */
  locks?: ReadonlyMap<number, <T>(fn: () => Promise<T>) => Promise<T>> | undefined;
  reconcile: ReconcileProcessor;
  observer: RelayerObserver;
  /** Where a lost or refused Redis connection is reported (throttled). */
  onConnectionError: (error: Error) => void;
};

/**
 * Starts the relayer's workers: `attest` (8 jobs at once), one `deliver-<chainId>` per chain (up
 * to `deliveryConcurrency` transactions in flight) and `reconcile` (one round at a time). Attest
 * and deliver failures that retrying cannot fix go to the dead-letter queue.
 *
 * @param parameters config, Redis, queues, attesters, clients, reconcile processor, observer
 * @returns the workers (close them to drain)
 */
export function startWorkers(parameters: StartWorkersParameters): Worker[] {
  const { config, connection, prefix, redis, queues, clients, wallets, observer } = parameters;
  const deadLetter = (queue: string, job: Job<AttestJobData | DeliverJobData>, error: unknown) =>
    deadLetterJob({ deadLetters: queues.deadLetters, redis, prefix, observer, queue, job, error });
  const { onConnectionError } = parameters;
  const lockDurationMs = config.relayer.lockDurationMs;
  const common = { connection, prefix, deadLetter, observer, onConnectionError, lockDurationMs };
  const attest = startJobWorker({
    queue: ATTEST_QUEUE,
    concurrency: 8,
    process: createAttestProcessor({
      attesters: parameters.attesters,
      threshold: config.attesters.threshold,
      timeoutMs: config.relayer.attestTimeoutMs,
      deliverQueues: queues.deliver,
      observer,
    }),
    ...common,
  });
  const deliver = [...queues.deliver].map(([chainId, queue]) =>
    startJobWorker({
      queue: deliverQueueName(chainId),
      concurrency: config.relayer.deliveryConcurrency,
      process: createDeliverProcessor({
        config,
        chainId,
        publicClient: clients.get(chainId) as PublicClient, // every configured chain has a client
        walletClient: wallets.get(chainId) as RelayerWallet, // and a wallet
        exclusive: parameters.locks?.get(chainId),
        queue,
        redis,
        prefix,
        observer,
      }),
      ...common,
    }),
  );
  const reconcile = new Worker(RECONCILE_QUEUE, () => parameters.reconcile.round(), {
    connection,
    prefix,
    concurrency: 1,
  });
  reconcile.on("error", workerErrorListener(RECONCILE_QUEUE, observer, onConnectionError));
  return [attest, ...deliver, reconcile];
}
