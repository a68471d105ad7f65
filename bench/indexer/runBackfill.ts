import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PRETENURING_ENV = "CROSSMARGIN_V8_PRETENURING";

import { createDatabase } from "./createDatabase.js";
import { parseMetrics } from "./parseMetrics.js";
import { prepareBareRoot } from "./prepareBareRoot.js";
import { type PonderTimings, type StartPonderReturnType, startPonder } from "./startPonder.js";

/** Which Ponder project runs: the real indexer or the bare baseline (`bench/ponder-bare`). */
export type BackfillProject = "real" | "bare";

/** Where it stores its tables: a fresh Postgres database, or a fresh PGlite directory. */
export type BackfillDatabase = { kind: "postgres"; adminUrl: string } | { kind: "pglite" };

/** Parameters of {@link runBackfill}. */
export type RunBackfillParameters = {
  project: BackfillProject;
  database: BackfillDatabase;
  /** The devnet manifest (`CROSSMARGIN_CONFIG`). */
  manifestPath: string;
  /** Unique per benchmark run: names the database and schema. */
  runId: string;
  port: number;
  /** Stop waiting for `/ready` after this long and report the partial throughput. */
  budgetMs: number;
  /** Leave the indexer running once ready (the caller stops it with `cleanup`). */
  keepServing?: boolean;
  /** Extra `node` arguments for the Ponder process (profiling). */
  nodeArgs?: readonly string[];
  /** V8's allocation-site pretenuring in the Ponder process (default `off`, as the indexer runs; `indexer/lib/configureV8.ts`). */
  pretenuring?: "on" | "off";
  progress: (line: string) => void;
};

/** Where the handler time went, from Ponder's own metrics. */
export type BackfillProfile = {
  /** Per event name: events handled and mean handler time (ms), slowest first. */
  handlers: { event: string; count: number; meanMs: number }[];
  /** `context.db.sql` queries and their mean time (ms). */
  rawSql: { count: number; meanMs: number };
  /** Store operations by method (find, insert, update, delete). */
  storeOps: Record<string, number>;
  /** Store reads answered by the cache (`hit` / `complete`) or the database (`miss`). */
  cacheRequests: Record<string, number>;
  /** Ponder's historical pipeline steps (ms): `index` = handlers, `load` = flushes to the database, … */
  steps: Record<string, number>;
};

/** The outcome of one backfill. */
export type BackfillRun = {
  project: BackfillProject;
  database: BackfillDatabase["kind"];
  /** V8's allocation-site pretenuring in the Ponder process. */
  pretenuring: "on" | "off";
  /** Reached `/ready` within the budget. */
  finished: boolean;
  /** Events Ponder reports as indexed (all of them when finished). */
  events: number;
  /** Ponder's backfill duration (finished) or the time since the backfill started (budget hit), ms. */
  backfillMs: number;
  eventsPerSecond: number;
  /** Only when finished. */
  timings?: PonderTimings;
  profile: BackfillProfile;
  /** The running indexer (only with `keepServing` when finished). */
  ponder?: StartPonderReturnType;
  /** One SQL value from the run's schema (Postgres only). */
  queryValue?: (sql: string) => Promise<string>;
  schema: string;
  /** Stops the indexer and removes its database or directory. */
  cleanup: () => Promise<void>;
};

const REAL = { root: "indexer", config: "../ponder.config.ts" };
const PROGRESS_EVERY_MS = 5_000;

/**
 * Runs one Ponder project over the devnet's chains from scratch (new database or PGlite
 * directory, empty RPC cache) until `/ready`, printing progress from `/metrics` every few
 * seconds, and reports its throughput and where the time went. A run that does not finish within
 * the budget is stopped and reported with the events it had indexed by then.
 *
 * @param parameters project, database, manifest, names, port, budget
 * @returns the run's figures; `cleanup` must be called
 * @example
 * const run = await runBackfill({ project: "bare", database: { kind: "pglite" }, manifestPath, runId, port, budgetMs, progress });
 * await run.cleanup();
 */
