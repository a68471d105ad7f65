import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { type SpawnGroupReturnType, spawnGroup } from "../../scripts/devnet/spawnGroup.js";
import { pollUntil } from "./pollUntil.js";

const run = promisify(execFile);

/** A local Redis Cluster of master nodes, started by a test. */
export type StartedRedisCluster = {
  /** `redis://127.0.0.1:<first port>`: the seed node a config's `redisUrl` names. */
  url: string;
  ports: number[];
  /** A cluster client for the test's own reads (closed by `stop`). */
  client: Cluster;
  /** Stops every node and removes their directory. */
  stop: () => Promise<void>;
};

/**
 * Starts `ports.length` in-memory `redis-server --cluster-enabled yes` nodes in a temp directory
 * (each node's cluster bus on port + 10, so a test's ports stay below the ephemeral range), joins them with `redis-cli --cluster create
 * --cluster-replicas 0`, and waits until every node reports `cluster_state:ok`.
 *
 * @param ports one port per master node, e.g. [31561, 31562, 31563]
 * @returns the seed URL, a client and `stop`
 */
export async function startRedisCluster(ports: readonly number[]): Promise<StartedRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-redis-cluster-"));
  const nodes: SpawnGroupReturnType[] = [];
  let client: Cluster | undefined;
  const stop = async () => {
    client?.disconnect();
    await Promise.all(nodes.map((node) => node.stop(5_000)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports)
      nodes.push(
        spawnGroup(
          "redis-server",
          [
            "--port",
            String(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            String(port + 10),
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--dir",
            dir,
            "--save",
            "",
            "--appendonly",
            "no",
          ],
          { stdio: "ignore" },
        ),
      );
    await Promise.all(ports.map((port) => waitForPing(port)));
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports)
      await pollUntil(
        () => withNode(port, (redis) => redis.cluster("INFO")),
        (info) => /cluster_state:ok/.test(String(info)),
        { timeoutMs: 30_000, intervalMs: 200, what: `cluster_state:ok on node ${port}` },
      );
    client = new Cluster([{ host: "127.0.0.1", port: ports[0] ?? 0 }], { lazyConnect: true });
    // A slow slot refresh on a busy machine is retried; the commands the test sends fail loudly themselves.
    client.on("error", () => {});
    await client.connect();
    return { url: `redis://127.0.0.1:${ports[0]}`, ports: [...ports], client, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `fn` on a plain connection to one node. */
async function withNode<T>(port: number, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {}); // refused while the node starts: `connect()` rejects instead
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

async function waitForPing(port: number): Promise<void> {
  await pollUntil(
    () => withNode(port, (redis) => redis.ping()).catch(() => "down"),
    (answer) => answer === "PONG",
    { timeoutMs: 10_000, intervalMs: 100, what: `redis-server on port ${port}` },
  );
}
