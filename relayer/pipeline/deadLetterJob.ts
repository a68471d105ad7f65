import type { Job, Queue } from "bullmq";
import type { RedisClient } from "../createRedisClient.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData } from "../types.js";
import { buildDeadLetter } from "./buildDeadLetter.js";
import type { RelayerObserver } from "./relayerObserver.js";
import { releaseClaims } from "./releaseClaims.js";

/** Parameters of {@link deadLetterJob}. */
export type DeadLetterJobParameters = {
  deadLetters: Pick<Queue<DeadLetterJobData>, "add">;
  /** Redis and key prefix, to free a failed batch's leaf claims. */
  redis: RedisClient;
  prefix: string;
  observer: RelayerObserver;
  /** The failed job's queue. */
  queue: string;
  job: Job<AttestJobData | DeliverJobData>;
  error: unknown;
};

/**
 * Files a job that failed for good in the dead-letter queue with its reason, frees a batch's
 * leaves at once (the next round re-batches them from fresh state) and emits `deadLettered`.
 *
 * @param parameters the dead-letter queue, Redis, observer, and the job with its error
 */
export async function deadLetterJob(parameters: DeadLetterJobParameters): Promise<void> {
  const { queue, job, observer } = parameters;
  const letter = buildDeadLetter(queue, job, parameters.error);
  await parameters.deadLetters.add(letter.reason, letter, {
    jobId: `${queue}-${job.id}`,
    removeOnComplete: true,
  });
  if (job.data.claim.kind === "balance_batch")
    await releaseClaims(parameters.redis, parameters.prefix, job.data.claim);
  observer.emit({
    type: "deadLettered",
    queue,
    jobId: job.id,
    reason: letter.reason,
    message: letter.message,
  });
}
