import { Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Config } from "../../shared/config/schema.js";
import { createRedisClient, type RedisClient } from "../createRedisClient.js";
import { RedisUnavailableError } from "./errors.js";
import { redactUrl } from "./redactUrl.js";
import { relayerQueueNames } from "./relayerQueueNames.js";
import { withTimeout } from "./withTimeout.js";

/** How to reach Redis: a `redis://` / `rediss://` URL or ioredis options. */
export type RedisConnection = string | RedisOptions;

/** Parameters of {@link openRelayerQueues}. */
export type OpenRelayerQueuesParameters = {
  /** The parsed config: chains (for the delivery queues), `relayer.queuePrefix`, `redisUrl`, `redisCluster`. */
  config: Pick<Config, "chains" | "relayer" | "redisUrl"> & Partial<Pick<Config, "redisCluster">>;
  /** Redis to use (default `config.redisUrl`, a cluster when `config.redisCluster`). */
  connection?: RedisConnection | undefined;
  /** How long to wait for Redis to answer before giving up (default 5 s). */
  timeoutMs?: number | undefined;
};

/** The relayer's queues on one Redis connection, for one-shot operator commands. */
export type RelayerQueues = {
  /** The BullMQ prefix (`config.relayer.queuePrefix`). */
  prefix: string;
  /** Where Redis is, safe to print (password redacted). */
  redis: string;
  /** Every queue name, in pipeline order ({@link relayerQueueNames}). */
  names: string[];
  /** Queue by name. */
  queues: Map<string, Queue>;
  /** Closes the queues and the connection. */
  close(): Promise<void>;
};

/**
 * Connects to Redis (failing fast when it does not answer) and opens every relayer queue under
 * the config's prefix on that one connection. The caller must `close()` the result.
 *
 * @param parameters config, connection and timeout
 * @returns the open queues
 * @throws {RedisUnavailableError} when Redis does not answer within the timeout
 */
export async function openRelayerQueues(parameters: OpenRelayerQueuesParameters): Promise<RelayerQueues> {
  const connection = parameters.connection ?? parameters.config.redisUrl;
  const timeoutMs = parameters.timeoutMs ?? 5_000;
  const redis = describeConnection(connection);
  // One-shot commands: fail fast instead of queueing commands while reconnecting forever.
  const oneShot: RedisOptions = {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  };
  const client: RedisClient =
    parameters.connection === undefined
      ? createRedisClient({
          config: {
            redisUrl: parameters.config.redisUrl,
            redisCluster: parameters.config.redisCluster ?? false,
          },
          options: oneShot,
          clusterOptions: { clusterRetryStrategy: () => null },
        })
      : typeof connection === "string"
        ? new Redis(connection, oneShot)
        : new Redis({ ...connection, ...oneShot });
  let lastError: unknown;
  client.on("error", (error: unknown) => {
    lastError = error;
  });
  try {
    await withTimeout(client.connect(), timeoutMs, `connecting to Redis at ${redis}`);
    await withTimeout(client.ping(), timeoutMs, `pinging Redis at ${redis}`);
  } catch (error) {
    client.disconnect();
    throw new RedisUnavailableError(redis, lastError ?? error);
  }
  const prefix = parameters.config.relayer.queuePrefix;
  const names = relayerQueueNames(parameters.config);
  const queues = new Map<string, Queue>();
  for (const name of names) {
    const queue = new Queue(name, { connection: client, prefix });
    queue.on("error", (error: unknown) => {
      lastError = error;
    });
    queues.set(name, queue);
  }
  return {
    prefix,
    redis,
    names,
    queues,
    async close() {
      await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function describeConnection(connection: RedisConnection): string {
  if (typeof connection === "string") return redactUrl(connection);
  const scheme = connection.tls === undefined ? "redis" : "rediss";
  return `${scheme}://${connection.host ?? "127.0.0.1"}:${connection.port ?? 6379}/${connection.db ?? 0}`;
}
