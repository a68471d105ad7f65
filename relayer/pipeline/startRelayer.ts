import { createClient } from "@ponder/client";
import type { Logger } from "pino";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import type { Attester } from "../attester/types.js";
import { createPublicClients } from "../createPublicClients.js";
import { createRedisClient } from "../createRedisClient.js";
import { discoverySchema } from "../discovery/findPendingWork.js";
import { startRelayerHttpServer } from "../ops/createHttpServer.js";
import { getQueueDepths } from "../ops/getQueueDepths.js";
import { createRelayerMetrics, type RelayerMetrics } from "../ops/metrics.js";
import { observeHealth } from "../ops/observeHealth.js";
import { observeLogs } from "../ops/observeLogs.js";
import { observeMetrics } from "../ops/observeMetrics.js";
import type { OperatorServerOptions } from "../ops/operatorServerOptions.js";
import { redactUrl } from "../ops/redactUrl.js";
import { throttledWarning } from "../ops/throttledWarning.js";
import { buildAttesters, sharedAttesterNodes } from "./buildAttesters.js";
import { createLock } from "./createLock.js";
import { createRelayerQueues } from "./createRelayerQueues.js";
import { createWallets } from "./createWallets.js";
import { createLimitKeeper } from "./drainLimits.js";
import { preflight, watchPreflight } from "./preflight.js";
import { createReconcileProcessor } from "./processReconcile.js";
import { createRelayerObserver, type RelayerObserver } from "./relayerObserver.js";
import type { RelayerKeys } from "./resolveKeys.js";
import { startTriggers } from "./startTriggers.js";
import { startWorkers } from "./startWorkers.js";

/** How often `/healthz` re-runs the start checks. */
const HEALTH_CHECK_INTERVAL_MS = 15_000;

/** Parameters of {@link startRelayer}. */
export type StartRelayerParameters = {
  config: Config;
  keys: RelayerKeys;
  /** The indexer's base URL (its `/sql` serves `@ponder/client`). */
  apiUrl: string;
  logger: Logger;
  /** HTTP port for /healthz, /metrics and /admin/queues (default `config.relayer.port`; 0 = any). */
  port?: number;
  /** The operator server's bind address and Bull Board's guard (`operatorServerOptions`); default 127.0.0.1, open. */
  operator?: OperatorServerOptions;
  /** Attester objects to use instead of those built from the keys and `attesterUrls` (tests). */
  attesters?: Attester[];
};

/** A running relayer. */
export type Relayer = {
  /** Base URL of its HTTP server. */
  url: string;
  metrics: RelayerMetrics;
  /** Its events (metrics, logs and `/healthz` subscribe to them; so may the caller). */
  observer: RelayerObserver;
  /** Runs one discovery round now (what `reconcile` does). */
  reconcile: () => Promise<void>;
  /** Stops taking work, lets running jobs finish, closes everything. */
  stop: () => Promise<void>;
};

/**
 * Starts a relayer: the `attest` worker (gathers a quorum of signatures, then hands the claim to
 * its destination's delivery queue), one `deliver-<chainId>` worker per chain (up to
 * `deliveryConcurrency` transactions in flight, each taking its nonce under a per-chain lock),
 * the repeatable `reconcile` job, live triggers (indexer updates and new final blocks start a
 * discovery round after `batchWindowMs`), and the HTTP server (/healthz, /metrics,
 * /admin/queues). Wiring only: the processors are `processAttest`, `processDeliver` and
 * `processReconcile`; they emit events on `observer`, which metrics, logs and health follow.
 * Several relayers may share one Redis (or Redis Cluster, with `redisCluster`): every job id is
 * deterministic and every delivery is checked on chain first.
 *
 * @param parameters config, keys, indexer URL, logger
 * @returns the running relayer
 */
