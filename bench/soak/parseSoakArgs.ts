/** What `npm run soak` was asked to do. */
export type SoakArgs = {
  /** How long the workload and the faults run (the final settle comes on top). */
  minutes: number;
  /** The hub chain's port; the vault chains and the three attester servers take the next five. */
  basePort: number;
  /** Seeds the workload's amounts and the faults' order and timing. */
  seed: number;
};

/** A bad command line: the message names the flag, the value and what was expected. */
export class SoakArgsError extends Error {
  override name = "SoakArgsError";
}

export const SOAK_USAGE = "usage: npm run soak -- --minutes N [--base-port P] [--seed S]";

/**
 * Parses `--minutes N` (a positive number, required), `--base-port P` (default 30_645) and
 * `--seed S` (default 1); `--flag=value` works too. Anything else is refused.
 *
 * @param argv the arguments after the script name
 * @returns the parsed arguments
 * @throws {SoakArgsError} on an unknown flag, a missing value or a value out of range
 */
export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? "";
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined];
    if (!["--minutes", "--base-port", "--seed"].includes(flag ?? ""))
      throw new SoakArgsError(`unknown argument ${JSON.stringify(arg)}; ${SOAK_USAGE}`);
    const value = inline ?? argv[i + 1];
    if (inline === undefined) i += 1;
    if (value === undefined || value === "" || value.startsWith("--"))
      throw new SoakArgsError(`${flag}: expected a value; ${SOAK_USAGE}`);
    values.set(flag ?? "", value);
  }
  const minutesText = values.get("--minutes");
  if (minutesText === undefined) throw new SoakArgsError(`--minutes: required; ${SOAK_USAGE}`);
  const minutes = Number(minutesText);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new SoakArgsError(`--minutes: expected a positive number, got ${JSON.stringify(minutesText)}`);
  const basePort = integer(values.get("--base-port") ?? "30645", "--base-port", 1_024, 65_530);
  const seed = integer(values.get("--seed") ?? "1", "--seed", 0, 2 ** 32 - 1);
  return { minutes, basePort, seed };
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SoakArgsError(
      `${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  return value;
}
