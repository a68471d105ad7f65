import { DemoStepTimeoutError } from "./errors.js";

/** Parameters of {@link awaitStep}. */
export type AwaitStepParameters<T> = {
  /** The step, named in the timeout error (e.g. `liquidation: SEIZE delivered on 31338`). */
  step: string;
  /** What is awaited, in words (named in the timeout error). */
  awaited: string;
  /** Reads the current value; a throw counts as "not yet". */
  read: () => Promise<T>;
  /** Whether the value is the one awaited. */
  done: (value: T) => boolean;
  /** Describes a value for the timeout error (default: JSON). */
  describe?: (value: T) => string;
  timeoutMs: number;
  intervalMs: number;
};

/**
 * Polls until `done` accepts what `read` returns, or gives up with an error naming the step and
 * what it waited for.
 *
 * @param parameters step, what is awaited, read, done, timeout and interval
 * @returns the accepted value
 * @throws {DemoStepTimeoutError} after `timeoutMs`, with the last value or error
 * @example
 * const [balance] = await awaitStep({ step: "credit", awaited: "seq 3", read, done: ([, seq]) => seq >= 3n, timeoutMs: 60_000, intervalMs: 100 });
 */
export async function awaitStep<T>(parameters: AwaitStepParameters<T>): Promise<T> {
  const deadline = Date.now() + parameters.timeoutMs;
  let last = "nothing yet";
  for (;;) {
    try {
      const value = await parameters.read();
      if (parameters.done(value)) return value;
      last = parameters.describe?.(value) ?? json(value);
    } catch (error) {
      last = error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);
    }
    if (Date.now() >= deadline) {
      throw new DemoStepTimeoutError(parameters.step, parameters.awaited, parameters.timeoutMs, last);
    }
    await new Promise((resolve) => setTimeout(resolve, parameters.intervalMs));
  }
}

function json(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).slice(0, 500);
}