export async function runBackfill(parameters: RunBackfillParameters): Promise<BackfillRun> {
  const { project, database, pretenuring = "off" } = parameters;
  const label = `${project}/${database.kind}${pretenuring === "on" ? " (pretenuring kept)" : ""}`;
  const schema = `${project}_${parameters.runId}`;
  const store = await openStore(parameters, schema);
  const ponder = startPonder({
    ...(project === "real" ? REAL : prepareBareRoot()),
    schema,
    port: parameters.port,
    env: {
      CROSSMARGIN_CONFIG: parameters.manifestPath,
      PONDER_TELEMETRY_DISABLED: "true",
      [PRETENURING_ENV]: pretenuring,
      ...store.env,
    },
    unsetEnv: store.unsetEnv,
    nodeArgs: parameters.nodeArgs,
    readyTimeoutMs: parameters.budgetMs + 60_000,
  });
  ponder.ready.catch(() => {}); // observed by the race below; a late rejection after a budget stop is expected
  const cleanup = async () => {
    await ponder.stop();
    await store.remove();
  };
  const ticker = setInterval(() => {
    void ponder
      .metrics()
      .then((text) => {
        const events = parseMetrics(text).sum("ponder_indexing_completed_events");
        const seconds = ponder.backfillElapsedMs() / 1000;
        if (Number.isFinite(seconds))
          parameters.progress(
            `${label}: ${events.toLocaleString("en-US")} events indexed (${seconds.toFixed(1)} s)`,
          );
      })
      .catch(() => {});
  }, PROGRESS_EVERY_MS);
  try {
    const outcome = await Promise.race([
      ponder.ready.then((timings) => ({ timings })),
      sleep(parameters.budgetMs).then(() => ({ timings: undefined })),
    ]);
    const metrics = parseMetrics(await ponder.metrics());
    const events = metrics.sum("ponder_indexing_completed_events");
    const backfillMs = outcome.timings?.backfillMs ?? ponder.backfillElapsedMs();
    const run: BackfillRun = {
      project,
      database: database.kind,
      pretenuring,
      finished: outcome.timings !== undefined,
      events,
      backfillMs,
      eventsPerSecond: events / (backfillMs / 1000),
      timings: outcome.timings,
      profile: profileOf(metrics),
      queryValue: store.queryValue,
      schema,
      cleanup,
    };
    if (parameters.keepServing === true && run.finished) run.ponder = ponder;
    else await ponder.stop();
    return run;
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    clearInterval(ticker);
  }
}

type Store = {
  env: Record<string, string>;
  unsetEnv: string[];
  queryValue?: (sql: string) => Promise<string>;
  remove: () => Promise<void>;
};

async function openStore(parameters: RunBackfillParameters, schema: string): Promise<Store> {
  if (parameters.database.kind === "postgres") {
    const db = await createDatabase({ adminUrl: parameters.database.adminUrl, name: `bench_${schema}` });
    return {
      env: { DATABASE_URL: db.url },
      unsetEnv: ["DATABASE_PRIVATE_URL", "CROSSMARGIN_PGLITE_DIR"],
      queryValue: db.queryValue,
      remove: db.drop,
    };
  }
  const directory = mkdtempSync(join(tmpdir(), `crossmargin-bench-${schema}-`));
  return {
    env: { CROSSMARGIN_PGLITE_DIR: directory },
    unsetEnv: ["DATABASE_URL", "DATABASE_PRIVATE_URL"],
    remove: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

function profileOf(metrics: ReturnType<typeof parseMetrics>): BackfillProfile {
  const handlers = metrics
    .labelValues("ponder_indexing_function_duration_count", "event")
    .map((event) => {
      const count = metrics.sum("ponder_indexing_function_duration_count", { event });
      const sum = metrics.sum("ponder_indexing_function_duration_sum", { event });
      return { event, count, meanMs: count === 0 ? 0 : sum / count };
    })
    .filter((handler) => handler.count > 0)
    .sort((a, b) => b.meanMs * b.count - a.meanMs * a.count);
  const rawCount = metrics.sum("ponder_indexing_store_raw_sql_duration_count");
  const rawSum = metrics.sum("ponder_indexing_store_raw_sql_duration_sum");
  const byLabel = (name: string, label: string) =>
    Object.fromEntries(
      metrics.labelValues(name, label).map((value) => [value, metrics.sum(name, { [label]: value })]),
    );
  return {
    handlers,
    rawSql: { count: rawCount, meanMs: rawCount === 0 ? 0 : rawSum / rawCount },
    storeOps: byLabel("ponder_indexing_store_queries_total", "method"),
    cacheRequests: byLabel("ponder_indexing_cache_requests_total", "type"),
    steps: byLabel("ponder_historical_transform_duration", "step"),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
