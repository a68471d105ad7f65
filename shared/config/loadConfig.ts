import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors/BaseError.js";
import { parseConfig } from "./parseConfig.js";
import type { Config } from "./schema.js";

/** The devnet manifest, resolved from the repository root (independent of the working directory). */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL("../../.devnet/manifest.json", import.meta.url));

/** Options of {@link loadConfig}. */
export type LoadConfigParameters = {
  /** Config file (JSON); relative paths resolve against the working directory. */
  path?: string | undefined;
  /** Environment to read `CROSSMARGIN_CONFIG` and the overrides from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
};

/** Environment variables that override a top-level config field. */
const ENV_OVERRIDES = [
  ["REDIS_URL", "redisUrl"],
  ["DATABASE_URL", "databaseUrl"],
  ["API_URL", "apiUrl"],
] as const;

/**
 * Reads and validates the config: the JSON file at `path`, else `$CROSSMARGIN_CONFIG`, else the
 * devnet's `.devnet/manifest.json`; then `REDIS_URL`, `DATABASE_URL` and `API_URL` (when set
 * and non-empty) replace `redisUrl`, `databaseUrl` and `apiUrl`, and `REDIS_CLUSTER` (`1`/`true`
 * or `0`/`false`) replaces `redisCluster`.
 *
 * @param parameters file path and environment
 * @returns the parsed config
 * @throws {ConfigError} when the file is missing, is not JSON, or is not a valid config
 * @example
 * const config = loadConfig(); // after `npm run dev`
 */
export function loadConfig(parameters: LoadConfigParameters = {}): Config {
  const env = parameters.env ?? process.env;
  const { path, source } = configPath(parameters.path, env);
  const raw = readJson(path, source);
  const overridden: Record<string, unknown> = { ...raw };
  for (const [variable, field] of ENV_OVERRIDES) {
    const value = env[variable];
    if (value !== undefined && value !== "") overridden[field] = value;
  }
  const cluster = env.REDIS_CLUSTER;
  if (cluster !== undefined && cluster !== "") overridden.redisCluster = parseFlag("REDIS_CLUSTER", cluster);
  try {
    return parseConfig(overridden);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`Invalid crossmargin config in ${path} (${source}).`, error.issues);
  }
}

/** A boolean environment variable: `1`/`true` or `0`/`false`. */
function parseFlag(variable: string, value: string): boolean {
  const flag = value.trim().toLowerCase();
  if (flag === "1" || flag === "true") return true;
  if (flag === "0" || flag === "false") return false;
  throw new ConfigError(`Bad ${variable}.`, [
    { path: variable, message: `expected 1, true, 0 or false, got ${JSON.stringify(value)}` },
  ]);
}

function configPath(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { path: string; source: string } {
  if (explicit !== undefined) return { path: resolve(explicit), source: "the path given" };
  const fromEnv = env.CROSSMARGIN_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "")
    return { path: resolve(fromEnv), source: "CROSSMARGIN_CONFIG" };
  return { path: DEFAULT_CONFIG_PATH, source: "the default devnet manifest" };
}

function readJson(path: string, source: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const missing = error instanceof Error && "code" in error && error.code === "ENOENT";
    throw new ConfigError(
      missing
        ? `No crossmargin config at ${path} (${source}).`
        : `Cannot read the crossmargin config at ${path}.`,
      [],
      {
        cause: error,
        metaMessages: [
          "Run `npm run dev` to start a devnet; it writes .devnet/manifest.json.",
          "Or point CROSSMARGIN_CONFIG (or loadConfig's `path`) at a config JSON file.",
        ],
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The crossmargin config at ${path} is not valid JSON.`, [], { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`The crossmargin config at ${path} is not a JSON object.`, [
      { path: "", message: "expected a JSON object" },
    ]);
  }
  // Checked just above: a non-null, non-array object.
  return parsed as Record<string, unknown>;
}
