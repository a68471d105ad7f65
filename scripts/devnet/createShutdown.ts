/** Parameters of {@link createShutdown}. */
export type CreateShutdownParameters = {
  /** Stops everything in order (services in reverse, then the chains). */
  stop: () => Promise<void>;
  /** SIGKILLs every child process that is left and resolves once they are gone. */
  kill: () => Promise<void>;
  /** Ends the process (`process.exit`); called once, after `stop` or `kill` has finished. */
  exit: (code: number) => void;
  log: (message: string) => void;
  /** Signals this soon after the first are copies of it (default 1 s). */
  copyWindowMs?: number;
  /** A stop taking longer than this kills what is left (default 30 s). */
  graceMs?: number;
};

/** Return type of {@link createShutdown}. */
export type CreateShutdownReturnType = {
  /** Stops everything and exits with `code`; later calls do nothing. */
  shutdown: (code: number, reason: string) => Promise<void>;
  /** Handles SIGINT / SIGTERM: the first one stops, a later one hurries (never exits early). */
  onSignal: (name: string) => void;
  /** Whether the stop has begun. */
  stopping: () => boolean;
};

/**
 * The devnet's stop policy. The first signal (or `shutdown` call) stops everything in order,
 * then exits. npm, tsx and `crossmargin dev` pass a terminal's Ctrl-C on to their child, which
 * the terminal also signals, so one press can arrive two or three times within milliseconds:
 * signals within `copyWindowMs` of the first are ignored. A later signal (the user pressing
 * Ctrl-C again), or a stop running past `graceMs`, SIGKILLs what is left instead of waiting. In
 * every case the process exits only after its children are gone.
 *
 * @param params how to stop, kill and exit, and the two time limits
 * @returns `shutdown`, `onSignal` and `stopping`
 * @example
 * const { onSignal } = createShutdown({ stop, kill, exit: (code) => process.exit(code), log });
 * process.on("SIGINT", () => onSignal("Ctrl-C"));
 */
export function createShutdown(params: CreateShutdownParameters): CreateShutdownReturnType {
  const copyWindowMs = params.copyWindowMs ?? 1_000;
  const graceMs = params.graceMs ?? 30_000;
  let since: number | undefined;
  let hurry = () => {};

  const shutdown = async (code: number, reason: string) => {
    if (since !== undefined) return;
    since = Date.now();
    params.log(`${reason}; stopping…`);
    const hurried = new Promise<"hurried">((resolve) => {
      hurry = () => resolve("hurried");
      setTimeout(hurry, graceMs).unref();
    });
    const stopped = params
      .stop()
      .catch((error: unknown) => params.log(`stopping failed: ${String(error)}`))
      .then(() => "stopped" as const);
    if ((await Promise.race([stopped, hurried])) === "hurried") {
      params.log("killing what is left…");
      await params.kill();
    }
    params.log("stopped.");
    params.exit(code);
  };

  const onSignal = (name: string) => {
    if (since === undefined) {
      void shutdown(0, name);
      return;
    }
    if (Date.now() - since < copyWindowMs) return; // the same Ctrl-C, passed on
    hurry();
  };

  return { shutdown, onSignal, stopping: () => since !== undefined };
}
