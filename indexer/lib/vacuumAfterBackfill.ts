import pg from "pg";

/*
 * Ponder writes the historical backfill with bulk COPYs and builds the indexes after it, but never
 * runs ANALYZE or VACUUM. Until autovacuum gets round to the tables (and it is off on some
 * servers, as on the benchmark machines), the planner sees no statistics for any query (`/sql`
 * clients write their own) and every first read of a page has to set its rows' hint bits (and
 * dirty the page). PostgreSQL's own advice after a bulk load is to ANALYZE
 * (https://www.postgresql.org/docs/current/populate.html#POPULATE-ANALYZE); `VACUUM (ANALYZE)`
 * does that and sets the hint bits and the visibility map in the same pass, so index-only scans
 * work from the first read. (It did not remove the slower first pass of the read benchmark, which
 * is not the database's state: README, Known limits.)
 */

/** Where the maintenance logs: Ponder's logger in the indexer. */
export type MaintenanceLogger = {
  info: (entry: Record<string, unknown>) => void;
  debug?: (entry: Record<string, unknown>) => void;
};

/** Options of {@link vacuumAfterBackfill}. */
export type VacuumAfterBackfillOptions = {
  /** The indexer's Postgres (`DATABASE_URL`). */
  connectionString: string;
  /** The Ponder schema whose tables are vacuumed, and whose `_ponder_meta` says when the backfill ended. */
  schema: string;
  /** Where the result is logged (default: nowhere). */
  logger?: MaintenanceLogger | undefined;
  /** How often `_ponder_meta` is read while waiting (default 1000 ms, as Ponder's own readiness poll). */
  pollIntervalMs?: number | undefined;
  /** Stops the wait (or the vacuum between tables); the promise then resolves `undefined`. */
  signal?: AbortSignal | undefined;
};

/** What {@link vacuumAfterBackfill} did. */
export type VacuumResult = {
  /** The tables vacuumed and analyzed, in order. */
  tables: string[];
  /** How long the vacuum took (not the wait before it). */
  durationMs: number;
};

/** Seen on connections this module opens (`pg_stat_activity.application_name`). */
export const MAINTENANCE_APPLICATION_NAME = "crossmargin_indexer_maintenance";

// Postgres error codes: the schema or `_ponder_meta` does not exist yet (Ponder has not migrated).
const NOT_CREATED_YET = new Set(["42P01", "3F000"]);

/**
 * Waits for the historical backfill of a Ponder app to end, then runs `VACUUM (ANALYZE)` on each
 * of its schema's tables, once.
 *
 * The backfill has ended when `_ponder_meta`'s `is_ready` turns from 0 to 1: Ponder sets it after
 * it has created the indexes, triggers and views, so no DDL of Ponder's runs after it. Ponder's
 * migration resets the flag to 0 before it loads the API module (`ponder start`, and each full
 * reload of `ponder dev`), so a 1 at the first reading means the backfill ended before this
 * process began (`ponder serve`, a `ponder dev` reload of the API alone): nothing new was
 * bulk-loaded, and nothing is done. VACUUM takes no lock that blocks reads or writes, so the
 * indexer goes on serving and indexing live blocks meanwhile.
 *
 * @param options the database, schema, logger, poll interval and abort signal
 * @returns the tables vacuumed and how long it took, or `undefined` when the backfill had ended
 *   before or `signal` aborted first
 * @throws when the database cannot be reached or a VACUUM fails (the caller logs it; the indexer
 *   works without it)
 */
export async function vacuumAfterBackfill(
  options: VacuumAfterBackfillOptions,
): Promise<VacuumResult | undefined> {
  const { connectionString, schema, logger, pollIntervalMs = 1000, signal } = options;
  const client = new pg.Client({ connectionString, application_name: MAINTENANCE_APPLICATION_NAME });
  // A connection lost while idle between polls surfaces on the next query; without a listener
  // its 'error' event would crash the indexer.
  client.on("error", () => {});
  const meta = `${client.escapeIdentifier(schema)}."_ponder_meta"`;
  try {
    await client.connect();
    if (await readIsReady(client, meta)) {
      logger?.debug?.({ msg: "The backfill had ended before this process began; nothing to vacuum", schema });
      return undefined;
    }
    logger?.debug?.({ msg: "Waiting for the backfill to end to vacuum and analyze its tables", schema });
    for (;;) {
      if (!(await sleep(pollIntervalMs, signal))) return undefined;
      if (await readIsReady(client, meta)) break;
    }

    const started = performance.now();
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
      [schema],
    );
    const tables: string[] = [];
    for (const { tablename } of rows) {
      if (signal?.aborted) return undefined;
      await client.query(
        `VACUUM (ANALYZE) ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(tablename)}`,
      );
      tables.push(tablename);
    }
    const durationMs = Math.round(performance.now() - started);
    logger?.info({
      msg: "Vacuumed and analyzed the indexer's tables after the backfill",
      schema,
      table_count: tables.length,
      duration: durationMs,
    });
    return { tables, durationMs };
  } finally {
    await client.end().catch(() => {});
  }
}

/** `_ponder_meta`'s `is_ready`; false while the schema or the table does not exist yet. */
async function readIsReady(client: pg.Client, meta: string): Promise<boolean> {
  try {
    const { rows } = await client.query<{ ready: number | null }>(
      `SELECT (value->>'is_ready')::int AS ready FROM ${meta} WHERE key = 'app'`,
    );
    return rows[0]?.ready === 1;
  } catch (error) {
    if (NOT_CREATED_YET.has((error as { code?: string }).code ?? "")) return false;
    throw error;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** What {@link vacuumAfterPonderBackfill} uses of the globals Ponder sets in its process. */
type PonderGlobals = {
  PONDER_COMMON?: {
    logger: MaintenanceLogger & { warn: (entry: Record<string, unknown>) => void };
    apiShutdown: { add: (callback: () => unknown) => void };
  };
  PONDER_NAMESPACE_BUILD?: { schema: string };
};

/**
 * Runs {@link vacuumAfterBackfill} in the background for the Ponder app of this process (its
 * schema, its logger), stopped when Ponder shuts its API down (on exit, and on each `ponder dev`
 * reload). Does nothing on PGlite (`connectionString` undefined): its one connection is the
 * indexer's own, and a VACUUM there would stall indexing and reads alike. A failure is logged at
 * warn, never thrown: the indexer serves correctly without it, only slower until autovacuum runs.
 *
 * @param connectionString the indexer's Postgres (`DATABASE_URL`), or `undefined` on PGlite
 * @returns the background run (it never rejects), or `undefined` when there is nothing to do
 */
export function vacuumAfterPonderBackfill(connectionString: string | undefined): Promise<void> | undefined {
  const { PONDER_COMMON: common, PONDER_NAMESPACE_BUILD: namespace } = globalThis as PonderGlobals;
  if (connectionString === undefined || common === undefined || namespace === undefined) return undefined;
  const { schema } = namespace;
  const controller = new AbortController();
  common.apiShutdown.add(() => controller.abort());
  return vacuumAfterBackfill({
    connectionString,
    schema,
    logger: common.logger,
    signal: controller.signal,
  }).then(
    () => undefined,
    (error: unknown) =>
      common.logger.warn({
        msg: "Could not vacuum and analyze the indexer's tables after the backfill; reads stay slower until autovacuum does",
        schema,
        error,
      }),
  );
}
