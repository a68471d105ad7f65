import { type Job, Queue, Worker } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pollUntil } from "../../test/kit/pollUntil.js";
import {
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestRedisPrefix,
} from "../../test/kit/testRedisPrefix.js";
import { ATTEST_QUEUE, deliverQueueName, packetJobId } from "../jobIds.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData } from "../types.js";
import { createRelayerObserver, type RelayerEvent } from "./relayerObserver.js";
import { reviveStranded } from "./reviveStranded.js";

/*
 * reviveStranded on real Redis and BullMQ workers: a delivery whose worker is killed twice while
 * it runs is failed by BullMQ's stalled check (maxStalledCount 1, the default), and stays there
 * until reconciliation brings it back.
 */

const connection = { url: TEST_REDIS_URL };
const DST = 31338;
const GUID = "0x00000000000000000000000000000000000000000000000000000000000000aa" as const;
const JOB_ID = packetJobId(GUID);
const claim = {
  kind: "approve_withdrawal",
  srcChainId: 31337,
  dstChainId: DST,
  packet: "0x0102",
  guid: GUID,
  nonce: "3",
  sourceBlock: "40",
} as const;
const deliverData: DeliverJobData = { claim, signatures: "0x", discoveredAt: 1, attestedAt: 2 };
/** Short locks so that a killed worker's job stalls within a second. */
const LOCK_MS = 400;

describe("reviveStranded", () => {
  let redis: TestRedisPrefix;
  const closers: (() => Promise<unknown>)[] = [];
  const events: RelayerEvent[] = [];
  const observer = createRelayerObserver();
  observer.on((event) => events.push(event));
  const queue = <D>(name: string) => {
    const q = new Queue<D>(name, { connection, prefix: redis.prefix });
    closers.push(() => q.close());
    return q;
  };
  /** A worker of `name` (a relayer process): `hang` keeps its job running until the worker is killed. */
  const worker = (name: string, hang: boolean) => {
    const w = new Worker(name, (job: Job) => (hang ? new Promise(() => {}) : Promise.resolve(job.id)), {
      connection,
      prefix: redis.prefix,
      lockDuration: LOCK_MS,
      stalledInterval: LOCK_MS / 2,
    });
    closers.push(() => w.close(true));
    return w;
  };
  const queues = () => ({
    attest: queue<AttestJobData>(ATTEST_QUEUE),
    deliverQueue: queue<DeliverJobData>(deliverQueueName(DST)),
    deadLetters: queue<DeadLetterJobData>("dead-letter"),
  });

  beforeEach(() => {
    redis = createTestRedisPrefix();
    events.length = 0;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await redis.cleanup();
  });

  /** Adds the delivery job and kills two workers while they run it: BullMQ fails it as stalled. */
  async function strandDelivery(deliverQueue: Queue<DeliverJobData>): Promise<Job<DeliverJobData>> {
    await deliverQueue.add("approve_withdrawal", deliverData, { jobId: JOB_ID, attempts: 10_000 });
    for (let kill = 1; kill <= 2; kill += 1) {
      const running = worker(deliverQueue.name, true);
      // Taken by this worker (the job may still look active under the killed one's lock).
      await new Promise((resolve) => running.once("active", resolve));
      await running.close(true); // the process is gone: its lock is not renewed
    }
    const checker = worker(deliverQueue.name, false); // the restarted relayer runs the stalled check
    await pollUntil(
      () => deliverQueue.getJobState(JOB_ID),
      (state) => state === "failed",
      { what: "BullMQ failing the twice-stalled delivery", timeoutMs: 10_000 },
    );
    await checker.close();
    const job = await deliverQueue.getJob(JOB_ID);
    if (job === undefined) throw new Error("the delivery job vanished");
    return job;
  }

  it("retries a delivery that stalled twice, which re-adding under its id would not", async () => {
    const { attest, deliverQueue, deadLetters } = queues();
    const stranded = await strandDelivery(deliverQueue);
    expect(stranded.failedReason).toMatch(/stalled/);
    // What discovery's add does: nothing, the id exists.
    await deliverQueue.add("approve_withdrawal", deliverData, { jobId: JOB_ID });
    expect(await deliverQueue.getJobState(JOB_ID)).toBe("failed");

    const revived = await reviveStranded({
      jobs: [{ jobId: JOB_ID, dstChainId: DST }],
      attest,
      deliver: new Map([[DST, deliverQueue]]),
      deadLetters,
      observer,
    });
    expect(revived).toBe(1);
    worker(deliverQueue.name, false);
    await pollUntil(
      () => deliverQueue.getJobState(JOB_ID),
      (state) => state === "completed",
      { what: "the revived delivery completed" },
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: "jobRevived", queue: deliverQueue.name, jobId: JOB_ID }),
    );
  });

  it("leaves a dead-lettered job to the operator and a job in progress alone", async () => {
    const { attest, deliverQueue, deadLetters } = queues();
    await strandDelivery(deliverQueue);
    await deadLetters.add("SomeRevert", {} as DeadLetterJobData, { jobId: `${deliverQueue.name}-${JOB_ID}` });
    const other = packetJobId("0x00000000000000000000000000000000000000000000000000000000000000bb");
    await deliverQueue.add("approve_withdrawal", deliverData, { jobId: other });
    const revived = await reviveStranded({
      jobs: [
        { jobId: JOB_ID, dstChainId: DST },
        { jobId: other, dstChainId: DST },
      ],
      attest,
      deliver: new Map([[DST, deliverQueue]]),
      deadLetters,
      observer,
    });
    expect(revived).toBe(0);
    expect(await deliverQueue.getJobState(JOB_ID)).toBe("failed");
    expect(await deliverQueue.getJobState(other)).toBe("waiting");
  });

  it("retries a failed attestation, and restarts one that completed without a delivery job", async () => {
    const { attest, deliverQueue, deadLetters } = queues();
    const attestData: AttestJobData = { claim, discoveredAt: 1 };
    const failedId = packetJobId("0x00000000000000000000000000000000000000000000000000000000000000cc");
    await attest.add("approve_withdrawal", attestData, { jobId: failedId });
    await attest.add("approve_withdrawal", attestData, { jobId: JOB_ID });
    // One attempt each: the first fails, the second completes (its delivery job is then lost).
    const once = new Worker(
      ATTEST_QUEUE,
      async (job: Job) => {
        if (job.id === failedId) throw new Error("quorum unreachable");
        return "ok";
      },
      { connection, prefix: redis.prefix },
    );
    closers.push(() => once.close());
    await pollUntil(
      async () => [await attest.getJobState(failedId), await attest.getJobState(JOB_ID)],
      ([a, b]) => a === "failed" && b === "completed",
      { what: "one failed and one completed attestation" },
    );
    await once.close();

    const revived = await reviveStranded({
      jobs: [
        { jobId: failedId, dstChainId: DST },
        { jobId: JOB_ID, dstChainId: DST },
      ],
      attest,
      deliver: new Map([[DST, deliverQueue]]),
      deadLetters,
      observer,
    });
    expect(revived).toBe(2);
    expect(await attest.getJobState(failedId)).toBe("waiting");
    // Removed: discovery's add now queues it afresh.
    expect(await attest.getJobState(JOB_ID)).toBe("unknown");
    await attest.add("approve_withdrawal", attestData, { jobId: JOB_ID });
    expect(await attest.getJobState(JOB_ID)).toBe("waiting");
  });
});