export async function startRelayer(parameters: StartRelayerParameters): Promise<Relayer> {
  const { config, logger } = parameters;
  const prefix = config.relayer.queuePrefix;
  const clients = createPublicClients(config);
  const wallets = createWallets(config, parameters.keys);
  const attesters = parameters.attesters ?? buildAttesters(config, parameters.keys, clients);
  // Refuse to start wrong (wrong chain ids, missing contracts, an empty key, too few attesters);
  // the same check then runs every 15 s for /healthz.
  const checks = {
    config,
    clients,
    relayer: privateKeyToAccount(parameters.keys.relayer).address,
    attesters: attesters.map((a) => ({
      address: a.address,
      url: config.relayer.attesterUrls[a.address],
      token: parameters.keys.attesterTokens?.get(a.address.toLowerCase()),
    })),
  };
  await preflight(checks);
  if (parameters.attesters === undefined) warnSharedNodes(config, parameters.keys, logger);
  const preflightWatch = watchPreflight(checks, HEALTH_CHECK_INTERVAL_MS);
  const redis = createRedisClient({ config, options: { maxRetriesPerRequest: null } });
  // BullMQ opens its own connections from options on a standalone Redis; on a cluster it takes a
  // Cluster client, shared by the queues and duplicated by each worker (closed at stop).
  const bullCluster = config.redisCluster
    ? createRedisClient({ config, options: { maxRetriesPerRequest: null } })
    : undefined;
  // BullMQ's own reconnect delay grows to 20 s; after an outage the relayer should resume (and be
  // able to stop) within 2 s of Redis coming back.
  const connection = bullCluster ?? {
    url: config.redisUrl,
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
  };
  const chainIds = Object.values(config.chains).map((chain) => chain.chainId);
  const queues = createRelayerQueues({ connection, prefix, chainIds });
  // While Redis is unreachable every connection reports each refused retry; one warning per
  // interval says so (ioredis and BullMQ would otherwise print "Unhandled error event").
  const redisDown = throttledWarning(logger, { at: "relayer.redis", message: "Redis unavailable; retrying" });
  redis.on("error", redisDown);
  bullCluster?.on("error", redisDown);
  for (const queue of queues.all) queue.on("error", redisDown);

  // The processors emit events; metrics, logs and /healthz subscribe to them.
  const observer = createRelayerObserver({
    onListenerError: (error, event) =>
      logger.warn({ at: "relayer.observer", event: event.type, err: error }, "event listener failed"),
  });
  const metrics = createRelayerMetrics({
    onCollectError: (error) => logger.warn({ at: "relayer.metrics", err: error }, "queue depths unavailable"),
  });
  metrics.setQueueDepthSource(() => getQueueDepths(queues.all));
  observeMetrics(observer, metrics);
  observeLogs(observer, logger, { rpcs: configuredRpcs(config) });
  const health = observeHealth(observer, { redis, attesters, problems: preflightWatch.problems });

  // The HTTP server first: a busy port fails here, before any worker takes a job.
  const port = parameters.port ?? config.relayer.port;
  const server = await startRelayerHttpServer({
    port,
    metrics,
    queues: queues.all,
    logger,
    health,
    ...parameters.operator,
  }).catch(async (error: unknown) => {
    preflightWatch.stop();
    await Promise.all(queues.all.map((queue) => queue.close()));
    redis.disconnect();
    bullCluster?.disconnect();
    throw error;
  });

  const indexer = createClient(`${parameters.apiUrl.replace(/\/$/, "")}/sql`, { schema: discoverySchema });
  const common = { config, clients, redis, prefix, observer };
  // One send lock per chain: the delivery worker and the limit keeper share the relayer's nonces.
  const locks = new Map(chainIds.map((chainId) => [chainId, createLock()]));
  const keeper = createLimitKeeper({ ...common, wallets, locks });
  const reconcile = createReconcileProcessor({
    afterRound: keeper.run,
    ...common,
    indexer,
    attestQueue: queues.attest,
    deliverQueues: queues.deliver,
    deadLetters: queues.deadLetters,
    reconcileQueue: queues.reconcile,
  });
  const workers = startWorkers({
    ...common,
    connection,
    queues,
    attesters,
    wallets,
    locks,
    reconcile,
    onConnectionError: redisDown,
  });
  await reconcile.ensureSchedule();

  const windowMs = config.relayer.batchWindowMs;
  const triggers = startTriggers({ config, clients, indexer, windowMs, run: reconcile.triggered, logger });
  observer.emit({ type: "started", url: server.url, chains: chainIds, attesters: attesters.length, prefix });

  let stopped = false;
  return {
    url: server.url,
    metrics,
    observer,
    reconcile: reconcile.round,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      triggers.stop();
      preflightWatch.stop();
      // Worker.close() waits for the jobs in progress: a delivery in flight finishes (drain). With
      // Redis down it can wait for a reconnection forever and nothing in hand could be recorded,
      // so it closes by force; the stalled check and the reconcile round bring those jobs back.
      const force = redis.status !== "ready";
      if (force) logger.warn({ at: "relayer.stop" }, "Redis unavailable: stopping without draining");
      await Promise.all(workers.map((worker) => worker.close(force)));
      await Promise.all(queues.all.map((queue) => queue.close()));
      await server.stop();
      redis.disconnect();
      bullCluster?.disconnect();
      observer.emit({ type: "stopped" });
    },
  };
}

/** Delay before the `times`-th reconnection attempt to Redis: 250 ms more each time, at most 2 s. */
export function reconnectDelay(times: number): number {
  return Math.min(250 * times, 2_000);
}

/** Says so at start when in-process attesters read a chain through one node: a quorum of keys on one node is not a quorum. */
function warnSharedNodes(config: Config, keys: RelayerKeys, logger: Logger): void {
  const inProcess = keys.attesters
    .map((key) => privateKeyToAccount(key).address)
    .filter((address) => config.relayer.attesterUrls[address] === undefined);
  for (const { chainId, url, attesters } of sharedAttesterNodes(config, inProcess))
    logger.warn(
      { at: "relayer.attesters", chainId, url: redactUrl(url), attesters },
      `${attesters.length} in-process attesters read chain ${chainId} through one node: they witness one node's view (give each its own RPC in relayer.attesterRpcUrls)`,
    );
}

/** Every RPC URL in the config (the chains' and in-process attesters' own), by chain. */
function configuredRpcs(config: Config): { chainId: number; url: string }[] {
  return Object.values(config.chains).flatMap((chain) => [
    { chainId: chain.chainId, url: chain.rpcUrl },
    ...Object.values(config.relayer.attesterRpcUrls).flatMap((urls) => {
      const url = urls[String(chain.chainId)];
      return url === undefined ? [] : [{ chainId: chain.chainId, url }];
    }),
  ]);
}
