/** A count, rounded, with thousands separators (`—` when not finite). */
export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");

/** Milliseconds as seconds with one decimal (`—` when missing). */
export const sec = (ms: number | undefined): string =>
  ms === undefined || !Number.isFinite(ms) ? "—" : `${(ms / 1000).toFixed(1)} s`;

/** A latency in ms: two decimals below 10, one above. */
export const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(1));

/** CPU milliseconds per request, three decimals (`—` when missing). */
export function cpuMs(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(3) : "—";
}
