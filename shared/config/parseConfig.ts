import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../errors/BaseError.js";
import { type Config, configSchema } from "./schema.js";

/** Longest rendering of a received value quoted in an error message. */
const MAX_SHOWN = 60;

/**
 * Parses and validates a crossmargin config.
 *
 * @param input the config as read from JSON (or built in code)
 * @returns the typed config: addresses checksummed, big numbers as `bigint`, defaults filled in
 * @throws {ConfigError} listing every problem as `path: expected …, got …`
 * @example
 * const config = parseConfig(JSON.parse(readFileSync("config.json", "utf8")));
 * // ConfigError: chains.31337.rpcUrl: expected a URL, got "nope"
 */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map(toConfigIssue);
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  throw new ConfigError(`Invalid crossmargin config (${count}).`, issues);
}

/**
 * Turns a zod issue into `{ path, message }`, appending the received value when it is short.
 *
 * @param issue one zod issue
 * @returns the issue with a dotted path
 */
export function toConfigIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const path = issue.path.map(String).join(".");
  return { path, message: `${issue.message}${received(issue)}` };
}

function received(issue: z.core.$ZodIssue): string {
  if (!("input" in issue)) return "";
  const input = issue.input;
  if (input === undefined)
    return issue.code === "invalid_type" || issue.code === "invalid_union" ? ", got nothing" : "";
  const shown = show(input);
  return shown === undefined ? "" : `, got ${shown}`;
}

function show(value: unknown): string | undefined {
  let text: string | undefined;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number" || typeof value === "boolean" || value === null) text = String(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else if (Array.isArray(value)) text = "an array";
  return text !== undefined && text.length <= MAX_SHOWN ? text : undefined;
}
