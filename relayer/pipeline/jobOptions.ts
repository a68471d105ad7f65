/**
 * Options of every attest and deliver job: retried with capped exponential backoff
 * ({@link cappedBackoff}, which the workers register as the "capped" strategy) practically
 * forever — work waits out a down attester or RPC rather than being dropped — and kept after
 * completion for a day so a duplicate enqueue of the same id stays a no-op.
 */
export const JOB_OPTIONS = {
  attempts: 10_000,
  backoff: { type: "capped" },
  removeOnComplete: { age: 86_400, count: 100_000 },
  removeOnFail: { age: 7 * 86_400 },
} as const;

/**
 * Backoff of a failed attempt: 250 ms doubling, at most 10 s, with ±20 % jitter.
 *
 * @param attemptsMade attempts so far (1 after the first failure)
 * @returns milliseconds to wait
 */
export function cappedBackoff(attemptsMade: number): number {
  const base = Math.min(10_000, 250 * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 10));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
