import type { Job, JobsOptions } from "bullmq";
import type { Config } from "../../shared/config/schema.js";
import { ATTEST_QUEUE, DEAD_LETTER_QUEUE, RECONCILE_QUEUE } from "../jobIds.js";
import type { DeadLetterJobData } from "../types.js";
import {
  AmbiguousJobError,
  InvalidParameterError,
  JobNotFoundError,
  JobNotRetryableError,
  MalformedDeadLetterError,
} from "./errors.js";
import { openRelayerQueues, type RedisConnection, type RelayerQueues } from "./openRelayerQueues.js";
import { readDeadLetter } from "./readDeadLetter.js";

/** Parameters of {@link retryJob}. */
export type RetryJobParameters = {
  /** The parsed config (chains, `relayer.queuePrefix`, `redisUrl`, `redisCluster`). */
  config: Pick<Config, "chains" | "relayer" | "redisUrl"> & Partial<Pick<Config, "redisCluster">>;
  /** Redis to use (default `config.redisUrl`). */
  connection?: RedisConnection | undefined;
  /** The job id: a failed job's id, a dead letter's id, or the original job id a dead letter holds. */
  jobId: string;
  /** Only retry in this queue (needed when the id is retryable in several). */
  queue?: string | undefined;
  /**
   * Options of a job re-queued from a dead letter when no failed copy of it is left to take
   * them from (attempts, backoff, …); the job id is always the original one.
   */
  jobOptions?: Omit<JobsOptions, "jobId"> | undefined;
  /** Time limit of the Redis connection attempt (default 5 s). */
  timeoutMs?: number | undefined;
};

/** What {@link retryJob} did. */
export type RetryJobReturnType = {
  /** The queue the job is in again. */
  queue: string;
  /** Its state there now (`waiting`, `delayed`, `prioritized`, or `active` if a worker was quick). */
  state: string;
  /** Whether a failed job was retried in place or a dead letter was re-queued. */
  from: "failed" | "dead-letter";
};

/** A job of the id in one queue, with its state. */
type Hit = { queue: string; job: Job; state: string };

/**
 * Retries one job of the relayer by id, searching every relayer queue:
 * - a failed job → `job.retry()` with its attempt counters reset;
 * - a dead letter (found by its own id or by the original job id it holds) → its original data is
 *   added again to its original queue under the original job id (a leftover failed job of that id
 *   is removed first, and lends its name and options), then the dead letter is removed;
 * - a waiting, active, delayed or completed job → {@link JobNotRetryableError} naming the state.
 *
 * @param parameters config, Redis, job id, optional queue
 * @returns the queue the job is in now and its state
 * @throws {JobNotFoundError} when no queue holds the id, naming the queues searched
 * @throws {JobNotRetryableError} when the job exists but has not failed
 * @throws {AmbiguousJobError} when the id can be retried in several queues and `queue` is not given
 * @example
 * const { queue, state } = await retryJob({ config, jobId: "packet-0xab…" });
 */
export async function retryJob(parameters: RetryJobParameters): Promise<RetryJobReturnType> {
  const { jobId } = parameters;
  if (typeof jobId !== "string" || jobId.trim() === "")
    throw new InvalidParameterError("jobId", "a non-empty job id", jobId);
  const relayer = await openRelayerQueues(parameters);
  try {
    if (parameters.queue !== undefined && !relayer.queues.has(parameters.queue))
      throw new InvalidParameterError("queue", `one of ${relayer.names.join(", ")}`, parameters.queue);
    const hits = await findJobs(relayer, jobId);
    const deadLetters = await findDeadLetters(relayer, jobId);
    const target = (queue: string) => parameters.queue === undefined || parameters.queue === queue;
    const failed = hits.filter((hit) => hit.state === "failed" && target(hit.queue));
    const dead = deadLetters.filter(
      (letter) => target(letter.data.queue ?? "") || parameters.queue === DEAD_LETTER_QUEUE,
    );
    const queues = [...new Set([...failed.map((f) => f.queue), ...dead.map((d) => d.data.queue ?? "?")])];
    if (queues.length > 1) throw new AmbiguousJobError(jobId, queues);
    if (dead.length > 0) return await requeueDeadLetter(relayer, dead, parameters.jobOptions);
    const [hit] = failed;
    if (hit !== undefined) {
      await hit.job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return { queue: hit.queue, state: await hit.job.getState(), from: "failed" };
    }
    const found = hits.filter((h) => target(h.queue));
    if (found.length > 0) throw new JobNotRetryableError(jobId, found);
    throw new JobNotFoundError(jobId, relayer.prefix, relayer.names);
  } finally {
    await relayer.close();
  }
}

