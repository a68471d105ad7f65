import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

/** Return type of {@link spawnGroup}: the child and ways to end its process group. */
export type SpawnGroupReturnType = {
  child: ChildProcess;
  /** Resolves once the child has exited (or failed to spawn). */
  exited: Promise<void>;
  /** Sends `signal` to the child's whole process group (no-op once it has exited). */
  signal: (signal: NodeJS.Signals) => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
  stop: (graceMs: number) => Promise<void>;
  /** SIGKILL now; resolves once the child has exited. */
  kill: () => Promise<void>;
};

/**
 * Spawns a child as the leader of a process group of its own (`detached`), so a Ctrl-C in the
 * terminal reaches only this process, which then stops the child in order. The whole group is
 * SIGKILLed if this process exits first (by any path, `process.exit` included), and once the
 * leader exits, anything it left in its group (e.g. Ponder's esbuild service) is killed too.
 *
 * @param command the executable
 * @param args its arguments
 * @param options spawn options (`detached` is always set)
 * @returns the child, `exited`, `signal`, `stop` and `kill`
 * @example
 * const anvil = spawnGroup("anvil", ["--port", "8545"], { stdio: "ignore" });
 * await anvil.stop(5_000);
 */
export function spawnGroup(command: string, args: string[], options: SpawnOptions): SpawnGroupReturnType {
  const child = spawn(command, args, { ...options, detached: true });
  let done = false;
  const signal = (signal: NodeJS.Signals) => {
    if (!done) signalGroup(child, signal);
  };
  const killOnExit = () => signalGroup(child, "SIGKILL");
  process.on("exit", killOnExit);
  const exited = new Promise<void>((resolve) => {
    const end = () => {
      if (done) return;
      done = true;
      // The leader is gone: sweep what it left in its group, then the exit hook is not needed.
      signalGroup(child, "SIGKILL");
      process.off("exit", killOnExit);
      resolve();
    };
    child.once("exit", end);
    child.once("error", () => {
      if (child.pid === undefined) end(); // never started
    });
  });
  const stop = async (graceMs: number) => {
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    signal("SIGKILL");
    await exited;
  };
  return { child, exited, signal, stop, kill };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone.
  }
}
