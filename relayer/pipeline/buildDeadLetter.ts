import type { Job } from "bullmq";
import { BaseError } from "../../shared/errors/BaseError.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData } from "../types.js";

/**
 * The dead letter of a job that failed for good: the original queue, job id and data, and the
 * reason — a decoded revert name (`reason` on delivery errors), else the error's class name.
 *
 * @param queue the job's queue
 * @param job the job
 * @param error why it failed
 * @returns the dead letter's data
 */
export function buildDeadLetter(
  queue: string,
  job: Job<AttestJobData | DeliverJobData>,
  error: unknown,
): DeadLetterJobData {
  const reason =
    typeof error === "object" && error !== null && "reason" in error && typeof error.reason === "string"
      ? error.reason
      : error instanceof Error
        ? error.name
        : "Error";
  const message =
    error instanceof BaseError ? error.shortMessage : error instanceof Error ? error.message : String(error);
  return { queue, jobId: job.id ?? "", reason, message, data: job.data, failedAt: Date.now() };
}
