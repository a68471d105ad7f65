import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { pollUntil } from "../../test/kit/pollUntil.js";
import { type MaintenanceLogger, vacuumAfterBackfill } from "./vacuumAfterBackfill.js";

/*
 * The post-backfill VACUUM (ANALYZE) against the real Postgres at 127.0.0.1:5432, each case in a
 * schema of its own laid out as Ponder lays out an app: `_ponder_meta` with the `app` row, and
 * tables filled in bulk without statistics.
 */
const URL = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const POLL_MS = 20;
let admin: pg.Client;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: URL });
  await admin.connect();
});

afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

function newSchemaName(): string {
  const schema = `vacuum_${process.pid}_${Date.now() % 1_000_000}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}

/** Creates what Ponder's migration creates (with `is_ready`), and two tables of bulk-loaded rows. */
async function createApp(schema: string, isReady: 0 | 1): Promise<void> {
  await admin.query(`
    CREATE SCHEMA "${schema}";
    CREATE TABLE "${schema}"."_ponder_meta" (key text PRIMARY KEY, value jsonb NOT NULL);
    INSERT INTO "${schema}"."_ponder_meta" VALUES ('app', '{"is_ready": ${isReady}, "is_locked": 1}');
    CREATE TABLE "${schema}"."balance" (account text PRIMARY KEY, amount numeric(78, 0) NOT NULL);
    INSERT INTO "${schema}"."balance" SELECT 'a' || i, i FROM generate_series(1, 5000) AS i;
    CREATE TABLE "${schema}"."Mixed Case" (id integer PRIMARY KEY);
    INSERT INTO "${schema}"."Mixed Case" SELECT generate_series(1, 100);`);
}

const setReady = (schema: string, isReady: 0 | 1) =>
  admin.query(
    `UPDATE "${schema}"."_ponder_meta" SET value = jsonb_set(value, '{is_ready}', to_jsonb($1::int))`,
    [isReady],
  );

/** Per table: analyzed (the planner's statistics exist) and vacuumed (pages marked all-visible). */
async function maintenanceOf(
  schema: string,
): Promise<Record<string, { analyzed: boolean; vacuumed: boolean }>> {
  const { rows } = await admin.query<{ table: string; analyzed: boolean; vacuumed: boolean }>(
    `SELECT c.relname AS table,
            EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS analyzed,
            c.relallvisible > 0 AS vacuumed
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> '_ponder_meta'
      ORDER BY c.relname`,
    [schema],
  );
  return Object.fromEntries(rows.map(({ table, ...state }) => [table, state]));
}

const untouched = {
  "Mixed Case": { analyzed: false, vacuumed: false },
  balance: { analyzed: false, vacuumed: false },
};
const maintained = {
  "Mixed Case": { analyzed: true, vacuumed: true },
  balance: { analyzed: true, vacuumed: true },
};

/** A logger that records what it is given, and resolves `waiting` once the wait has begun. */
function recordingLogger(): MaintenanceLogger & {
  entries: Record<string, unknown>[];
  waiting: Promise<void>;
} {
  const entries: Record<string, unknown>[] = [];
  let began: () => void = () => {};
  const waiting = new Promise<void>((resolve) => {
    began = resolve;
  });
  return {
    entries,
    waiting,
    info: (entry) => entries.push(entry),
    debug: (entry) => {
      entries.push(entry);
      began();
    },
  };
}

/** Several poll intervals, in which a poll that would (wrongly) vacuum has run. */
const pollsPass = () => new Promise((resolve) => setTimeout(resolve, POLL_MS * 15));

describe("vacuumAfterBackfill on Postgres", () => {
  test("waits while the backfill runs, then vacuums and analyzes every table of the schema once", async () => {
    const schema = newSchemaName();
    await createApp(schema, 0);
    const logger = recordingLogger();
    const done = vacuumAfterBackfill({ connectionString: URL, schema, logger, pollIntervalMs: POLL_MS });

    await logger.waiting;
    await pollsPass();
    expect(await maintenanceOf(schema)).toEqual(untouched);

    await setReady(schema, 1);
    const result = await done;
    expect(result?.tables).toEqual(["Mixed Case", "_ponder_meta", "balance"]);
    expect(await maintenanceOf(schema)).toEqual(maintained);
    expect(logger.entries.at(-1)).toMatchObject({
      msg: "Vacuumed and analyzed the indexer's tables after the backfill",
      schema,
      table_count: 3,
    });
  });

  test("waits for the schema Ponder has not created yet", async () => {
    const schema = newSchemaName();
    const logger = recordingLogger();
    const done = vacuumAfterBackfill({ connectionString: URL, schema, logger, pollIntervalMs: POLL_MS });

    await logger.waiting;
    await createApp(schema, 0);
    await pollsPass();
    expect(await maintenanceOf(schema)).toEqual(untouched);
    await setReady(schema, 1);
    expect((await done)?.tables).toHaveLength(3);
    expect(await maintenanceOf(schema)).toEqual(maintained);
  });

  test("a backfill that had ended before it began (ponder serve, an API reload) is left alone", async () => {
    const schema = newSchemaName();
    await createApp(schema, 1);
    const logger = recordingLogger();

    const result = await vacuumAfterBackfill({
      connectionString: URL,
      schema,
      logger,
      pollIntervalMs: POLL_MS,
    });
    expect(result).toBeUndefined();
    expect(logger.entries).toEqual([
      { msg: "The backfill had ended before this process began; nothing to vacuum", schema },
    ]);
    expect(await maintenanceOf(schema)).toEqual(untouched);
  });

  test("an abort ends the wait without vacuuming and closes its connection", async () => {
    const schema = newSchemaName();
    await createApp(schema, 0);
    const logger = recordingLogger();
    const controller = new AbortController();
    const applicationName = `vacuum_test_${process.pid}`;
    const done = vacuumAfterBackfill({
      connectionString: `${URL}?application_name=${applicationName}`,
      schema,
      logger,
      pollIntervalMs: POLL_MS,
      signal: controller.signal,
    });
    await logger.waiting;

    controller.abort();
    expect(await done).toBeUndefined();
    await setReady(schema, 1);
    await pollsPass();
    expect(await maintenanceOf(schema)).toEqual(untouched);
    await pollUntil(
      () => admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [applicationName]),
      ({ rows }) => rows.length === 0,
      { timeoutMs: 5000, what: "the maintenance connection to close" },
    );
  });

  test("an unreachable database is an error for the caller to log", async () => {
    await expect(
      vacuumAfterBackfill({ connectionString: "postgresql://postgres@127.0.0.1:1/test", schema: "none" }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
