/**
 * Scrapes a relayer's `/metrics` (Prometheus text) and sums the samples of one metric whose labels
 * include every given label.
 *
 * @param relayerUrl the relayer's base URL
 * @param name metric name, e.g. `crossmargin_failures_total`
 * @param labels labels the samples must carry, e.g. `{ queue: "attest" }`
 * @returns the sum (0 when no sample matches)
 * @throws {Error} when the scrape fails
 * @example
 * const failed = await readMetric(relayer.url, "crossmargin_failures_total", { queue: "attest" });
 */
export async function readMetric(
  relayerUrl: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const response = await fetch(`${relayerUrl.replace(/\/$/, "")}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = parseLabels(match[2] ?? "");
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) sum += Number(match[3]);
  }
  return sum;
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) labels.set(match[1], match[2]);
  }
  return labels;
}
