import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase } from "../../test/kit/createDatabase.js";
import { prepareBareRoot } from "./prepareBareRoot.js";
import { type StartPonderReturnType, startPonder } from "./startPonder.js";

/** Which Ponder project runs: the real indexer or the bare baseline (`bench/ponder-bare`). */
export type BackfillProject = "real" | "bare";
/** Where it stores its tables: a fresh Postgres database or a fresh PGlite directory. */
export type BackfillDatabase = "postgres" | "pglite";

/** Parameters of {@link runBackfill}. */
export type RunBackfillParameters = {
  project: BackfillProject;
  database: BackfillDatabase;
  /** A Postgres URL whose user may create databases. */
  adminUrl: string;
  /** The devnet manifest (`CROSSMARGIN_CONFIG`). */
  manifestPath: string;
  /** Unique per run: names the database and schema. */
  runId: string;
  port: number;
  /** Stop after this long and report the events indexed by then. */
  budgetMs: number;
  progress: (line: string) => void;
};

/** The outcome of one backfill; the indexer keeps serving until `stop`. */
export type BackfillRun = {
  project: BackfillProject;
  database: BackfillDatabase;
  /** Reached `/ready` within the budget. */
  finished: boolean;
  /** Events Ponder reports as indexed. */
  events: number;
  /** Ponder's backfill duration (finished) or the time since the backfill started (budget hit), ms. */
  backfillMs: number;
  /** The machine's 1-minute load average when the run reached `/ready` (other work slows a run). */
  loadAverage: number;
  ponder: StartPonderReturnType;
  /** Stops the indexer and removes its database or directory. */
  stop: () => Promise<void>;
};

const PROGRESS_EVERY_MS = 10_000;

/**
 * Runs one Ponder project over the devnet's chains from nothing (a new Postgres database, since
 * Ponder caches RPC answers per database, or a new PGlite directory) until `/ready`, printing
 * progress from `/metrics`.
 *
 * @param parameters project, database, manifest, names, port, budget
 * @returns the run's figures and the serving indexer; `stop` must be called
 */
export async function runBackfill(parameters: RunBackfillParameters): Promise<BackfillRun> {
  const { project, database } = parameters;
  const schema = `${project}_${parameters.runId}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CROSSMARGIN_CONFIG: parameters.manifestPath,
    PONDER_TELEMETRY_DISABLED: "true",
  };
  delete env.DATABASE_PRIVATE_URL;
  let remove: () => Promise<void>;
  if (database === "postgres") {
    const db = await createDatabase({ adminUrl: parameters.adminUrl, name: `bench_${schema}` });
    env.DATABASE_URL = db.url;
    delete env.CROSSMARGIN_PGLITE_DIR;
    remove = db.drop;
  } else {
    const directory = mkdtempSync(join(tmpdir(), `crossmargin-bench-${schema}-`));
    env.CROSSMARGIN_PGLITE_DIR = directory;
    delete env.DATABASE_URL;
    remove = async () => rmSync(directory, { recursive: true, force: true });
  }
  const ponder = startPonder({
    ...(project === "real" ? { root: "indexer", config: "../ponder.config.ts" } : prepareBareRoot()),
    schema,
    port: parameters.port,
    env,
    readyTimeoutMs: parameters.budgetMs + 60_000,
  });
  ponder.ready.catch(() => {}); // observed by the race below; a rejection after a budget stop is expected
  const stop = async () => {
    await ponder.stop();
    await remove();
  };
  const events = () => indexedEvents(ponder.url);
  const ticker = setInterval(() => {
    void events()
      .then((n) => {
        const seconds = ponder.backfillElapsedMs() / 1000;
        if (Number.isFinite(seconds))
          parameters.progress(
            `${project}/${database}: ${n.toLocaleString("en-US")} events (${seconds.toFixed(0)} s)`,
          );
      })
      .catch(() => {});
  }, PROGRESS_EVERY_MS);
  try {
    const backfillMs = await Promise.race([ponder.ready, sleep(parameters.budgetMs).then(() => undefined)]);
    return {
      project,
      database,
      finished: backfillMs !== undefined,
      events: await events(),
      backfillMs: backfillMs ?? ponder.backfillElapsedMs(),
      loadAverage: loadavg()[0] ?? Number.NaN,
      ponder,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearInterval(ticker);
  }
}

/** Events Ponder has indexed so far: the sum of its `ponder_indexing_completed_events` samples (`/metrics`). */
async function indexedEvents(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const [, value] of text.matchAll(/^ponder_indexing_completed_events(?:\{[^}]*\})? (\S+)$/gm))
    sum += Number(value);
  return sum;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
