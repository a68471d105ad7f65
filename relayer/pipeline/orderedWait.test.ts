import { type Job, Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pollUntil } from "../../test/kit/pollUntil.js";
import {
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestRedisPrefix,
} from "../../test/kit/testRedisPrefix.js";
import type { DeliverJobData } from "../types.js";
import { orderedWakeKey, parkBehindPredecessor, wakeSuccessor } from "./orderedWait.js";
import { createRelayerObserver, type RelayerEvent } from "./relayerObserver.js";
import { startJobWorker } from "./startJobWorker.js";

/*
 * Ordered packets on real Redis and the relayer's own BullMQ workers (`startJobWorker`). The
 * destination is a counter here (the chain's part is deliverClaim's, tested on anvil): a packet is
 * applied only when its nonce is the counter + 1.
 */

const connection = { url: TEST_REDIS_URL };
const QUEUE = "deliver-31338";
const ROUTE = "31337-31338";
/** Far beyond the test's timeout: a packet that completes was woken, not rechecked. */
const NEVER_MS = 600_000;

type Data = { nonce: string };

describe("ordered packets park and are woken", () => {
  let prefix: TestRedisPrefix;
  let redis: Redis;
  const closers: (() => Promise<unknown>)[] = [];
  const events: RelayerEvent[] = [];
  const observer = createRelayerObserver();
  observer.on((event) => events.push(event));

  beforeEach(() => {
    prefix = createTestRedisPrefix();
    redis = new Redis(TEST_REDIS_URL);
    events.length = 0;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await prefix.cleanup();
    redis.disconnect();
  });

  const openQueue = () => {
    const queue = new Queue<Data>(QUEUE, { connection, prefix: prefix.prefix });
    closers.push(() => queue.close());
    return queue;
  };
  const worker = (process: (job: Job<Data>, token?: string) => Promise<unknown>, lockDurationMs = 30_000) => {
    const w = startJobWorker({
      queue: QUEUE,
      // The jobs carry only a nonce: the destination here is a counter, not a chain.
      process: process as unknown as (job: Job<DeliverJobData>, token?: string) => Promise<unknown>,
      concurrency: 8,
      lockDurationMs,
      connection,
      prefix: prefix.prefix,
      deadLetter: async () => {
        throw new Error("nothing may be dead-lettered here");
      },
      observer,
      onConnectionError: () => undefined,
    });
    closers.push(() => w.close(true));
    return w;
  };
  /** A destination applying nonces in order, and the processor delivering to it as processDeliver does. */
  const destination = (queue: Queue<Data>) => {
    const applied: bigint[] = [];
    const process = async (job: Job<Data>, token?: string) => {
      const nonce = BigInt(job.data.nonce);
      const next = () => BigInt(applied.length) + 1n;
      const slot = { route: ROUTE, nonce };
      if (nonce > next())
        await parkBehindPredecessor({
          job,
          token: token ?? "",
          redis,
          prefix: prefix.prefix,
          slot,
          deliverable: async () => nonce <= next(),
          recheckMs: NEVER_MS,
        });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the transaction
      applied.push(nonce);
      await wakeSuccessor({ queue, redis, prefix: prefix.prefix, slot });
      return nonce.toString();
    };
    return { applied, process };
  };

  it("a path whose packets arrive in reverse applies them in order, each woken by the one before, no attempt used", async () => {
    const queue = openQueue();
    const { applied, process } = destination(queue);
    const nonces = [8, 7, 6, 5, 4, 3, 2];
    for (const nonce of nonces)
      await queue.add("seize", { nonce: String(nonce) }, { jobId: `n${nonce}`, attempts: 10 });
    // Every later packet parks before the first one arrives.
    const w = worker(process);
    await pollUntil(
      () => queue.getDelayedCount(),
      (count) => count === nonces.length,
      { what: "seven packets parked" },
    );
    await queue.add("seize", { nonce: "1" }, { jobId: "n1", attempts: 10 });
    await pollUntil(
      () => queue.getCompletedCount(),
      (count) => count === nonces.length + 1,
      { what: "all eight applied, woken one by one (the fallback recheck is 10 minutes away)" },
    );
    expect(applied).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    for (const nonce of nonces) {
      const job = await queue.getJob(`n${nonce}`);
      // Completed on its first counted attempt: parking used none, and nothing failed.
      expect(job?.attemptsMade).toBe(1);
      expect(job?.stacktrace ?? []).toEqual([]);
    }
    expect(events.filter((e) => e.type === "attemptFailed")).toEqual([]);
    expect(await redis.keys(`${prefix.prefix}:ordered:*`)).toEqual([]);
    await w.close();
  });

  it("a predecessor landing between the check and the park is not missed", async () => {
    const queue = openQueue();
    let landed = false;
    worker(async (job, token) => {
      if (!landed) {
        await parkBehindPredecessor({
          job,
          token: token ?? "",
          redis,
          prefix: prefix.prefix,
          slot: { route: ROUTE, nonce: 2n },
          // The predecessor lands, and its wake-up found nobody parked yet.
          deliverable: async () => {
            landed = true;
            return true;
          },
          recheckMs: NEVER_MS,
        });
      }
      return "applied";
    });
    await queue.add("seize", { nonce: "2" }, { jobId: "n2" });
    await pollUntil(
      () => queue.getJobState("n2"),
      (state) => state === "completed",
      { what: "the packet promoted itself after its recheck" },
    );
  });

  it("waking names only the successor, and nothing parked is a no-op", async () => {
    const queue = openQueue();
    expect(
      await wakeSuccessor({ queue, redis, prefix: prefix.prefix, slot: { route: ROUTE, nonce: 1n } }),
    ).toBe(false);
    await queue.add("seize", { nonce: "3" }, { jobId: "n3", delay: NEVER_MS });
    await redis.set(orderedWakeKey(prefix.prefix, { route: ROUTE, nonce: 3n }), "n3");
    // Nonce 1 applied: nonce 3 still waits for 2.
    expect(
      await wakeSuccessor({ queue, redis, prefix: prefix.prefix, slot: { route: ROUTE, nonce: 1n } }),
    ).toBe(false);
    expect(await queue.getJobState("n3")).toBe("delayed");
    // Another route's nonce 2 is not this one's.
    const other = { route: "31339-31338", nonce: 2n };
    expect(await wakeSuccessor({ queue, redis, prefix: prefix.prefix, slot: other })).toBe(false);
    expect(
      await wakeSuccessor({ queue, redis, prefix: prefix.prefix, slot: { route: ROUTE, nonce: 2n } }),
    ).toBe(true);
    expect(await queue.getJobState("n3")).toBe("waiting");
  });

  it("a job whose worker dies twice while it runs is resumed, not failed as stalled", async () => {
    const queue = openQueue();
    await queue.add("seize", { nonce: "1" }, { jobId: "n1", attempts: 10 });
    const LOCK_MS = 400;
    for (let kill = 1; kill <= 2; kill += 1) {
      const running: Worker = worker(() => new Promise(() => {}), LOCK_MS);
      await new Promise((resolve) => running.once("active", resolve));
      await running.close(true); // the process is gone: its lock is not renewed
    }
    worker(async () => "applied", LOCK_MS);
    await pollUntil(
      () => queue.getJobState("n1"),
      (state) => state === "completed" || state === "failed",
      { what: "the twice-stalled job finishing" },
    );
    const job = await queue.getJob("n1");
    expect(job?.failedReason).toBeUndefined();
    expect(await queue.getJobState("n1")).toBe("completed");
  });
});
