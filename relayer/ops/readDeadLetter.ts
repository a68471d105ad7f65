import type { DeadLetterJobData } from "../types.js";

/** A dead letter's data, checked, or why it is not a `DeadLetterJobData`. */
export type ReadDeadLetterReturnType =
  | { ok: true; data: DeadLetterJobData }
  | { ok: false; problem: string; data: Partial<DeadLetterJobData> };

/**
 * Checks a `dead-letter` job's data against {@link DeadLetterJobData} (Redis holds JSON another
 * process wrote, so it is checked, not trusted).
 *
 * @param data the job's data
 * @returns the typed data, or the first problem found and whatever fields were usable
 */
export function readDeadLetter(data: unknown): ReadDeadLetterReturnType {
  if (typeof data !== "object" || data === null)
    return { ok: false, problem: "its data is not an object", data: {} };
  const record: Record<string, unknown> = { ...data };
  const usable: Partial<DeadLetterJobData> = {};
  if (typeof record.queue === "string") usable.queue = record.queue;
  if (typeof record.jobId === "string") usable.jobId = record.jobId;
  if (typeof record.reason === "string") usable.reason = record.reason;
  if (typeof record.message === "string") usable.message = record.message;
  if (typeof record.failedAt === "number") usable.failedAt = record.failedAt;
  for (const [field, type] of [
    ["queue", "string"],
    ["jobId", "string"],
    ["reason", "string"],
    ["message", "string"],
    ["failedAt", "number"],
  ] as const) {
    if (typeof record[field] !== type)
      return {
        ok: false,
        problem: `expected data.${field} to be a ${type}, got ${typeof record[field]}`,
        data: usable,
      };
  }
  if (typeof record.data !== "object" || record.data === null)
    return { ok: false, problem: "expected data.data to hold the original job's data", data: usable };
  // Every field was checked above; the original job's data is carried through as it was stored.
  return { ok: true, data: record as DeadLetterJobData };
}
