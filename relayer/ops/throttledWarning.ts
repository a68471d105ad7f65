import type { Logger } from "pino";

/** Parameters of {@link throttledWarning}. */
export type ThrottledWarningParameters = {
  /** The log line's `at` field. */
  at: string;
  message: string;
  /** At most one line per this many ms. Default 10,000. */
  everyMs?: number | undefined;
  /** The clock (tests). Default `Date.now`. */
  now?: (() => number) | undefined;
};

/**
 * An `error` listener for connections that report every failed retry (ioredis, BullMQ queues
 * while Redis is down): logs the first error at once, then at most one warning per `everyMs`,
 * with how many errors it left out in between.
 *
 * @param logger where the warnings go
 * @param parameters the line's `at` and message, the interval, the clock
 * @returns the listener
 * @example
 * redis.on("error", throttledWarning(logger, { at: "relayer.redis", message: "Redis unavailable; retrying" }));
 */
export function throttledWarning(
  logger: Pick<Logger, "warn">,
  parameters: ThrottledWarningParameters,
): (error: Error) => void {
  const { at, message } = parameters;
  const everyMs = parameters.everyMs ?? 10_000;
  const now = parameters.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const t = now();
    if (t - last < everyMs) {
      suppressed++;
      return;
    }
    logger.warn({ at, err: error.message, suppressed }, message);
    last = t;
    suppressed = 0;
  };
}
