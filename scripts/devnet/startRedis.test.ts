import { Redis } from "ioredis";
import { afterEach, describe, expect, test, vi } from "vitest";
import { type StartedRedis, startRedis } from "./startRedis.js";

describe("startRedis", () => {
  let redis: StartedRedis | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await redis?.stop();
  });

  test("starts a redis-server that answers, without ioredis printing the refused probes", async () => {
    const printed: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(" "));
    });
    redis = await startRedis();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe("PONG");
    } finally {
      client.disconnect();
    }
    expect(printed.filter((line) => line.includes("Unhandled error event"))).toEqual([]);
  });

  test("stop ends the server: new connections are refused", async () => {
    redis = await startRedis();
    await redis.stop();
    const client = new Redis(redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    await expect(client.connect()).rejects.toThrow(/ECONNREFUSED|Connection is closed/);
    client.disconnect();
  });
});
