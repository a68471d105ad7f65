const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
]);

/**
 * Whether an error says the Redis connection is down (refused, reset, unreachable, closed), as
 * opposed to a failure of the work itself. ioredis and BullMQ report such errors on every retry.
 *
 * @param error what a connection, queue or worker emitted
 * @returns true for a lost or refused connection
 */
export function isConnectionError(error: Error & { code?: unknown }): boolean {
  if (typeof error.code === "string" && CONNECTION_CODES.has(error.code)) return true;
  return /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)\b|Connection is closed/.test(
    error.message,
  );
}
