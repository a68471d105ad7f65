/**
 * Nearest-rank percentile: the smallest value with at least `p` % of the sample at or below it.
 *
 * @param values the sample (any order; not modified)
 * @param p the percentile, 0–100
 * @returns the percentile, NaN for an empty sample
 * @example
 * percentile([3, 1, 2], 50); // 2
 */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * Arithmetic mean.
 *
 * @param values the sample
 * @returns the mean, NaN for an empty sample
 */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}
