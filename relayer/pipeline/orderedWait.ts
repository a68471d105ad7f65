import { DelayedError, type Job, type Queue } from "bullmq";
import type { RedisClient } from "../createRedisClient.js";

/*
 * Ordered paths (withdrawal requests, hub commands) apply nonce n+1 only after n. A packet that
 * arrives early parks as a delayed job (no attempt used, no backoff) and is woken the moment its
 * predecessor's delivery is seen; a slow fallback recheck covers a predecessor someone else delivered.
 */

/** How long a parked packet waits before it checks again when nothing wakes it. */
export const ORDERED_RECHECK_MS = 5_000;
/** How long a parked packet's wake-up key lives (it is deleted when used). */
const WAKE_KEY_TTL_SECONDS = 86_400;

/** Where the packet of one ordered path and nonce is found: `route` is `<src>-<dst>`. */
export type OrderedSlot = { route: string; nonce: bigint };

/**
 * The Redis key naming the job that waits for `slot`'s predecessor.
 *
 * @param prefix key prefix (the queue prefix; a `{hash tag}` keeps it in the queue's slot)
 * @param slot the path and nonce
 * @returns e.g. `{crossmargin}:ordered:31337-31338:7`
 */
export function orderedWakeKey(prefix: string, slot: OrderedSlot): string {
  return `${prefix}:ordered:${slot.route}:${slot.nonce}`;
}

/** Parameters of {@link parkBehindPredecessor}. */
export type ParkBehindPredecessorParameters = {
  job: Pick<Job, "id" | "moveToDelayed" | "promote">;
  /** The worker's lock token of the job (the processor's second argument). */
  token: string;
  redis: RedisClient;
  prefix: string;
  slot: OrderedSlot;
  /** Reads the destination again: `true` when the predecessor has landed meanwhile. */
  deliverable: () => Promise<boolean>;
  /** Fallback recheck, default {@link ORDERED_RECHECK_MS}. */
  recheckMs?: number;
};

/**
 * Parks an ordered packet behind its predecessor: names its job under the wake-up key, moves it
 * to `delayed` without using an attempt, and then reads the destination once more, promoting
 * itself if the predecessor landed in between (so a wake-up is never missed).
 *
 * @param parameters the job and its token, Redis, the slot, the recheck
 * @returns never: throws BullMQ's `DelayedError`, which the processor must rethrow
 */
export async function parkBehindPredecessor(parameters: ParkBehindPredecessorParameters): Promise<never> {
  const { job, redis, prefix, slot } = parameters;
  await redis.set(orderedWakeKey(prefix, slot), String(job.id), "EX", WAKE_KEY_TTL_SECONDS);
  await job.moveToDelayed(Date.now() + (parameters.recheckMs ?? ORDERED_RECHECK_MS), parameters.token);
  if (await parameters.deliverable().catch(() => false)) await job.promote().catch(() => undefined);
  throw new DelayedError();
}

/** Parameters of {@link wakeSuccessor}. */
export type WakeSuccessorParameters = {
  queue: Pick<Queue, "getJob">;
  redis: RedisClient;
  prefix: string;
  /** The slot just applied; its successor (nonce + 1) is woken. */
  slot: OrderedSlot;
};

/**
 * Wakes the packet parked behind `slot`, if any: promotes its delayed job to waiting.
 *
 * @param parameters the delivery queue, Redis, the slot just applied
 * @returns whether a parked job was woken
 */
export async function wakeSuccessor(parameters: WakeSuccessorParameters): Promise<boolean> {
  const { redis, prefix } = parameters;
  const key = orderedWakeKey(prefix, { route: parameters.slot.route, nonce: parameters.slot.nonce + 1n });
  const jobId = await redis.get(key);
  if (jobId === null) return false;
  await redis.del(key);
  const job = await parameters.queue.getJob(jobId);
  if (job === undefined || !(await job.isDelayed())) return false;
  // Another process may promote it first; that is the same outcome.
  return job.promote().then(
    () => true,
    () => false,
  );
}
