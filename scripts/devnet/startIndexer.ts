import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "./freePort.js";
import { spawnGroup } from "./spawnGroup.js";

/**
 * The indexer's directory. Ponder runs from here with `--root .` (the same as `--root indexer`
 * from the repository root) so the GraphQL schema it writes under `<cwd>/generated` lands in the
 * git-ignored `indexer/generated`.
 */
const INDEXER_DIR = fileURLToPath(new URL("../../indexer", import.meta.url));
/** Ponder's CLI, pinned in package.json. */
const PONDER_BIN = fileURLToPath(new URL("../../node_modules/.bin/ponder", import.meta.url));

/** Where the indexer stores its tables. */
export type IndexerDatabase =
  /** Embedded PGlite in `directory` (use a fresh temp directory per test file). */
  | { kind: "pglite"; directory: string }
  /** Postgres at `url`; the tables go to the `--schema` of this run. */
  | { kind: "postgres"; url: string };

/** Parameters of {@link startIndexer}. */
export type StartIndexerParameters = {
  /** The crossmargin config / devnet manifest the indexer reads (`CROSSMARGIN_CONFIG`). */
  configPath: string;
  database: IndexerDatabase;
  /**
   * `start` (default): index and serve. `serve`: Ponder's HTTP server alone (`ponder serve`, Postgres
   * only), reading what a `start` on the same database wrote; `schema` is then the one it reads.
   */
  command?: "start" | "serve";
  /** Database schema of this run (≤ 45 characters; unique per test so runs never share tables). */
  schema: string;
  /**
   * `start` on Postgres only: once the backfill is done, Ponder publishes a view of every table and
   * `onchainView` of `schema` in this schema (`--views-schema`); `serve` replicas read it.
   */
  viewsSchema?: string;
  /** HTTP port (default: a free one). Ponder moves to the next port if it is taken; `url` tells the real one. */
  port?: number;
  /** Milliseconds to wait for `/ready` (default 90 s). */
  readyTimeoutMs?: number;
  /** Extra environment for the Ponder process. */
  env?: Record<string, string>;
};

/** Return type of {@link startIndexer}: a running `ponder start` or `ponder serve`. */
export type StartIndexerReturnType = {
  /** `http://127.0.0.1:<port>`: GraphQL at `/graphql`, SQL at `/sql`, REST, `/status`. */
  url: string;
  port: number;
  command: "start" | "serve";
  schema: string;
  /** The views schema a `start` publishes (undefined without one). */
  viewsSchema: string | undefined;
  pid: number;
  /** Everything Ponder logged so far (JSON lines, stdout and stderr). */
  logs: () => string;
  /** Stops Ponder (SIGTERM, then SIGKILL after 10 s); safe to call more than once. */
  stop: () => Promise<void>;
  /** SIGKILLs Ponder now (a pending `stop` then ends too); resolves once it has exited. */
  kill: () => Promise<void>;
  /** Resolves with Ponder's exit code when the process ends (by `stop` or on its own). */
  exited: Promise<number | null>;
};

/** A Ponder process that could not start (parameters Ponder refuses), exited, or did not become ready. */
export class IndexerStartError extends Error {
  override name = "IndexerStartError";
}

/**
 * Spawns `ponder start --root indexer --config ../ponder.config.ts --schema <schema>
 * [--views-schema <viewsSchema>]`, or `ponder serve` with the same flags minus the views schema (from
 * `indexer/`, as `--root .`), as a child process (logs captured as JSON, not printed; read them with
 * `logs()` when a test fails) and waits until `/ready` answers 200. For `start`: the backfill is
 * done, the views are published and live indexing runs. For `serve` (it exits at once when
 * `schema` does not exist yet): the writer behind `schema` is ready. Ponder runs in a process group
 * of its own, killed if this process exits first (`spawnGroup`): an orphaned Ponder logging into the
 * closed pipe of its logs hangs in its shutdown and ignores SIGTERM.
 *
 * @param parameters config path, database, command, schema, views schema, port
 * @returns the API URL, `logs`, `stop` and `kill`
 * @throws {IndexerStartError} when Ponder exits or is not ready in time (the message ends with its
 *   logs), or for a `serve` or `viewsSchema` on PGlite, or a `serve` with a `viewsSchema`
 * @example
 * const writer = await startIndexer({
 *   configPath: devnet.manifestPath,
 *   database: { kind: "postgres", url },
 *   schema: `test_${process.pid}`,
 *   viewsSchema: `test_${process.pid}_views`,
 * });
 * const replica = await startIndexer({
 *   configPath: devnet.manifestPath,
 *   database: { kind: "postgres", url },
 *   command: "serve",
 *   schema: `test_${process.pid}_views`,
 * });
 * const status = await fetch(`${replica.url}/status`).then((r) => r.json());
 * await replica.stop();
 * await writer.stop();
 */
