import { type DestinationStream, type Logger, pino } from "pino";
import { InvalidParameterError } from "./errors.js";

/** Log levels `createLogger` accepts, most verbose first (`silent` logs nothing). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Parameters of {@link createLogger}. */
export type CreateLoggerParameters = {
  /** Component name, written as `name` on every line (e.g. `relayer`, `attester`). */
  name: string;
  /** Level; default `$LOG_LEVEL`, else `info`. */
  level?: string | undefined;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream | undefined;
  /** Environment to read `LOG_LEVEL` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
};

/**
 * A pino logger writing one JSON object per line to stdout, with the level as a word
 * (`"level":"info"`). Log in the house style: `logger.info({ at: "module.fn", ...context }, msg)`,
 * errors under `err` (pino serializes their name, message and stack).
 *
 * @param parameters name, level and destination
 * @returns the logger
 * @throws {InvalidParameterError} when the level (or `LOG_LEVEL`) is not one of {@link LOG_LEVELS}
 * @example
 * const logger = createLogger({ name: "relayer" });
 * logger.info({ at: "deliver.submit", chainId: 31337, txHash }, "batch sent");
 */
export function createLogger(parameters: CreateLoggerParameters): Logger {
  const env = parameters.env ?? process.env;
  const fromEnv = env.LOG_LEVEL === "" ? undefined : env.LOG_LEVEL;
  const level = parameters.level ?? fromEnv ?? "info";
  if (!isLogLevel(level)) {
    const field = parameters.level === undefined ? "LOG_LEVEL" : "level";
    throw new InvalidParameterError(field, `one of ${LOG_LEVELS.join(", ")}`, level);
  }
  const options = {
    name: parameters.name,
    level,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return parameters.destination === undefined ? pino(options) : pino(options, parameters.destination);
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
