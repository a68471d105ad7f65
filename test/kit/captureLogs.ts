import { Writable } from "node:stream";
import { type Logger, pino } from "pino";

/** A pino logger that keeps its JSON lines in memory, for printing when a test fails. */
export type CapturedLogs = {
  logger: Logger;
  /** The last `chars` characters logged (default 20 000). */
  tail: (chars?: number) => string;
};

/**
 * Creates a logger whose output is kept in memory instead of flooding the test output.
 *
 * @param level the lowest level kept (default `info`)
 * @returns the logger and a way to read what it logged
 */
export function captureLogs(level = "info"): CapturedLogs {
  const chunks: string[] = [];
  let size = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      size += chunk.length;
      // Keep memory bounded: drop the oldest lines beyond ~2 MB.
      while (size > 2_000_000 && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
      callback();
    },
  });
  return {
    logger: pino({ level }, stream),
    tail: (chars = 20_000) => chunks.join("").slice(-chars),
  };
}
