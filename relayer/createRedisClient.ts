import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { Config } from "../shared/config/schema.js";

/** A standalone Redis or a Redis Cluster: the commands the relayer uses are the same on both. */
export type RedisClient = Redis | Cluster;

/** Parameters of {@link createRedisClient}. */
export type CreateRedisClientParameters = {
  /** `redisUrl` (on a cluster: any one node) and `redisCluster`. */
  config: Pick<Config, "redisUrl" | "redisCluster">;
  /** Options of each node connection (`maxRetriesPerRequest`, `lazyConnect`, `retryStrategy`, …). */
  options?: RedisOptions;
  /** Cluster-level options (a cluster only), e.g. `clusterRetryStrategy`. */
  clusterOptions?: Omit<ClusterOptions, "redisOptions">;
};

/**
 * Connects to the relayer's Redis: `new Redis(redisUrl)`, or with `redisCluster` an ioredis
 * `Cluster` seeded with the node `redisUrl` names (it discovers the others from `CLUSTER SLOTS`).
 * User, password and TLS (`rediss://`) of the URL apply to every node of the cluster.
 *
 * @param parameters config and connection options
 * @returns the client (connecting unless `lazyConnect`)
 * @example
 * const redis = createRedisClient({ config, options: { maxRetriesPerRequest: null } });
 */
export function createRedisClient(parameters: CreateRedisClientParameters): RedisClient {
  const { config, options = {} } = parameters;
  if (!config.redisCluster) return new Redis(config.redisUrl, options);
  const url = new URL(config.redisUrl);
  const nodeOptions: RedisOptions = {
    ...options,
    ...(url.username === "" ? {} : { username: decodeURIComponent(url.username) }),
    ...(url.password === "" ? {} : { password: decodeURIComponent(url.password) }),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
  };
  const cluster: ClusterOptions = {
    ...parameters.clusterOptions,
    redisOptions: nodeOptions,
    ...(options.lazyConnect === undefined ? {} : { lazyConnect: options.lazyConnect }),
    ...(options.maxRetriesPerRequest === undefined
      ? {}
      : { maxRetriesPerRequest: options.maxRetriesPerRequest }),
  };
  return new Cluster([{ host: url.hostname, port: Number(url.port === "" ? 6379 : url.port) }], cluster);
}
