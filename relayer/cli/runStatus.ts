import { parseArgs } from "node:util";
import { loadConfig } from "../../shared/config/loadConfig.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { formatRelayerStatus } from "../ops/formatRelayerStatus.js";
import { getRelayerStatus } from "../ops/getRelayerStatus.js";

/** Usage of `crossmargin status`. */
export const STATUS_USAGE = `Usage: crossmargin status [--config <path>] [--json]

Per route: messages in flight, oldest age, lag and last delivery (from the indexer);
queue depths (from Redis); the latest dead letters with their reasons.

  --config <path>   config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)
  --json            print the status as JSON instead of a table`;

/**
 * `crossmargin status`: prints the relayer's status.
 *
 * @param argv arguments after `status`
 * @returns the exit code (0, or 1 when Redis is unreachable)
 */
export async function runStatus(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    { config: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } },
    STATUS_USAGE,
  );
  if (values.help === true) {
    process.stdout.write(`${STATUS_USAGE}\n`);
    return 0;
  }
  const config = loadConfig({ path: typeof values.config === "string" ? values.config : undefined });
  const status = await getRelayerStatus({ config });
  process.stdout.write(
    values.json === true ? `${JSON.stringify(status, null, 2)}\n` : `${formatRelayerStatus(status)}\n`,
  );
  return 0;
}

/**
 * Parses a subcommand's flags, turning node's errors into a {@link ConfigError} with the usage.
 *
 * @param argv the arguments
 * @param options node `parseArgs` options
 * @param usage the usage text shown on a mistake
 * @returns the parsed values and positionals
 */
export function parse(
  argv: string[],
  options: Record<string, { type: "string" | "boolean" }>,
  usage: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals }; // parseArgs' own typing of `options`
  } catch (error) {
    throw new ConfigError(
      "Bad arguments.",
      [{ path: "argv", message: error instanceof Error ? error.message : String(error) }],
      {
        metaMessages: [usage],
      },
    );
  }
}
