import { NonRetryableError, RetryableError } from "../../shared/errors/BaseError.js";

/** Redis did not answer in time (down, wrong URL, wrong credentials). */
export class RedisUnavailableError extends RetryableError {
  override name = "RedisUnavailableError";

  /**
   * @param url the Redis URL tried (password redacted)
   * @param cause what the client reported
   */
  constructor(url: string, cause: unknown) {
    super(`Redis at ${url} did not answer.`, {
      cause,
      metaMessages: [
        "Is redis-server running there? Set REDIS_URL or `redisUrl` in the config to point elsewhere.",
      ],
    });
  }
}

/** An operation on a job id that none of the relayer's queues holds. */
export class JobNotFoundError extends NonRetryableError {
  override name = "JobNotFoundError";

  /**
   * @param jobId the id looked for
   * @param prefix the BullMQ prefix searched
   * @param queues every queue searched
   */
  constructor(jobId: string, prefix: string, queues: readonly string[]) {
    super(`No job ${JSON.stringify(jobId)} in any relayer queue.`, {
      metaMessages: [
        `Searched (prefix ${JSON.stringify(prefix)}): ${queues.join(", ")}, and the original job ids of every dead letter.`,
        "Completed and failed jobs may have been removed (removeOnComplete / removeOnFail); `crossmargin status` lists the dead letters.",
      ],
    });
  }
}

/** A job that exists but is in a state that cannot be retried (waiting, active, completed, …). */
export class JobNotRetryableError extends NonRetryableError {
  override name = "JobNotRetryableError";

  /**
   * @param jobId the job id
   * @param found every queue holding the id, with the job's state there
   * @param hint an extra line for the operator
   */
  constructor(jobId: string, found: ReadonlyArray<{ queue: string; state: string }>, hint?: string) {
    const where = found.map((f) => `${f.state} in ${f.queue}`).join(", ");
    super(`Job ${JSON.stringify(jobId)} is ${where}: nothing to retry.`, {
      metaMessages: [hint ?? "Only a failed job or a dead letter can be retried."],
    });
  }
}

/** A job id held by several failed jobs or dead letters, so the caller must name the queue. */
export class AmbiguousJobError extends NonRetryableError {
  override name = "AmbiguousJobError";

  /**
   * @param jobId the job id
   * @param queues the queues holding a retryable job of that id
   */
  constructor(jobId: string, queues: readonly string[]) {
    super(`Job ${JSON.stringify(jobId)} can be retried in several queues: ${queues.join(", ")}.`, {
      metaMessages: ["Name the queue to retry it in (`queue` parameter, `--queue` on the command line)."],
    });
  }
}

/** A parameter of an ops function had a wrong value. */
export class InvalidParameterError extends NonRetryableError {
  override name = "InvalidParameterError";

  /**
   * @param parameter the parameter's name
   * @param expected what was expected
   * @param got the value received
   */
  constructor(parameter: string, expected: string, got: unknown) {
    super(`Invalid ${parameter}: expected ${expected}, got ${describe(got)}.`);
  }
}

/** A dead letter whose data is not a `DeadLetterJobData` (so it cannot be re-queued). */
export class MalformedDeadLetterError extends NonRetryableError {
  override name = "MalformedDeadLetterError";

  /**
   * @param jobId the dead letter's job id
   * @param problem what is wrong with its data
   */
  constructor(jobId: string, problem: string) {
    super(`Dead letter ${JSON.stringify(jobId)} cannot be re-queued: ${problem}.`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined)
    return String(value);
  return typeof value;
}
