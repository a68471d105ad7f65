import { BaseError } from "./BaseError.js";

/**
 * Whether an operation that threw `error` may succeed if retried unchanged. The first
 * crossmargin {@link BaseError} on the `cause` chain decides; errors crossmargin does not know
 * (network failures, RPC timeouts) count as retryable.
 *
 * @param error anything thrown
 * @returns `false` only for a {@link NonRetryableError} (or one wrapped as a cause)
 * @example
 * if (!isRetryable(error)) throw new UnrecoverableError(error.message);
 */
export function isRetryable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 32 && current !== undefined && current !== null; depth++) {
    if (current instanceof BaseError) return current.retryable;
    if (typeof current !== "object" || !("cause" in current)) break;
    current = current.cause;
  }
  return true;
}
