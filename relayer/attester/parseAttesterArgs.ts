import { AttesterArgumentError } from "./errors.js";

/** Default port of `crossmargin attester`. */
export const DEFAULT_ATTESTER_PORT = 9470;

/** Usage of `crossmargin attester`. */
export const ATTESTER_USAGE = `Usage: crossmargin attester [--config <path>] [--port <n>] [--host <address>]

Runs one attester: an HTTP server that verifies claims against its own RPCs and signs them.

  --config <path>   config JSON (default: $CROSSMARGIN_CONFIG, else .devnet/manifest.json)
  --port <n>        port to listen on (default ${DEFAULT_ATTESTER_PORT}; 0 = any free port)
  --host <address>  interface to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --help            this text

Environment: ATTESTER_PRIVATE_KEY (required; its address must be in attesters.addresses),
ATTESTER_CLIENT_TOKENS (name=token,… one per relayer; required beyond 127.0.0.1: each request then
needs Authorization: Bearer <token>), ATTESTER_RATE_LIMIT (requests per client per minute, default
600), ATTESTER_MAX_LEAVES (per batch, default 2000), LOG_LEVEL (pino level, default info).`;

/** Return type of {@link parseAttesterArgs}. */
export type AttesterArgs = {
  /** `--config`, when given. */
  configPath: string | undefined;
  port: number;
  host: string;
  /** `--help` was given: print {@link ATTESTER_USAGE} and exit. */
  help: boolean;
};

/**
 * Parses the arguments of `crossmargin attester` (`--flag value` or `--flag=value`).
 *
 * @param argv the arguments after the command name
 * @returns config path, port, host, help
 * @throws {AttesterArgumentError} naming an unknown flag, a missing value or a bad port
 * @example
 * parseAttesterArgs(["--port", "9471"]); // { configPath: undefined, port: 9471, host: "127.0.0.1", help: false }
 */
export function parseAttesterArgs(argv: readonly string[]): AttesterArgs {
  const args: AttesterArgs = {
    configPath: undefined,
    port: DEFAULT_ATTESTER_PORT,
    host: "127.0.0.1",
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--help" || arg === "-h") {
      args.help = true;
      continue;
    }
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (flag !== "--config" && flag !== "--port" && flag !== "--host") {
      throw new AttesterArgumentError(`Unknown argument ${JSON.stringify(arg)}.`, {
        metaMessages: [ATTESTER_USAGE],
      });
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
      throw new AttesterArgumentError(`${flag} needs a value.`, { metaMessages: [ATTESTER_USAGE] });
    }
    if (flag === "--config") args.configPath = value;
    else if (flag === "--host") args.host = value;
    else args.port = parsePort(value);
  }
  return args;
}

function parsePort(value: string): number {
  const port = /^[0-9]{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    throw new AttesterArgumentError(
      `--port must be an integer from 0 to 65535, got ${JSON.stringify(value)}.`,
    );
  }
  return port;
}
