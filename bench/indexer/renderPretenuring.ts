import { cpuMs, int, ms } from "./formatFigures.js";
import type { EndpointLatency } from "./loadTypes.js";
import type { ServerCosts } from "./renderIndexerSection.js";

/** One side of the pretenuring comparison: the margin reads of one indexer and its backfill rate. */
export type PretenuringSide = {
  results: EndpointLatency[];
  /** The server's costs per request, at the index of `results`. */
  costs: ServerCosts[];
  loadAverage: number;
  eventsPerSecond: number;
};

/**
 * Renders the pretenuring comparison: per read, the indexer with pretenuring off (the default)
 * beside one that backfilled and served with it kept.
 *
 * @param kept the reads of the indexer that backfilled with pretenuring kept
 * @param off the default run's first read pass and backfill rate
 * @param concurrency requests in flight in both
 * @returns the Markdown, or `""` when either side is missing
 */
export function renderPretenuring(
  kept: PretenuringSide | undefined,
  off: PretenuringSide | undefined,
  concurrency: number,
): string {
  if (kept === undefined || off === undefined || kept.results.length === 0) return "";
  const sides = [
    { setting: "off (default)", load: off },
    { setting: "kept (`CROSSMARGIN_V8_PRETENURING=on`)", load: kept },
  ];
  const rows = kept.results.flatMap((read) =>
    sides.flatMap(({ setting, load }) => {
      const i = load.results.findIndex((r) => r.name === read.name);
      const r = load.results[i];
      if (r === undefined) return [];
      const c = load.costs[i];
      return [
        `| ${r.name} | ${setting} | ${ms(r.p50)} | ${ms(r.p90)} | **${ms(r.p99)}** | ${ms(r.max)} | ${int(r.requestsPerSecond)} | ${cpuMs(c?.indexerCpuMs)} | ${cpuMs(c?.majorGcMs)} / ${cpuMs(c?.minorGcMs)} | ${load.loadAverage.toFixed(1)} |`,
      ];
    }),
  );
  return [
    `**V8 pretenuring, off and kept.** The indexer turns V8's allocation-site pretenuring off (\`indexer/lib/configureV8.ts\`). V8 makes its pretenuring decisions while the indexer backfills (an indexer restarted on the synced database showed none), so the comparison needs a backfill of its own: after the reads above, the real indexer backfilled the same data once more on Postgres with pretenuring kept (its run is in the backfill table, not in the ratio; ${int(kept.eventsPerSecond)} events/s against ${int(off.eventsPerSecond)} with it off), and its margin reads were measured as the first pass above was (idle, vacuumed, after a \`CHECKPOINT\`, ${concurrency} in flight, a warm-up load per endpoint first, the same accounts). The off rows are that first pass.`,
    "",
    "| endpoint | pretenuring | p50 | p90 | p99 | max | requests/s | indexer CPU ms/request | of which GC major / minor | load avg |",
    "|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
