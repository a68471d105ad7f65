import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PONDER_BIN = fileURLToPath(
  new URL("../../node_modules/ponder/dist/esm/bin/ponder.js", import.meta.url),
);
const OUTPUT_TAIL = Number(process.env.BENCH_PONDER_OUTPUT_TAIL ?? 8_000);

/** Parameters of {@link startPonder}. */
export type StartPonderParameters = {
  /** Ponder project root, relative to the repository root (`indexer`). */
  root: string;
  /** Config file relative to `root` (`../ponder.config.ts`). */
  config: string;
  /** Database schema of this run. */
  schema: string;
  port: number;
  /** Variables added to this process's environment (`CROSSMARGIN_CONFIG`, `DATABASE_URL`, …). */
  env: Record<string, string>;
  /** Variables removed from the inherited environment (e.g. `DATABASE_URL` for a PGlite run). */
  unsetEnv?: readonly string[];
  /** Extra arguments for `node` itself (e.g. `--cpu-prof`, `--cpu-prof-dir=…`). */
  nodeArgs?: readonly string[];
  /** Give up waiting for readiness after this long (default 15 minutes). */
  readyTimeoutMs?: number;
};

/** When a Ponder run got where, in milliseconds. */
export type PonderTimings = {
  /** Spawn → `/ready` answers 200 (build, start-up, backfill, index creation). */
  readyMs: number;
  /** Ponder's own "Completed backfill indexing across all chains" duration: RPC fetch + handlers + flushes. */
  backfillMs: number;
  /** Ponder's "Created database indexes" duration (the schema's indexes, built after the backfill). */
  indexesMs: number;
  /** Spawn → start of the backfill (build, database and sync set-up). */
  startupMs: number;
};

/** A running `ponder start`. */
export type StartPonderReturnType = {
  /** `http://127.0.0.1:<port>`, the port Ponder actually bound (it moves on when the one asked for is taken). */
  readonly url: string;
  pid: number;
  /** Resolves once `/ready` answers 200; rejects if the process exits or errors first. */
  ready: Promise<PonderTimings>;
  /** The Prometheus text of `/metrics`. */
  metrics: () => Promise<string>;
  /** Milliseconds since Ponder logged "Started backfill indexing" (NaN before). */
  backfillElapsedMs: () => number;
  /** The last lines Ponder printed (JSON logs). */
  output: () => string;
  /**
   * The indexer's VACUUM (ANALYZE) after the backfill (`indexer/lib/vacuumAfterBackfill.ts`, on
   * Postgres): how long it took and over how many tables once logged, its warning if it failed,
   * `undefined` before either (and always for the bare project, which has no such step).
   */
  maintenance: () => { durationMs: number; tables: number } | { failed: string } | undefined;
  /** SIGTERM to the process group, SIGKILL after 10 s; resolves once it has exited. */
  stop: () => Promise<void>;
};

type PonderLog = {
  level?: number;
  msg?: string;
  duration?: number;
  endpoint?: string;
  port?: number;
  table_count?: number;
  error?: { message?: string };
};

const VACUUMED = "Vacuumed and analyzed the indexer's tables after the backfill";
const VACUUM_FAILED = "Could not vacuum and analyze the indexer's tables after the backfill";

/**
 * Spawns `ponder start --root . --config <config> --schema <schema> --port <port>` in `<root>`
 * (as `--root <root>`, but Ponder's GraphQL schema file lands in `<root>/generated`) with JSON
 * logs, in its own process group, and times it from the log lines Ponder writes: the backfill
 * duration it reports ("Completed backfill indexing across all chains"), the index creation after
 * it, and the moment `/ready` starts answering 200 (confirmed with a request).
 *
 * @param parameters project, schema, port and environment
 * @returns the running process, its readiness with timings, metrics and `stop`
 * @example
 * const ponder = startPonder({ root: "indexer", config: "../ponder.config.ts", schema: "bench", port: 42070, env });
 * const timings = await ponder.ready;
 * await ponder.stop();
 */
