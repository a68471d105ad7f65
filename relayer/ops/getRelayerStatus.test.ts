import { Queue, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/devnet/freePort.js";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { Config } from "../../shared/config/schema.js";
import {
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestRedisPrefix,
} from "../../test/kit/testRedisPrefix.js";
import type { DeadLetterJobData } from "../types.js";
import { startRelayerHttpServer } from "./createHttpServer.js";
import { createLogger } from "./createLogger.js";
import { formatRelayerStatus, getRelayerStatus } from "./getRelayerStatus.js";
import { createRelayerMetrics } from "./metrics.js";

const connection = { url: TEST_REDIS_URL };

function deadLetter(n: number): DeadLetterJobData {
  return {
    queue: "deliver-31337",
    jobId: `batch-31338-${n}-0`,
    reason: "MarginHub_AttestationExpired",
    message: `attestation of batch ${n} expired`,
    data: {
      claim: {
        kind: "withdrawal_request",
        srcChainId: 31338,
        dstChainId: 31337,
        packet: "0x01",
        guid: "0x02",
        nonce: "1",
        sourceBlock: "5",
      },
      discoveredAt: 1,
    },
    failedAt: 1_700_000_000_000 + n * 1_000,
  };
}

describe("getRelayerStatus", () => {
  let redis: TestRedisPrefix;
  let config: Config;
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = new Queue(name, { connection, prefix: redis.prefix });
    queues.push(q);
    return q;
  };

  beforeEach(async () => {
    redis = createTestRedisPrefix();
    config = parseConfig({
      ...exampleConfig(),
      apiUrl: `http://127.0.0.1:${await freePort()}`,
      relayer: { queuePrefix: redis.prefix },
    });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await redis.cleanup();
  });

  it("reports every queue's depth, the latest 20 dead letters newest first, and an unreachable indexer", async () => {
    const attest = queue("attest");
    await attest.add("attest", { n: 1 }, { jobId: "a-1" });
    await attest.add("attest", { n: 2 }, { jobId: "a-2", delay: 60_000 });
    const deliver = queue("deliver-31338");
    await deliver.add("deliver", { n: 3 }, { jobId: "d-1", attempts: 1 });
    const worker = new Worker(
      "deliver-31338",
      async () => {
        throw new Error("nonce too low");
      },
      { connection: { ...connection, maxRetriesPerRequest: null }, prefix: redis.prefix },
    );
    await new Promise((resolve) => worker.once("failed", resolve));
    await worker.close();
    const dead = queue("dead-letter");
    for (let n = 0; n < 25; n++) await dead.add("dead-letter", deadLetter(n), { jobId: `dl-${n}` });

    const status = await getRelayerStatus({ config, now: 1_700_000_100_000 });

    expect(status.prefix).toBe(redis.prefix);
    expect(status.redis).toBe("redis://127.0.0.1:6379");
    expect(status.queues.map((q) => q.queue)).toEqual([
      "attest",
      "deliver-31337",
      "deliver-31338",
      "reconcile",
      "dead-letter",
    ]);
    const counts = Object.fromEntries(status.queues.map((q) => [q.queue, q.counts]));
    expect(counts.attest).toMatchObject({ waiting: 1, delayed: 1, failed: 0 });
    expect(counts["deliver-31338"]).toMatchObject({ waiting: 0, failed: 1 });
    expect(counts["dead-letter"]?.waiting).toBe(25);
    expect(counts.reconcile).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 0,
      prioritized: 0,
      "waiting-children": 0,
    });

    expect(status.deadLetters.total).toBe(25);
    expect(status.deadLetters.latest).toHaveLength(20);
    expect(status.deadLetters.latest[0]).toEqual({
      jobId: "batch-31338-24-0",
      queue: "deliver-31337",
      deadLetterId: "dl-24",
      reason: "MarginHub_AttestationExpired",
      message: "attestation of batch 24 expired",
      failedAt: 1_700_000_024_000,
      kind: "withdrawal_request",
      route: "31338->31337",
      destination: { chainId: 31337, name: config.chains["31337"]?.name },
    });
    expect(status.deadLetters.latest.at(-1)?.jobId).toBe("batch-31338-5-0");

    expect(status.indexer.reachable).toBe(false);
    if (status.indexer.reachable) return;
    expect(status.indexer.url).toBe(config.apiUrl);
    expect(status.indexer.error).toContain(`The indexer at ${config.apiUrl}/routes did not answer.`);
    expect(status.indexer.error).toContain("ECONNREFUSED");

    const text = formatRelayerStatus(status);
    expect(text).toContain(`Routes: indexer unreachable at ${config.apiUrl}`);
    expect(text).toMatch(
      /^queue +waiting +active +delayed +failed +completed +prioritized +waiting-children$/m,
    );
    expect(text).toMatch(/^deliver-31338 +0 +0 +0 +1 +0 +0 +0$/m);
    expect(text).toMatch(/^attest +1 +0 +1 +0 +0 +0 +0$/m);
    expect(text).toContain("Dead letters: 25 (latest 20 shown)");
    expect(text).toContain(
      [
        "batch-31338-24-0",
        `  failed at  2023-11-14T22:13:44.000Z in deliver-31337 (delivering to chain 31337 "${config.chains["31337"]?.name}")`,
        "  work       withdrawal_request on route 31338->31337",
        "  reason     MarginHub_AttestationExpired",
        "  error      attestation of batch 24 expired",
        "  retry      crossmargin retry batch-31338-24-0",
      ].join("\n"),
    );
    expect(text).not.toContain("batch-31338-4-0");
  });

  it("says so when the indexer URL answers but is not the indexer, or none is configured", async () => {
    const other = await startRelayerHttpServer({
      port: 0,
      metrics: createRelayerMetrics(),
      queues: [],
      logger: createLogger({ name: "test", level: "silent" }),
      health: () => ({ ok: true, details: {} }),
    });
    try {
      const status = await getRelayerStatus({ config, apiUrl: other.url });
      expect(status.indexer).toEqual({
        reachable: false,
        url: other.url,
        error: expect.stringContaining(`The indexer at ${other.url}/routes answered 404.`),
      });
    } finally {
      await other.stop();
    }
    const { apiUrl: _, ...withoutApi } = config;
    const status = await getRelayerStatus({ config: withoutApi });
    expect(status.indexer).toEqual({
      reachable: false,
      url: undefined,
      error: "no indexer URL configured (set `apiUrl` in the config or API_URL)",
    });
    expect(formatRelayerStatus(status)).toContain("Dead letters: none");
  });

  it("fails with a clear error when Redis does not answer", async () => {
    const port = await freePort();
    await expect(
      getRelayerStatus({ config, connection: `redis://:secret@127.0.0.1:${port}`, timeoutMs: 2_000 }),
    ).rejects.toThrow(`Redis at redis://:***@127.0.0.1:${port} did not answer.`);
  });
});
