import { NonRetryableError } from "../../shared/errors/BaseError.js";

/** How to get a devnet, printed under every "not running" message. */
export const START_DEVNET_HINT =
  'Start it with `npm run dev` in another terminal, wait for "devnet ready", then run `npm run demo` again.';

/** The devnet (chains, indexer or relayer) the demo needs is not running or not reachable. */
export class DevnetNotRunningError extends NonRetryableError {
  override name = "DevnetNotRunningError";

  /**
   * @param shortMessage what is missing, e.g. "No devnet manifest at .devnet/manifest.json."
   * @param args the cause and extra lines
   */
  constructor(shortMessage: string, args: { cause?: unknown; metaMessages?: string[] } = {}) {
    super(shortMessage, {
      ...args,
      metaMessages: [...(args.metaMessages ?? []), START_DEVNET_HINT],
    });
  }
}

/** A demo step did not see what it waited for in time. */
export class DemoStepTimeoutError extends NonRetryableError {
  override name = "DemoStepTimeoutError";
  /** The step, e.g. `liquidation: SEIZE delivered on 31338`. */
  readonly step: string;
  /** What was awaited, e.g. `the liquidator's USDC balance on 31338 to rise by 4000`. */
  readonly awaited: string;

  /**
   * @param step the step that timed out
   * @param awaited what it waited for
   * @param timeoutMs how long it waited
   * @param last the last value seen (or the last error)
   */
  constructor(step: string, awaited: string, timeoutMs: number, last: string) {
    super(`Step "${step}" timed out after ${(timeoutMs / 1000).toFixed(0)} s.`, {
      metaMessages: [
        `Waited for: ${awaited}`,
        `Last seen: ${last}`,
        "Is the relayer running (see `npm run dev`'s output and .devnet/relayer.log)?",
      ],
    });
    this.step = step;
    this.awaited = awaited;
  }
}

/** A demo step saw something that makes the story impossible (a wrong decision, a missing event). */
export class DemoStepFailedError extends NonRetryableError {
  override name = "DemoStepFailedError";
  /** The step that failed. */
  readonly step: string;

  /**
   * @param step the step that failed
   * @param message what went wrong
   * @param args the cause and extra lines
   */
  constructor(step: string, message: string, args: { cause?: unknown; metaMessages?: string[] } = {}) {
    super(`Step "${step}" failed: ${message}`, args);
    this.step = step;
  }
}