export function startPonder(parameters: StartPonderParameters): StartPonderReturnType {
  let url = `http://127.0.0.1:${parameters.port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, ...parameters.env };
  for (const name of parameters.unsetEnv ?? []) delete env[name];
  // From the root with `--root .`: the GraphQL middleware writes `<cwd>/generated/schema.graphql`.
  const args = [
    ...(parameters.nodeArgs ?? []),
    PONDER_BIN,
    "start",
    "--root",
    ".",
    "--config",
    parameters.config,
  ];
  args.push("--schema", parameters.schema, "--port", String(parameters.port), "--log-format", "json");
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: join(REPO, parameters.root),
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });

  let output = "";
  let backfillStartedAt: number | undefined;
  let backfillMs: number | undefined;
  let indexesMs = 0;
  let maintenance: ReturnType<StartPonderReturnType["maintenance"]>;
  let resolveReady: (timings: PonderTimings) => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<PonderTimings>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const fail = (why: string) =>
    rejectReady(new Error(`ponder (${parameters.root}): ${why}\n${output.slice(-OUTPUT_TAIL)}`));

  const onLog = (log: PonderLog) => {
    const now = performance.now();
    if (log.msg === "Started backfill indexing") backfillStartedAt ??= now;
    // Ponder moves to the next port when the one asked for is taken.
    if (log.msg === "Created HTTP server" && log.port !== undefined) url = `http://127.0.0.1:${log.port}`;
    if (log.msg === "Completed backfill indexing across all chains") {
      backfillMs = log.duration ?? now - (backfillStartedAt ?? spawnedAt);
      backfillStartedAt ??= now - backfillMs;
    }
    if (log.msg === "Created database indexes") indexesMs = log.duration ?? 0;
    if (log.msg === VACUUMED)
      maintenance = { durationMs: log.duration ?? Number.NaN, tables: log.table_count ?? 0 };
    if (log.msg?.startsWith(VACUUM_FAILED)) maintenance = { failed: log.error?.message ?? log.msg };
    if (log.msg === "Started returning 200 responses" && log.endpoint === "/ready") {
      const readyMs = now - spawnedAt;
      void confirmReady(url).then(
        () =>
          resolveReady({
            readyMs,
            backfillMs: backfillMs ?? Number.NaN,
            indexesMs,
            startupMs: (backfillStartedAt ?? now) - spawnedAt,
          }),
        (error: unknown) => fail(`logged readiness but /ready did not answer 200: ${String(error)}`),
      );
    }
    if ((log.level ?? 0) >= 50) fail(`logged an error: ${log.msg ?? ""} ${log.error?.message ?? ""}`);
  };
  collectLines(child, (line) => {
    output = `${output}${line}\n`.slice(-OUTPUT_TAIL);
    const log = parseLog(line);
    if (log !== undefined) onLog(log);
  });
  void exited.then(() =>
    fail(`exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`),
  );
  const timeout = setTimeout(() => fail("not ready in time"), parameters.readyTimeoutMs ?? 15 * 60_000);
  void ready.then(
    () => clearTimeout(timeout),
    () => clearTimeout(timeout),
  );

  return {
    get url() {
      return url;
    },
    pid: child.pid ?? -1,
    ready,
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    backfillElapsedMs: () =>
      backfillStartedAt === undefined ? Number.NaN : performance.now() - backfillStartedAt,
    output: () => output,
    maintenance: () => maintenance,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, "SIGTERM");
      const killer = setTimeout(() => signalGroup(child, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

async function confirmReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${url}/ready`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url}/ready never answered 200`);
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
    return typeof value === "object" && value !== null ? (value as PonderLog) : undefined; // pino JSON line
  } catch {
    return undefined;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // the group this function spawned (detached: own group)
  } catch {
    // already gone
  }
}
