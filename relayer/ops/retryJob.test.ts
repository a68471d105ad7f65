import { Queue, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { Config } from "../../shared/config/schema.js";
import {
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestRedisPrefix,
} from "../../test/kit/testRedisPrefix.js";
import type { DeadLetterJobData, DeliverJobData } from "../types.js";
import { retryJob } from "./retryJob.js";

const connection = { url: TEST_REDIS_URL };

const deliverData: DeliverJobData = {
  claim: {
    kind: "approve_withdrawal",
    srcChainId: 31337,
    dstChainId: 31338,
    packet: "0x0102",
    guid: "0xaa",
    nonce: "3",
    sourceBlock: "40",
  },
  signatures: "0x",
  discoveredAt: 1,
  attestedAt: 2,
};

describe("retryJob", () => {
  let redis: TestRedisPrefix;
  let config: Config;
  const queues: Queue[] = [];
  const queue = (name: string) => {
    const q = new Queue(name, { connection, prefix: redis.prefix });
    queues.push(q);
    return q;
  };
  /** Runs one failing attempt of every waiting job in `name`, then stops the worker. */
  const failAll = async (name: string, expected: number) => {
    let failures = 0;
    const worker = new Worker(
      name,
      async () => {
        throw new Error("execution reverted");
      },
      { connection: { ...connection, maxRetriesPerRequest: null }, prefix: redis.prefix },
    );
    await new Promise<void>((resolve) =>
      worker.on("failed", () => {
        if (++failures === expected) resolve();
      }),
    );
    await worker.close();
  };

  beforeEach(() => {
    redis = createTestRedisPrefix();
    config = parseConfig({ ...exampleConfig(), relayer: { queuePrefix: redis.prefix } });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await redis.cleanup();
  });

  it("retries a failed job in place, with its attempts reset", async () => {
    const deliver = queue("deliver-31338");
    await deliver.add("deliver", deliverData, { jobId: "packet-0xaa", attempts: 2 });
    await deliver.add("deliver", deliverData, { jobId: "packet-0xbb", attempts: 1 });
    // The same id waiting in another queue (attest) is left alone.
    const attest = queue("attest");
    await attest.add("attest", { n: 1 }, { jobId: "packet-0xbb" });
    await failAll("deliver-31338", 3);
    expect(await deliver.getJobState("packet-0xbb")).toBe("failed");

    const result = await retryJob({ config, jobId: "packet-0xbb" });

    expect(result).toEqual({ queue: "deliver-31338", state: "waiting", from: "failed" });
    const job = await deliver.getJob("packet-0xbb");
    expect(job?.attemptsMade).toBe(0);
    expect(job?.data).toEqual(deliverData);
    expect(await attest.getJobState("packet-0xbb")).toBe("waiting");
  });

  it("re-queues a dead letter under its original id and queue, removing the leftover failed job and the letter", async () => {
    const deliver = queue("deliver-31338");
    await deliver.add("deliver-approve", deliverData, {
      jobId: "packet-0xaa",
      attempts: 1,
      backoff: { type: "exponential", delay: 1_000 },
    });
    await failAll("deliver-31338", 1);
    const letter: DeadLetterJobData = {
      queue: "deliver-31338",
      jobId: "packet-0xaa",
      reason: "CollateralVault_UnknownCommand",
      message: "execution reverted",
      data: deliverData,
      failedAt: Date.now(),
    };
    const dead = queue("dead-letter");
    await dead.add("dead-letter", letter, { jobId: "dead-deliver-31338-packet-0xaa" });

    // Found by the original job id the letter holds (not its own id).
    const result = await retryJob({ config, jobId: "packet-0xaa" });

    expect(result).toEqual({ queue: "deliver-31338", state: "waiting", from: "dead-letter" });
    const job = await deliver.getJob("packet-0xaa");
    expect(job?.data).toEqual(deliverData);
    expect(job?.name).toBe("deliver-approve");
    expect(job?.opts.attempts).toBe(1);
    expect(job?.opts.backoff).toEqual({ type: "exponential", delay: 1_000 });
    expect(job?.attemptsMade).toBe(0);
    expect(await dead.getJob("dead-deliver-31338-packet-0xaa")).toBeUndefined();
    expect(await dead.getJobCounts()).toMatchObject({ waiting: 0 });
  });

  it("re-queues a dead letter found by its own id when no failed copy is left", async () => {
    const letter: DeadLetterJobData = {
      queue: "attest",
      jobId: "batch-31338-120-0",
      reason: "AttestationRefusedError",
      message: "attester 0xa1 read another balance",
      data: { claim: deliverData.claim, discoveredAt: 7 },
      failedAt: Date.now(),
    };
    const dead = queue("dead-letter");
    await dead.add("dead-letter", letter, { jobId: "batch-31338-120-0" });

    const result = await retryJob({ config, jobId: "batch-31338-120-0", jobOptions: { attempts: 5 } });

    expect(result).toEqual({ queue: "attest", state: "waiting", from: "dead-letter" });
    const job = await queue("attest").getJob("batch-31338-120-0");
    expect(job?.name).toBe("attest");
    expect(job?.opts.attempts).toBe(5);
    expect(job?.data).toEqual({ claim: deliverData.claim, discoveredAt: 7 });
    expect(await dead.getJob("batch-31338-120-0")).toBeUndefined();
  });

  it("refuses a completed or waiting job, naming its state and queue", async () => {
    const attest = queue("attest");
    await attest.add("attest", { n: 1 }, { jobId: "batch-31338-7-0" });
    await expect(retryJob({ config, jobId: "batch-31338-7-0" })).rejects.toThrow(
      'Job "batch-31338-7-0" is waiting in attest: nothing to retry.',
    );
    const worker = new Worker("attest", async () => "ok", {
      connection: { ...connection, maxRetriesPerRequest: null },
      prefix: redis.prefix,
    });
    await new Promise((resolve) => worker.once("completed", resolve));
    await worker.close();
    const error = await retryJob({ config, jobId: "batch-31338-7-0" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "JobNotRetryableError" });
    expect(String(error)).toContain('Job "batch-31338-7-0" is completed in attest: nothing to retry.');
    expect(String(error)).toContain("Only a failed job or a dead letter can be retried.");
    expect(await attest.getJobState("batch-31338-7-0")).toBe("completed");
  });

  it("refuses an unknown id, listing the queues searched", async () => {
    const error = await retryJob({ config, jobId: "packet-0xnope" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "JobNotFoundError" });
    expect(String(error)).toContain('No job "packet-0xnope" in any relayer queue.');
    expect(String(error)).toContain(
      `Searched (prefix "${redis.prefix}"): attest, deliver-31337, deliver-31338, reconcile, dead-letter, and the original job ids of every dead letter.`,
    );
  });

  it("refuses bad parameters and asks for a queue when the id fails in several", async () => {
    await expect(retryJob({ config, jobId: " " })).rejects.toThrow(
      'Invalid jobId: expected a non-empty job id, got " ".',
    );
    await expect(retryJob({ config, jobId: "x", queue: "deliver-1" })).rejects.toThrow(
      'Invalid queue: expected one of attest, deliver-31337, deliver-31338, reconcile, dead-letter, got "deliver-1".',
    );
    await queue("deliver-31337").add("deliver", deliverData, { jobId: "packet-0xcc" });
    await queue("deliver-31338").add("deliver", deliverData, { jobId: "packet-0xcc" });
    await failAll("deliver-31337", 1);
    await failAll("deliver-31338", 1);
    await expect(retryJob({ config, jobId: "packet-0xcc" })).rejects.toThrow(
      'Job "packet-0xcc" can be retried in several queues: deliver-31337, deliver-31338.',
    );
    expect(await retryJob({ config, jobId: "packet-0xcc", queue: "deliver-31337" })).toEqual({
      queue: "deliver-31337",
      state: "waiting",
      from: "failed",
    });
    expect(await queues[1]!.getJobState("packet-0xcc")).toBe("failed");
  });
});