async function findJobs(relayer: RelayerQueues, jobId: string): Promise<Hit[]> {
  const found = await Promise.all(
    relayer.names
      .filter((name) => name !== DEAD_LETTER_QUEUE)
      .map(async (name) => {
        const job = await relayer.queues.get(name)!.getJob(jobId);
        return job === undefined ? undefined : { queue: name, job, state: await job.getState() };
      }),
  );
  return found.filter((hit) => hit !== undefined);
}

/** A dead letter and whatever of its data could be read. */
type DeadLetter = { job: Job; data: Partial<DeadLetterJobData> };

/** States a dead letter may be in (normally `waiting`: nothing consumes the queue). */
const DEAD_LETTER_STATES = ["waiting", "prioritized", "delayed", "active", "completed", "failed"] as const;
const PAGE = 500;

async function findDeadLetters(relayer: RelayerQueues, jobId: string): Promise<DeadLetter[]> {
  const queue = relayer.queues.get(DEAD_LETTER_QUEUE)!;
  const matches = new Map<string, DeadLetter>();
  const direct = await queue.getJob(jobId);
  if (direct?.id !== undefined)
    matches.set(direct.id, { job: direct, data: readDeadLetter(direct.data).data });
  for (const state of DEAD_LETTER_STATES) {
    for (let start = 0; ; start += PAGE) {
      const page = (await queue.getJobs([state], start, start + PAGE - 1, false)).filter(
        (job): job is Job => job !== undefined && job !== null,
      );
      for (const job of page) {
        const data = readDeadLetter(job.data).data;
        if (data.jobId === jobId && job.id !== undefined) matches.set(job.id, { job, data });
      }
      if (page.length < PAGE) break;
    }
  }
  // Newest first: if a job was dead-lettered twice, the latest letter is the one re-queued.
  return [...matches.values()].sort((a, b) => (b.data.failedAt ?? 0) - (a.data.failedAt ?? 0));
}

async function requeueDeadLetter(
  relayer: RelayerQueues,
  letters: readonly DeadLetter[],
  jobOptions: RetryJobParameters["jobOptions"],
): Promise<RetryJobReturnType> {
  const newest = letters[0]!;
  const read = readDeadLetter(newest.job.data);
  const letterId = newest.job.id ?? "?";
  if (!read.ok) throw new MalformedDeadLetterError(letterId, read.problem);
  const { queue: queueName, jobId, data } = read.data;
  const queue = relayer.queues.get(queueName);
  if (queue === undefined || queueName === DEAD_LETTER_QUEUE)
    throw new MalformedDeadLetterError(
      letterId,
      `its original queue ${JSON.stringify(queueName)} is not one of ${relayer.names.filter((n) => n !== DEAD_LETTER_QUEUE).join(", ")}`,
    );
  const leftover = await queue.getJob(jobId);
  if (leftover !== undefined) {
    const state = await leftover.getState();
    if (state !== "failed")
      throw new JobNotRetryableError(
        jobId,
        [{ queue: queueName, state }],
        `It also has a dead letter (${letterId}), left in place; remove it from Bull Board if the job is done.`,
      );
    await leftover.remove();
  }
  await queue.add(leftover?.name ?? defaultJobName(queueName), data, {
    ...optionsOf(leftover),
    ...jobOptions,
    jobId,
  });
  for (const letter of letters) await letter.job.remove();
  return { queue: queueName, state: await queue.getJobState(jobId), from: "dead-letter" };
}

/** The options worth carrying over from a failed job to its re-queued copy. */
function optionsOf(job: Job | undefined): JobsOptions {
  if (job === undefined) return {};
  const { attempts, backoff, removeOnComplete, removeOnFail, priority } = job.opts;
  const options: JobsOptions = {};
  if (attempts !== undefined) options.attempts = attempts;
  if (backoff !== undefined) options.backoff = backoff;
  if (removeOnComplete !== undefined) options.removeOnComplete = removeOnComplete;
  if (removeOnFail !== undefined) options.removeOnFail = removeOnFail;
  if (priority !== undefined && priority > 0) options.priority = priority;
  return options;
}

/** Job name used when no failed copy is left to take it from: the queue's kind. */
function defaultJobName(queue: string): string {
  if (queue === ATTEST_QUEUE || queue === RECONCILE_QUEUE) return queue;
  return "deliver";
}
