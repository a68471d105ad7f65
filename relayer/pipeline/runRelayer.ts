import { parseArgs } from "node:util";
import { loadConfig } from "../../shared/config/loadConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { createLogger } from "../ops/createLogger.js";
import { operatorServerOptions } from "../ops/operatorServerOptions.js";
import { resolveKeys } from "./resolveKeys.js";
import { startRelayer } from "./startRelayer.js";

/** Usage of `crossmargin relayer`. */
export const RELAYER_USAGE = `Usage: crossmargin relayer [--config <path>] [--port <n>] [--api-url <url>]

Runs the relayer: discovers work from the indexer, gathers attester signatures and delivers
packets on every chain, until SIGTERM/SIGINT (running jobs finish first).

  --config <path>   config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)
  --port <n>        HTTP port of /healthz, /metrics, /admin/queues (default: relayer.port, 9464)
  --api-url <url>   the indexer's base URL (default: $API_URL, else the config's apiUrl)
  --help            this text

Environment: RELAYER_PRIVATE_KEY, ATTESTER_PRIVATE_KEYS (comma-separated; in-process attesters),
REMOTE_ATTESTER_TOKENS (<attester address>=<token>,… for relayer.attesterUrls),
REDIS_URL, REDIS_CLUSTER=1 (REDIS_URL is a node of a Redis Cluster), API_URL, LOG_LEVEL; the operator server: RELAYER_HOST (bind address, default
127.0.0.1), RELAYER_BOARD_READONLY=1, RELAYER_ADMIN_USER and RELAYER_ADMIN_PASSWORD (basic auth
for Bull Board; a non-loopback RELAYER_HOST needs one of the two). On the devnet the keys default
to the manifest's accounts.`;

/**
 * What `crossmargin relayer` runs: loads and validates the config, resolves the keys, starts the
 * relayer and stops it on SIGTERM/SIGINT after the jobs in progress finish.
 *
 * @param argv arguments after `relayer`
 * @param env the environment
 * @returns once stopped after a signal (at once after `--help`)
 * @throws {ConfigError} on a bad argument, config or key
 */
export async function runRelayer(
  argv: string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const { values } = parseCliArgs(argv);
  if (values.help === true) {
    process.stdout.write(`${RELAYER_USAGE}\n`);
    return;
  }
  const config = loadConfig({ path: values.config, env });
  const apiUrl = values["api-url"] ?? config.apiUrl;
  if (apiUrl === undefined) {
    throw new ConfigError("No indexer URL.", [
      { path: "apiUrl", message: "expected the indexer's base URL (config apiUrl, API_URL or --api-url)" },
    ]);
  }
  const port = values.port === undefined ? undefined : parsePort(values.port);
  const logger = createLogger({ name: "crossmargin-relayer" });
  const relayer = await startRelayer({
    config,
    keys: resolveKeys(config, env),
    apiUrl,
    logger,
    operator: operatorServerOptions(env),
    ...(port === undefined ? {} : { port }),
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  logger.info({ at: "relayer.run", signal }, "draining: finishing the jobs in progress");
  await relayer.stop();
}

function parseCliArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        port: { type: "string" },
        "api-url": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError(
      "Bad arguments to `crossmargin relayer`.",
      [{ path: "argv", message: error instanceof Error ? error.message : String(error) }],
      { metaMessages: [RELAYER_USAGE] },
    );
  }
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new ConfigError("Bad --port.", [
      { path: "--port", message: `expected an integer from 0 to 65535, got ${JSON.stringify(value)}` },
    ]);
  }
  return port;
}
