import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import type { AttestJobData, DeliverJobData } from "../types.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Parameters of {@link guardProcessor}. */
export type GuardProcessorParameters<D extends AttestJobData | DeliverJobData, R> = {
  /** The queue the processor serves (the `queue` of its events). */
  queue: string;
  /** The processor; `token` is the job's lock token (to park it with `moveToDelayed`). */
  process: (job: Job<D>, token?: string) => Promise<R>;
  /** Files a job in the dead-letter queue (`deadLetterJob`). */
  deadLetter: (queue: string, job: Job<D>, error: unknown) => Promise<void>;
  observer: RelayerObserver;
};

/**
 * Wraps a processor: a non-retryable error sends the job to the dead-letter queue and stops its
 * retries (BullMQ `UnrecoverableError`); a retryable one emits `attemptFailed` and is rethrown,
 * so BullMQ retries after a backoff. BullMQ's `DelayedError` (a job the processor parked) passes
 * through untouched: it is not a failure.
 *
 * @param parameters queue, processor, dead-letter step, observer
 * @returns the guarded processor
 */
export function guardProcessor<D extends AttestJobData | DeliverJobData, R>(
  parameters: GuardProcessorParameters<D, R>,
): (job: Job<D>, token?: string) => Promise<R> {
  const { queue, observer } = parameters;
  return async (job, token) => {
    try {
      return await parameters.process(job, token);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      if (!isRetryable(error)) {
        await parameters.deadLetter(queue, job, error);
        throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      }
      observer.emit({
        type: "attemptFailed",
        queue,
        jobId: job.id,
        attempt: job.attemptsMade + 1,
        reason: error instanceof Error ? error.name : "Error",
        error: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error),
      });
      throw error;
    }
  };
}
