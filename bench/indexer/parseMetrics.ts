/** One Prometheus sample. */
export type MetricSample = { name: string; labels: Record<string, string>; value: number };

/** Parsed `/metrics` text with small lookups. */
export type ParseMetricsReturnType = {
  samples: MetricSample[];
  /** Sum of every sample of `name` whose labels include `labels`. */
  sum: (name: string, labels?: Record<string, string>) => number;
  /** Every value of `label` seen on samples of `name`. */
  labelValues: (name: string, label: string) => string[];
};

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * Parses the Prometheus text format that Ponder's `/metrics` serves (comments skipped).
 *
 * @param text the `/metrics` body
 * @returns the samples and lookups
 * @example
 * parseMetrics(text).sum("ponder_indexing_completed_events"); // events indexed so far
 */
export function parseMetrics(text: string): ParseMetricsReturnType {
  const samples: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const match = LINE.exec(line.trim());
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL))
      if (key !== undefined) labels[key] = value ?? "";
    samples.push({ name: match[1] ?? "", labels, value: Number(match[3]) });
  }
  const matches = (sample: MetricSample, name: string, labels: Record<string, string>) =>
    sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
  return {
    samples,
    sum: (name, labels = {}) =>
      samples.filter((s) => matches(s, name, labels)).reduce((total, s) => total + s.value, 0),
    labelValues: (name, label) => [
      ...new Set(
        samples.filter((s) => s.name === name && label in s.labels).map((s) => s.labels[label] ?? ""),
      ),
    ],
  };
}
