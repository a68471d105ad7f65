/** Parameters of {@link pollUntil}. */
export type PollUntilParameters = {
  /** Give up after this many milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Wait this long between tries (default 200 ms). */
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
};

/** {@link pollUntil} gave up. */
export class PollTimeoutError extends Error {
  override name = "PollTimeoutError";
}

/**
 * Calls `read` until `done` accepts its result (a thrown `read` counts as not done), for waiting
 * on the indexer to catch up with a transaction.
 *
 * @param read produces the current value (e.g. a REST or GraphQL answer)
 * @param done whether the value is the one awaited
 * @param parameters timeout, interval, description
 * @returns the accepted value
 * @throws {PollTimeoutError} after the timeout, with the last value or error
 * @example
 * const margin = await pollUntil(() => getJson(`${url}/accounts/${a}/margin`), (m) => m.collaterals.length === 3);
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  parameters: PollUntilParameters = {},
): Promise<T> {
  const deadline = Date.now() + (parameters.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await read();
      if (done(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const shown =
        last instanceof Error
          ? last.message
          : JSON.stringify(last, (_, v) => (typeof v === "bigint" ? v.toString() : v));
      throw new PollTimeoutError(
        `timed out waiting for ${parameters.what ?? "a condition"}; last: ${shown?.slice(0, 2000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, parameters.intervalMs ?? 200));
  }
}
