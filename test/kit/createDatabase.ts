import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Parameters of {@link createDatabase}. */
export type CreateDatabaseParameters = {
  /** A Postgres URL whose user may create databases (`postgresql://postgres@127.0.0.1:5432/test`). */
  adminUrl: string;
  /** The new database's name (letters, digits and `_`). */
  name: string;
  /** Write out the server's dirty pages first, so that a benchmark's run does not pay for the last one's (needs a superuser or pg_checkpoint). */
  checkpoint?: boolean;
};

/** A fresh Postgres database. */
export type CreateDatabaseReturnType = {
  /** `adminUrl` pointed at the new database. */
  url: string;
  /** Drops the database, closing its connections. */
  drop: () => Promise<void>;
};

/**
 * Creates an empty Postgres database (through `psql`). Each devnet indexer run (a test file, a
 * benchmark run) gets its own: Ponder keeps the logs it fetched in the database's `ponder_sync`
 * schema keyed by chain id and block, the devnet reuses chain ids, and a stored log wins over a
 * fetched one, so a shared database feeds another devnet's history to a backfill.
 *
 * @param parameters admin URL, name, whether to checkpoint
 * @returns the new database's URL and `drop`
 * @throws when `psql` is missing or the database cannot be created
 * @example
 * const db = await createDatabase({ adminUrl, name: `bench_${process.pid}_real` });
 * try { … db.url … } finally { await db.drop(); }
 */
export async function createDatabase(
  parameters: CreateDatabaseParameters,
): Promise<CreateDatabaseReturnType> {
  const { adminUrl, name, checkpoint = false } = parameters;
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error(`database name ${JSON.stringify(name)} is not a plain identifier`);
  await psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await psql(adminUrl, `CREATE DATABASE ${name}`);
  if (checkpoint) await psql(adminUrl, "CHECKPOINT");
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await psql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function psql(url: string, sql: string): Promise<string> {
  try {
    const { stdout } = await run("psql", [url, "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql]);
    return stdout;
  } catch (error) {
    const detail = error instanceof Error && "stderr" in error ? String(error.stderr).trim() : String(error);
    throw new Error(`psql failed (${sql}): ${detail}`, { cause: error });
  }
}
