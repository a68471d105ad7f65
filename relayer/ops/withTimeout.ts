import { RetryableError } from "../../shared/errors/BaseError.js";

/** An operation did not finish within its time limit. */
export class TimeoutError extends RetryableError {
  override name = "TimeoutError";

  /**
   * @param what the operation, e.g. "reading queue depths"
   * @param timeoutMs the limit
   */
  constructor(what: string, timeoutMs: number) {
    super(`Timed out after ${timeoutMs} ms ${what}.`);
  }
}

/**
 * Races a promise against a timer (the timer is cleared either way; the promise itself is not
 * cancelled).
 *
 * @param promise the operation
 * @param timeoutMs how long to wait
 * @param what what the operation does, for the error message
 * @returns the promise's value
 * @throws {TimeoutError} when the time runs out first
 */
export async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