export async function startIndexer(parameters: StartIndexerParameters): Promise<StartIndexerReturnType> {
  const command = parameters.command ?? "start";
  // Ponder serves and publishes views on Postgres only; a serve replica publishes nothing.
  if (
    (command === "serve" || parameters.viewsSchema !== undefined) &&
    parameters.database.kind !== "postgres"
  )
    throw new IndexerStartError(
      `ponder ${command}${parameters.viewsSchema ? " --views-schema" : ""} needs Postgres`,
    );
  if (command === "serve" && parameters.viewsSchema !== undefined)
    throw new IndexerStartError("ponder serve takes no views schema: pass the views schema as its schema");
  const port = parameters.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CROSSMARGIN_CONFIG: parameters.configPath,
    PONDER_TELEMETRY_DISABLED: "true",
    DATABASE_URL: parameters.database.kind === "postgres" ? parameters.database.url : "",
    DATABASE_PRIVATE_URL: "",
    CROSSMARGIN_PGLITE_DIR: parameters.database.kind === "pglite" ? parameters.database.directory : "",
    ...parameters.env,
  };
  // Ponder falls back to DATABASE_VIEWS_SCHEMA: views only when asked for.
  if (parameters.env?.DATABASE_VIEWS_SCHEMA === undefined) delete env.DATABASE_VIEWS_SCHEMA;
  const args = [
    command,
    "--root",
    ".",
    "--config",
    "../ponder.config.ts",
    "--schema",
    parameters.schema,
    ...(parameters.viewsSchema === undefined ? [] : ["--views-schema", parameters.viewsSchema]),
    "--port",
    String(port),
    "--log-format",
    "json",
    "--log-level",
    "info",
  ];
  const group = spawnGroup(PONDER_BIN, args, { cwd: INDEXER_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
  const { child } = group;
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= group.stop(10_000);
    return stopped;
  };

  try {
    const actualPort = await waitForReady({
      command,
      port,
      timeoutMs: parameters.readyTimeoutMs ?? 90_000,
      exited,
      logs: () => output,
    });
    return {
      url: `http://127.0.0.1:${actualPort}`,
      port: actualPort,
      command,
      schema: parameters.schema,
      viewsSchema: parameters.viewsSchema,
      pid: child.pid ?? -1,
      exited,
      logs: () => output,
      stop,
      kill: group.kill,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Drops a Postgres schema (and everything in it) with `psql`; for tests that ran the indexer on
 * Postgres with their own `--schema` (and `--views-schema`: drop both).
 *
 * @param url the Postgres connection string
 * @param schema the schema to drop
 */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema))
    throw new Error(`refusing to drop schema ${JSON.stringify(schema)}`);
  await promisify(execFile)("psql", [
    url,
    "-v",
    "ON_ERROR_STOP=1",
    "-q",
    "-c",
    `DROP SCHEMA IF EXISTS "${schema}" CASCADE`,
  ]);
}

async function waitForReady(parameters: {
  command: string;
  port: number;
  timeoutMs: number;
  exited: Promise<number | null>;
  logs: () => string;
}): Promise<number> {
  const deadline = Date.now() + parameters.timeoutMs;
  let exitCode: number | null | undefined;
  void parameters.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new IndexerStartError(
        `ponder ${parameters.command} exited with code ${exitCode} before it was ready:\n${parameters.logs()}`,
      );
    }
    const port = listeningPort(parameters.logs()) ?? parameters.port;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return port;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new IndexerStartError(
    `ponder ${parameters.command} was not ready within ${parameters.timeoutMs} ms:\n${parameters.logs()}`,
  );
}

/** The port of Ponder's "Created HTTP server" log line (it moves to the next port when taken). */
function listeningPort(logs: string): number | undefined {
  for (const line of logs.split("\n")) {
    if (!line.includes("Created HTTP server")) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (
        typeof parsed === "object" &&
        parsed !== null &&
        "port" in parsed &&
        typeof parsed.port === "number"
      ) {
        return parsed.port;
      }
    } catch {
      // A non-JSON line (a warning printed by a dependency).
    }
  }
  return undefined;
}
