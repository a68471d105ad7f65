import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PONDER_BIN = fileURLToPath(
  new URL("../../node_modules/ponder/dist/esm/bin/ponder.js", import.meta.url),
);
/** Characters of Ponder's output kept for error messages. */
const OUTPUT_TAIL = 8_000;

/** Parameters of {@link startPonder}. */
export type StartPonderParameters = {
  /** Ponder project root, relative to the repository root (`indexer`). */
  root: string;
  /** Config file relative to `root` (`../ponder.config.ts`). */
  config: string;
  /** Database schema of this run. */
  schema: string;
  port: number;
  /** The environment of the Ponder process. */
  env: NodeJS.ProcessEnv;
  /** Give up waiting for `/ready` after this long. */
  readyTimeoutMs: number;
};

/** One line of Ponder's JSON log (the fields used here). */
export type PonderLog = {
  level?: number;
  msg?: string;
  duration?: number;
  chain_id?: number;
  number?: number;
  event_count?: number;
  port?: number;
  endpoint?: string;
  error?: { message?: string };
};

/** A running `ponder start`. */
export type StartPonderReturnType = {
  readonly url: string;
  /** Resolves with Ponder's backfill duration ("Completed backfill indexing across all chains", ms) once `/ready` answers 200. */
  ready: Promise<number>;
  /** Milliseconds since Ponder logged "Started backfill indexing" (NaN before). */
  backfillElapsedMs: () => number;
  /** Calls `listener` with every log line from now on, and its arrival (`performance.now()`); returns the unsubscribe. */
  onLog: (listener: (log: PonderLog, at: number) => void) => () => void;
  /** SIGTERM to the process group, SIGKILL after 10 s; resolves once it has exited. */
  stop: () => Promise<void>;
};

/**
 * Spawns `ponder start` for a project with JSON logs, in its own process group, from the
 * project's root (where Ponder writes its generated GraphQL schema).
 *
 * @param parameters project, schema, port and environment
 * @returns the running process, its readiness, its log lines and `stop`
 * @example
 * const ponder = startPonder({ root: "indexer", config: "../ponder.config.ts", schema, port, env, readyTimeoutMs });
 * const backfillMs = await ponder.ready;
 */
export function startPonder(parameters: StartPonderParameters): StartPonderReturnType {
  let url = `http://127.0.0.1:${parameters.port}`;
  const args = [
    PONDER_BIN,
    "start",
    "--root",
    ".",
    "--config",
    parameters.config,
    "--schema",
    parameters.schema,
  ];
  args.push("--port", String(parameters.port), "--log-format", "json");
  const child = spawn(process.execPath, args, {
    cwd: join(REPO, parameters.root),
    env: parameters.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let backfillStartedAt: number | undefined;
  let backfillMs = Number.NaN;
  const listeners = new Set<(log: PonderLog, at: number) => void>();
  let settle: { resolve: (ms: number) => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const fail = (why: string) => settle?.reject(new Error(`ponder (${parameters.root}): ${why}\n${output}`));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() =>
    fail(`exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`),
  );
  const timeout = setTimeout(() => fail("not ready in time"), parameters.readyTimeoutMs);
  void ready.then(
    () => clearTimeout(timeout),
    () => clearTimeout(timeout),
  );

  collectLines(child, (line) => {
    output = `${output}${line}\n`.slice(-OUTPUT_TAIL);
    const log = parseLog(line);
    if (log === undefined) return;
    const at = performance.now();
    if (log.msg === "Started backfill indexing") backfillStartedAt ??= at;
    // Ponder moves to the next port when the one asked for is taken.
    if (log.msg === "Created HTTP server" && log.port !== undefined) url = `http://127.0.0.1:${log.port}`;
    if (log.msg === "Completed backfill indexing across all chains") backfillMs = log.duration ?? Number.NaN;
    if (log.msg === "Started returning 200 responses" && log.endpoint === "/ready")
      void fetch(`${url}/ready`).then(
        (response) =>
          response.ok ? settle?.resolve(backfillMs) : fail(`/ready answered ${response.status}`),
        (error: unknown) => fail(`/ready: ${String(error)}`),
      );
    if ((log.level ?? 0) >= 50) fail(`logged an error: ${log.msg ?? ""} ${log.error?.message ?? ""}`);
    for (const listener of listeners) listener(log, at);
  });

  return {
    get url() {
      return url;
    },
    ready,
    backfillElapsedMs: () =>
      backfillStartedAt === undefined ? Number.NaN : performance.now() - backfillStartedAt,
    onLog: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, "SIGTERM");
      const killer = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

function collectLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = "";
    stream?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") onLine(line);
    });
  }
}

function parseLog(line: string): PonderLog | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null ? (value as PonderLog) : undefined; // a pino JSON line
  } catch {
    return undefined;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the group this function spawned (detached: its own)
  } catch {
    // already gone
  }
}
