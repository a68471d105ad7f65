import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import { isConnectionError } from "../ops/isConnectionError.js";
import type { AttestJobData, DeliverJobData } from "../types.js";
import { guardProcessor } from "./guardProcessor.js";
import { cappedBackoff } from "./jobOptions.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Stalls a job may survive (BullMQ's default is 1); reconciliation still revives one beyond it. */
export const MAX_STALLED_COUNT = 1_000;

/** Parameters of {@link startJobWorker}. */
export type StartJobWorkerParameters<D extends AttestJobData | DeliverJobData, R> = {
  queue: string;
  /** The processor (guarded here with `guardProcessor`). */
  process: (job: Job<D>, token?: string) => Promise<R>;
  concurrency: number;
  /** How long a job stays locked without renewal; also how often stalled jobs are looked for (`relayer.lockDurationMs`). */
  lockDurationMs: number;
  connection: ConnectionOptions;
  prefix: string;
  /** Files a job in the dead-letter queue (`deadLetterJob`). */
  deadLetter: (queue: string, job: Job<D>, error: unknown) => Promise<void>;
  observer: RelayerObserver;
  /** Where a lost or refused Redis connection is reported (throttled); other errors are `workerError`s. */
  onConnectionError: (error: Error) => void;
};

/**
 * Starts a BullMQ worker for an `attest` or `deliver-<chainId>` queue: the guarded processor,
 * capped backoff between attempts, `lockDurationMs` before a dead process's jobs are taken over, a dead letter for a job that ran out of attempts, and
 * `workerError` for the worker's own errors.
 *
 * @param parameters queue, processor, concurrency, connection, dead-letter step, observer
 * @returns the running worker (`close()` lets its jobs in progress finish)
 */
export function startJobWorker<D extends AttestJobData | DeliverJobData, R>(
  parameters: StartJobWorkerParameters<D, R>,
): Worker<D, R> {
  const { queue, deadLetter, observer } = parameters;
  const worker = new Worker<D, R>(
    queue,
    guardProcessor({ queue, process: parameters.process, deadLetter, observer }),
    {
      connection: parameters.connection,
      prefix: parameters.prefix,
      concurrency: parameters.concurrency,
      // A dead process's jobs are moved back to waiting within two of these.
      lockDuration: parameters.lockDurationMs,
      stalledInterval: parameters.lockDurationMs,
      // Every job is safe to run again (delivery checks the chain first), so a job whose worker
      // died is resumed however often that happened, instead of failing at BullMQ's second stall.
      maxStalledCount: MAX_STALLED_COUNT,
      settings: { backoffStrategy: cappedBackoff },
    },
  );
  worker.on("failed", (job, error) => {
    if (job === undefined || error instanceof UnrecoverableError || error.name === "UnrecoverableError")
      return;
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) void deadLetter(worker.name, job, error);
  });
  worker.on("error", workerErrorListener(worker.name, observer, parameters.onConnectionError));
  return worker;
}

/**
 * A worker's `error` listener: connection errors (one per worker per retry while Redis is down) go
 * to `onConnectionError`, anything else is a `workerError` event.
 */
export function workerErrorListener(
  queue: string,
  observer: RelayerObserver,
  onConnectionError: (error: Error) => void,
): (error: Error) => void {
  return (error) => {
    if (isConnectionError(error)) onConnectionError(error);
    else observer.emit({ type: "workerError", queue, error: error.message });
  };
}
