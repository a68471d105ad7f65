/** Percentiles of a latency sample, in the sample's unit. */
export type SummarizeLatenciesReturnType = {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
};

/**
 * Summarizes latencies with nearest-rank percentiles (the p-th percentile is the smallest value
 * with at least p % of the sample at or below it).
 *
 * @param latencies one value per request (any order; not modified)
 * @returns count, p50, p90, p99, max and mean (all NaN for an empty sample)
 * @example
 * summarizeLatencies([3, 1, 2]).p50; // 2
 */
export function summarizeLatencies(latencies: readonly number[]): SummarizeLatenciesReturnType {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}
