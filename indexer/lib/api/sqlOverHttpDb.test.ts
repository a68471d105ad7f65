import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sqlOverHttpDb } from "./sqlOverHttpDb.js";

/** What Ponder's `client()` middleware does with the `db` it is given on PGlite. */
const runLikeClientMiddleware = (db: ReturnType<typeof drizzle>, text: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: drizzle's session is internal; client() uses it so.
  (db as any)._.session
    .prepareQuery({ sql: text, params: [] }, undefined, undefined, false)
    .execute()
    .then((result: { rows: unknown[] }) => result.rows);

describe("sqlOverHttpDb on PGlite", () => {
  let pglite: PGlite;
  let db: ReturnType<typeof drizzle>;

  beforeAll(async () => {
    pglite = new PGlite();
    db = drizzle(pglite);
    // What the indexing store leaves behind after flushing more than 20 updated rows.
    await pglite.exec(`
      CREATE TABLE balance (account text PRIMARY KEY, amount integer);
      INSERT INTO balance VALUES ('0xa', 1), ('0xb', 2);
      CREATE TEMP TABLE IF NOT EXISTS balance AS SELECT * FROM public.balance WITH NO DATA;`);
  });

  afterAll(async () => {
    await pglite?.close();
  });

  test("the plain db reads the session's empty temporary table (the bug)", async () => {
    expect(await runLikeClientMiddleware(db, "SELECT account FROM balance")).toEqual([]);
  });

  test("the /sql db reads the real table", async () => {
    const rows = await runLikeClientMiddleware(
      sqlOverHttpDb(db),
      "SELECT account, amount FROM balance ORDER BY account",
    );
    expect(rows).toEqual([
      { account: "0xa", amount: 1 },
      { account: "0xb", amount: 2 },
    ]);
  });

  test("only inside its own transaction: the session still finds the temporary table first afterwards", async () => {
    await runLikeClientMiddleware(sqlOverHttpDb(db), "SELECT 1");
    const path = await pglite.query<{ search_path: string }>("SHOW search_path");
    expect(path.rows[0]?.search_path).toBe("public");
    const flushTarget = await db.execute(sql`SELECT count(*)::int AS n FROM balance`);
    expect(flushTarget.rows).toEqual([{ n: 0 }]);
  });

  test("read only: a write through it fails and changes nothing", async () => {
    await expect(
      runLikeClientMiddleware(sqlOverHttpDb(db), "INSERT INTO public.balance VALUES ('0xc', 3)"),
    ).rejects.toThrow(/read-only transaction/);
    const count = await pglite.query<{ n: number }>("SELECT count(*)::int AS n FROM public.balance");
    expect(count.rows[0]?.n).toBe(2);
  });

  test("on node-postgres (no exec, no transaction on its client) the db is returned unchanged", () => {
    const pg = { $client: { query: async () => ({ rows: [] }), totalCount: 0 } };
    expect(sqlOverHttpDb(pg)).toBe(pg);
  });
});
