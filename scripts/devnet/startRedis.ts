import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "./freePort.js";
import { spawnGroup } from "./spawnGroup.js";

/** A Redis the devnet started for itself. */
export type StartedRedis = {
  url: string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the server has exited. */
  stop: () => Promise<void>;
  /** SIGKILL now; resolves once the server has exited. */
  kill: () => Promise<void>;
  exited: Promise<number | null>;
};

/** How to get a Redis when none is configured and none can be started. */
export const REDIS_HELP = [
  "The relayer needs Redis. Either:",
  "  - set REDIS_URL to a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379 npm run dev), or",
  "  - install redis-server so `npm run dev` can start one itself:",
  "      Debian/Ubuntu: sudo apt-get install redis-server    macOS: brew install redis",
  "      Docker:        docker run -p 6379:6379 redis:7   (then REDIS_URL=redis://127.0.0.1:6379)",
].join("\n");

/**
 * Whether `redis-server` is on PATH.
 *
 * @returns true when it can be started
 */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Starts a private, in-memory `redis-server` on a free port (no persistence), and waits until it
 * answers PING. It runs in a process group of its own (`spawnGroup`): a Ctrl-C in the terminal
 * must not take Redis away while the relayer is still closing its queues.
 *
 * @param parameters.port the port to listen on (default: a free one); a Redis stopped and started
 *   again on its old port is how an outage looks to its clients
 * @returns its URL, `stop`, `kill` and `exited`
 */
export async function startRedis(parameters: { port?: number } = {}): Promise<StartedRedis> {
  const port = parameters.port ?? (await freePort());
  const group = spawnGroup(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const { child } = group;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused connections while the server starts reject `connect()` below; without a listener
    // ioredis would also print them as "Unhandled error event".
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      break;
    } catch {
      client.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        await group.kill();
        throw new Error(`redis-server did not start on port ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    url,
    exited,
    stop: () => group.stop(5_000),
    kill: group.kill,
  };
}
