import { pollUntil } from "./pollUntil.js";

/** One pino JSON line of a relayer (`{ level, at, msg, ...context }`). */
export type RelayerLogLine = { msg?: string; at?: string } & Record<string, unknown>;

/**
 * The JSON lines of a relayer's output (lines that are not JSON, e.g. a stack trace on stderr,
 * are skipped).
 *
 * @param text what the relayer printed
 * @returns its log lines, oldest first
 */
export function relayerLogLines(text: string): RelayerLogLine[] {
  const lines: RelayerLogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as RelayerLogLine);
    } catch {
      // a line cut off by a kill
    }
  }
  return lines;
}

/**
 * Waits until a relayer has printed a log line that `match` accepts.
 *
 * @param logs reads what the relayer printed so far (e.g. `RelayerProcess.logs`)
 * @param match which line
 * @param options timeout and what is awaited (named in the timeout error)
 * @returns the first matching line
 * @example
 * const sent = await waitForLogLine(relayer.logs, (l) => l.msg === "transaction sent", { what: "a send" });
 */
export async function waitForLogLine(
  logs: () => string,
  match: (line: RelayerLogLine) => boolean,
  options: { timeoutMs?: number; what: string },
): Promise<RelayerLogLine> {
  const found = await pollUntil(
    async () => relayerLogLines(logs()).find(match),
    (line) => line !== undefined,
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 50, what: options.what },
  );
  if (found === undefined) throw new Error(`no log line: ${options.what}`); // pollUntil returned an accepted value
  return found;
}
