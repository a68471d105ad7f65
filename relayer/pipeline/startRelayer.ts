import { createClient } from "@ponder/client";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import {
  type Account,
  type Chain,
  createWalletClient,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { Config } from "../../shared/config/schema.js";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import { createLocalAttester } from "../attester/createLocalAttester.js";
import { createRemoteAttester } from "../attester/createRemoteAttester.js";
import type { Attester } from "../attester/types.js";
import { createPublicClients } from "../createPublicClients.js";
import { deliverClaim } from "../deliver/deliverClaim.js";
import { discoverWork } from "../discovery/discoverWork.js";
import { discoverySchema } from "../discovery/findPendingWork.js";
import { ATTEST_QUEUE, DEAD_LETTER_QUEUE, deliverQueueName, RECONCILE_QUEUE } from "../jobIds.js";
import { startRelayerHttpServer } from "../ops/createHttpServer.js";
import { getQueueDepths } from "../ops/getQueueDepths.js";
import { createRelayerMetrics, type RelayerMetrics, routeLabel } from "../ops/metrics.js";
import { throttledWarning } from "../ops/throttledWarning.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData, DeliverJobResult } from "../types.js";
import { buildDeadLetter } from "./buildDeadLetter.js";
import { createLock } from "./createLock.js";
import { gatherSignatures } from "./gatherSignatures.js";
import { cappedBackoff, JOB_OPTIONS } from "./jobOptions.js";
import { releaseClaims } from "./releaseClaims.js";
import type { RelayerKeys } from "./resolveKeys.js";
import { startTriggers } from "./startTriggers.js";

/** Parameters of {@link startRelayer}. */
export type StartRelayerParameters = {
  config: Config;
  keys: RelayerKeys;
  /** The indexer's base URL (its `/sql` serves `@ponder/client`). */
  apiUrl: string;
  logger: Logger;
  /** HTTP port for /healthz, /metrics and /admin/queues (default `config.relayer.port`; 0 = any). */
  port?: number;
  /** Attester objects to use instead of those built from the keys and `attesterUrls` (tests). */
  attesters?: Attester[];
};

/** A running relayer. */
export type Relayer = {
  /** Base URL of its HTTP server. */
  url: string;
  metrics: RelayerMetrics;
  /** Runs one discovery round now (what `reconcile` does). */
  reconcile: () => Promise<void>;
  /** Stops taking work, lets running jobs finish, closes everything. */
  stop: () => Promise<void>;
};

/**
 * Starts a relayer: the `attest` worker (gathers a quorum of signatures, then hands the claim to
 * its destination's delivery queue), one `deliver-<chainId>` worker per chain (up to
 * `deliveryConcurrency` transactions in flight, each taking its nonce under a per-chain lock), the repeatable `reconcile` job, live triggers (indexer
 * updates and new final blocks start a discovery round after `batchWindowMs`), and the HTTP
 * server (/healthz, /metrics, /admin/queues). Several relayers may share one Redis: every job id
 * is deterministic and every delivery is checked on chain first.
 *
 * @param parameters config, keys, indexer URL, logger
 * @returns the running relayer
 */
export async function startRelayer(parameters: StartRelayerParameters): Promise<Relayer> {
  const { config, logger } = parameters;
  const prefix = config.relayer.queuePrefix;
  const connection = { url: config.redisUrl, maxRetriesPerRequest: null } as const;
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const clients = createPublicClients(config);
  const wallets = createWallets(config, parameters.keys);
  const attesters = parameters.attesters ?? buildAttesters(config, parameters.keys, clients);
  const metrics = createRelayerMetrics({
    onCollectError: (error) => logger.warn({ at: "relayer.metrics", err: error }, "queue depths unavailable"),
  });
  const chainIds = Object.values(config.chains).map((chain) => chain.chainId);
  const queueOptions = { connection, prefix };
  const attestQueue = new Queue<AttestJobData>(ATTEST_QUEUE, queueOptions);
  const deliverQueues = new Map(
    chainIds.map((id) => [
      id,
      new Queue<DeliverJobData, DeliverJobResult>(deliverQueueName(id), queueOptions),
    ]),
  );
  const reconcileQueue = new Queue(RECONCILE_QUEUE, queueOptions);
  const deadLetters = new Queue<DeadLetterJobData>(DEAD_LETTER_QUEUE, queueOptions);
  const queues = [attestQueue, ...deliverQueues.values(), reconcileQueue, deadLetters];
  // While Redis is unreachable every connection reports each refused retry; one warning per
  // interval says so (ioredis and BullMQ would otherwise print "Unhandled error event").
  const redisDown = throttledWarning(logger, { at: "relayer.redis", message: "Redis unavailable; retrying" });
  redis.on("error", redisDown);
  for (const queue of queues) queue.on("error", redisDown);
  metrics.setQueueDepthSource(() => getQueueDepths(queues));

  const indexer = createClient(`${parameters.apiUrl.replace(/\/$/, "")}/sql`, { schema: discoverySchema });
  let lastDiscovery: { at: number; error?: string } = { at: 0 };

  // The HTTP server first: a busy port fails here, before any worker takes a job.
  const server = await startRelayerHttpServer({
    port: parameters.port ?? config.relayer.port,
    metrics,
    queues,
    logger,
    health: () => {
      const ok = redis.status === "ready" && lastDiscovery.error === undefined;
      return {
        ok,
        details: {
          redis: redis.status,
          lastDiscoveryAt: lastDiscovery.at,
          lastDiscoveryError: lastDiscovery.error ?? null,
          attesters: attesters.map((a) => a.address),
        },
      };
    },
  }).catch(async (error: unknown) => {
    await Promise.all(queues.map((queue) => queue.close()));
    redis.disconnect();
    throw error;
  });

  const reconcile = async (): Promise<void> => {
    const result = await discoverWork({
      config,
      clients,
      indexer,
      redis,
      prefix,
      enqueue: async (jobs) => {
        await attestQueue.addBulk(
          jobs.map((job) => ({
            name: job.data.claim.kind,
            data: job.data,
            opts: { ...JOB_OPTIONS, jobId: job.jobId },
          })),
        );
      },
    });
    lastDiscovery = { at: Date.now() };
    const now = BigInt(Math.floor(Date.now() / 1000));
    metrics.routeLag.reset();
    metrics.routeInFlight.reset();
    for (const [route, backlog] of result.routes) {
      metrics.routeInFlight.set({ route }, backlog.pending);
      metrics.routeLag.set(
        { route },
        Number(now > backlog.oldestTimestamp ? now - backlog.oldestTimestamp : 0n),
      );
    }
    if (result.batches > 0 || result.packets > 0) {
      logger.info(
        { at: "relayer.reconcile", batches: result.batches, leaves: result.leaves, packets: result.packets },
        "work enqueued",
      );
    }
  };

  const deadLetter = async (queue: string, job: Job<AttestJobData | DeliverJobData>, error: unknown) => {
    const letter = buildDeadLetter(queue, job, error);
    await deadLetters.add(letter.reason, letter, { jobId: `${queue}-${job.id}`, removeOnComplete: true });
    if (job.data.claim.kind === "balance_batch") await releaseClaims(redis, prefix, job.data.claim);
    metrics.failures.inc({ queue, reason: letter.reason });
    logger.error({ at: "relayer.deadLetter", queue, jobId: job.id, reason: letter.reason }, letter.message);
  };

  /** Runs a processor; a non-retryable error goes to the dead-letter queue and stops the retries. */
  const guarded =
    <D extends AttestJobData | DeliverJobData, R>(queue: string, process: (job: Job<D>) => Promise<R>) =>
    async (job: Job<D>): Promise<R> => {
      try {
        return await process(job);
      } catch (error) {
        if (!isRetryable(error)) {
          await deadLetter(queue, job, error);
          throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
        }
        metrics.failures.inc({ queue, reason: error instanceof Error ? error.name : "Error" });
        logger.warn(
          {
            at: "relayer.retry",
            queue,
            jobId: job.id,
            attempt: job.attemptsMade + 1,
            err: error instanceof Error ? error.message.split("\n")[0] : String(error),
          },
          "attempt failed; will retry",
        );
        throw error;
      }
    };

  const workerSettings = { backoffStrategy: cappedBackoff };
  const attestWorker = new Worker<AttestJobData>(
    ATTEST_QUEUE,
    guarded<AttestJobData, { attestedAt: number }>(ATTEST_QUEUE, async (job) => {
      const { claim } = job.data;
      const signatures = await gatherSignatures({
        attesters,
        claim,
        threshold: config.attesters.threshold,
        timeoutMs: config.relayer.attestTimeoutMs,
      });
      const attestedAt = Date.now();
      const destination = deliverQueues.get(claim.dstChainId);
      if (destination === undefined)
        throw new UnrecoverableError(`no delivery queue for chain ${claim.dstChainId}`);
      await destination.add(
        claim.kind,
        {
          claim,
          signatures,
          discoveredAt: job.data.discoveredAt,
          sourceTimestamp: job.data.sourceTimestamp,
          attestedAt,
        },
        { ...JOB_OPTIONS, jobId: job.id ?? claim.guid },
      );
      metrics.attestLatency.observe(
        { route: routeLabel(claim.srcChainId, claim.dstChainId), kind: claim.kind },
        (attestedAt - job.data.discoveredAt) / 1000,
      );
      return { attestedAt };
    }),
    { connection, prefix, concurrency: 8, settings: workerSettings },
  );

  const deliverWorkers = chainIds.map((chainId) => {
    const queue = deliverQueueName(chainId);
    const publicClient = clients.get(chainId) as PublicClient; // every configured chain has a client
    const walletClient = wallets.get(chainId) as RelayerWallet; // and a wallet
    // Deliveries overlap (several transactions per block); each takes its nonce under this lock.
    const exclusive = createLock();
    return new Worker<DeliverJobData, DeliverJobResult>(
      queue,
      guarded<DeliverJobData, DeliverJobResult>(queue, async (job) => {
        const { claim } = job.data;
        const result = await deliverClaim({
          config,
          publicClient,
          walletClient,
          claim,
          signatures: job.data.signatures,
          previous: job.data.sent,
          exclusive,
          onSent: async (sent) => {
            await job.updateData({ ...job.data, sent });
          },
        });
        const route = routeLabel(claim.srcChainId, claim.dstChainId);
        if (result.status === "delivered") {
          metrics.deliverLatency.observe(
            { route, kind: claim.kind },
            (Date.now() - job.data.attestedAt) / 1000,
          );
          if (job.data.sourceTimestamp !== undefined) {
            metrics.creditLatency.observe(
              { route, kind: claim.kind },
              Math.max(0, Date.now() / 1000 - job.data.sourceTimestamp),
            );
          }
          metrics.gasUsed.inc({ chain: String(chainId), kind: claim.kind }, Number(result.gasUsed ?? 0));
          metrics.updatesDelivered.inc(
            { route, kind: claim.kind },
            claim.kind === "balance_batch" ? claim.leaves.length : 1,
          );
        } else if (claim.kind === "balance_batch") {
          // Someone else's batch with this guid: ours may not be on chain, so let reconcile batch it again.
          await releaseClaims(redis, prefix, claim);
        }
        logger.info(
          {
            at: "relayer.deliver",
            route,
            kind: claim.kind,
            guid: claim.guid,
            status: result.status,
            txHash: result.txHash,
          },
          "delivered",
        );
        return result;
      }),
      { connection, prefix, concurrency: config.relayer.deliveryConcurrency, settings: workerSettings },
    );
  });

  for (const worker of [attestWorker, ...deliverWorkers]) {
    worker.on("failed", (job, error) => {
      if (job === undefined || error instanceof UnrecoverableError || error.name === "UnrecoverableError")
        return;
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) void deadLetter(worker.name, job, error);
    });
    worker.on("error", (error) => {
      // After Redis lost a job under a worker's feet (a flush), BullMQ reports "Missing key"; the
      // work comes back from the indexer at the next round, so it is worth a warning, not an error.
      const lost = error.message.includes("Missing key");
      logger[lost ? "warn" : "error"](
        { at: "relayer.worker", queue: worker.name, err: error.message },
        lost ? "a job vanished from Redis (flushed?)" : "worker error",
      );
    });
  }

  const reconcileWorker = new Worker(RECONCILE_QUEUE, async () => reconcile(), {
    connection,
    prefix,
    concurrency: 1,
  });
  reconcileWorker.on("error", (error) =>
    logger.error({ at: "relayer.reconcile", err: error.message }, "reconcile worker error"),
  );
  const ensureScheduler = () =>
    reconcileQueue.upsertJobScheduler(
      "reconcile",
      { every: config.relayer.reconcileIntervalMs },
      { name: "reconcile", opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  await ensureScheduler();

  const triggers = startTriggers({
    config,
    clients,
    indexer,
    windowMs: config.relayer.batchWindowMs,
    run: async () => {
      try {
        await reconcile();
      } catch (error) {
        lastDiscovery = {
          at: Date.now(),
          error: error instanceof Error ? error.message.split("\n")[0] : String(error),
        };
        logger.warn(
          {
            at: "relayer.discover",
            err: lastDiscovery.error,
            ...(logger.isLevelEnabled("debug") && error instanceof Error ? { stack: error.stack } : {}),
          },
          "discovery round failed; will retry",
        );
      }
      // Re-assert the reconcile schedule: a flushed Redis loses it, and this is idempotent.
      await ensureScheduler().catch(() => undefined);
    },
    logger,
  });

  logger.info(
    { at: "relayer.start", url: server.url, chains: chainIds, attesters: attesters.length, prefix },
    "relayer running",
  );

  let stopped = false;
  return {
    url: server.url,
    metrics,
    reconcile,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      triggers.stop();
      // Worker.close() waits for the jobs in progress: a delivery in flight finishes (drain).
      await Promise.all([attestWorker, ...deliverWorkers, reconcileWorker].map((worker) => worker.close()));
      await Promise.all(queues.map((queue) => queue.close()));
      await server.stop();
      redis.disconnect();
      logger.info({ at: "relayer.stop" }, "relayer stopped");
    },
  };
}

/** A wallet client with the relayer's account. */
type RelayerWallet = WalletClient<Transport, Chain, Account>;

function createWallets(config: Config, keys: RelayerKeys): Map<number, RelayerWallet> {
  const account = privateKeyToAccount(keys.relayer);
  return new Map(
    Object.values(config.chains).map((chain) => [
      chain.chainId,
      createWalletClient({
        account,
        chain: defineLocalChain(chain),
        transport: http(chain.rpcUrl, { retryCount: 3 }),
      }),
    ]),
  );
}

/** Remote attesters for addresses with a URL in `relayer.attesterUrls`; in-process ones for the keys given. */
function buildAttesters(config: Config, keys: RelayerKeys, clients: Map<number, PublicClient>): Attester[] {
  const attesters: Attester[] = [];
  const local = new Map(keys.attesters.map((key) => [privateKeyToAccount(key).address.toLowerCase(), key]));
  for (const address of config.attesters.addresses) {
    const url = config.relayer.attesterUrls[address];
    if (url !== undefined) {
      attesters.push(createRemoteAttester({ address, url, timeoutMs: config.relayer.attestTimeoutMs }));
      continue;
    }
    const key = local.get(address.toLowerCase());
    if (key !== undefined) attesters.push(createLocalAttester({ config, clients, privateKey: key }));
  }
  return attesters;
}
