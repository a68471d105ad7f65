import { drizzle } from "drizzle-orm/pglite";

/**
 * Runs before every `/sql` query on PGlite, in the query's own transaction: read only, and the
 * session's temporary schema searched last instead of first (see {@link sqlOverHttpDb}).
 */
export const SEARCH_TEMP_SCHEMA_LAST = `SET TRANSACTION READ ONLY;
SELECT set_config('search_path',
  coalesce((SELECT string_agg(quote_ident(s), ', ') FROM unnest(current_schemas(false)) AS s) || ', ', '')
    || 'pg_temp', true);`;

/** What this module uses of a PGlite instance (`@electric-sql/pglite`). */
type PgliteLike = {
  exec: (text: string) => Promise<unknown>;
  query: (text: string, params?: unknown[], options?: unknown) => Promise<unknown>;
  transaction: <T>(callback: (tx: PgliteLike) => Promise<T>) => Promise<T>;
};

function isPglite(client: unknown): client is PgliteLike {
  if (typeof client !== "object" || client === null) return false;
  const c = client as Record<string, unknown>;
  // node-postgres' Pool has `query` too, but no `exec`/`transaction`.
  return typeof c.exec === "function" && typeof c.transaction === "function" && typeof c.query === "function";
}

/**
 * The `db` to give Ponder's `client()` middleware (SQL over HTTP, `@ponder/client`).
 *
 * On Postgres it is the API's `db` unchanged. On PGlite it is a drizzle instance over the same
 * PGlite whose every query runs in its own read-only transaction with `pg_temp` last in the
 * `search_path`. The reason: Ponder 0.16 flushes more than 20 updated rows of a table through
 * `CREATE TEMP TABLE IF NOT EXISTS "<table>"` (then `TRUNCATE`, never `DROP`). PGlite has one
 * session, shared by the indexing store and the API, and Postgres searches the session's temporary
 * schema first, so after such a flush the unqualified names that `@ponder/client` sends (its
 * validator refuses schema-qualified ones) resolved to the empty temporary table: `/sql` answered
 * nothing for that table, and the relayer, which discovers its work there, saw none. `SET LOCAL`
 * ends with the transaction, so Ponder's own statements, which rely on the temporary table coming
 * first, are untouched; PGlite's transaction lock keeps the two from interleaving.
 *
 * @param db the API's `db` (`ponder:api`)
 * @returns the `db` for `client({ db, schema })`
 * @example
 * app.use("/sql/*", client({ db: sqlOverHttpDb(db), schema }));
 */
export function sqlOverHttpDb<db extends object>(db: db): db {
  const client: unknown = (db as { $client?: unknown }).$client;
  if (!isPglite(client)) return db;
  const pglite = client;
  const tempSchemaLast = {
    query: (text: string, params?: unknown[], options?: unknown) =>
      pglite.transaction(async (tx) => {
        await tx.exec(SEARCH_TEMP_SCHEMA_LAST);
        return tx.query(text, params, options);
      }),
  };
  // drizzle only calls `query` on its client for the prepared queries `client()` runs.
  return drizzle({ client: tempSchemaLast as never }) as unknown as db;
}
