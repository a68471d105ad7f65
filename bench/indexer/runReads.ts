import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import type { Hex } from "viem";
import type { EndpointLatency } from "./loadTypes.js";
import { measureReads } from "./measureReads.js";
import { parseMetrics } from "./parseMetrics.js";
import {
  GRAPHQL_MARGIN,
  GRAPHQL_MARGIN_VIA_HONO,
  GRAPHQL_ROW,
  GRAPHQL_TABLES,
  REST_MARGIN,
  REST_MARGIN_VIA_HONO,
} from "./readEndpoints.js";
import type { ReadsReport, ServerCosts } from "./renderIndexerSection.js";
import type { BackfillRun } from "./runBackfill.js";

/** The indexer counts as idle once its event count has not moved for this long. */
const IDLE_MS = 2_000;
const IDLE_TIMEOUT_MS = 60_000;
/** Requests per endpoint at each concurrency of the sweep. */
const SWEEP_REQUESTS = 1_000;
/** Warm-up and measured requests per endpoint and pass of the ahead-of-Hono comparison. */
const ROUTES_WARMUP = 1_000;
const ROUTES_REQUESTS = 3_000;

/** Parameters of {@link runReads}. */
export type RunReadsParameters = {
  /** A finished real-indexer run on Postgres, still serving (`keepServing`). */
  run: BackfillRun;
  /** The generated accounts are `deriveAccount(salt, i)`, `i < accounts`. */
  salt: Hex;
  accounts: number;
  /** Requests in flight in the main measurement, its warm-up and measured requests per endpoint. */
  concurrency: number;
  /** Fewer requests in flight, measured after `ANALYZE`: where the latency target holds. */
  sweep: readonly number[];
  warmup: number;
  requests: number;
  progress: (line: string) => void;
};

/**
 * The read benchmark on a synced real indexer: waits until it is idle and has vacuumed its tables,
 * measures REST and GraphQL under load from a second process, again after a further `ANALYZE`,
 * again with node's `http` and with `fetch` as the client, and at fewer requests in flight.
 *
 * @param parameters the serving run, the accounts and the load
 * @returns the latencies, for `renderIndexerSection`
 */
export async function runReads(parameters: RunReadsParameters): Promise<ReadsReport> {
  const { run, progress } = parameters;
  const url = run.ponder?.url ?? "";
  const common = { baseUrl: url, salt: parameters.salt, accounts: parameters.accounts, seed: 20_261_124 };
  const endpoints = [REST_MARGIN, GRAPHQL_MARGIN, GRAPHQL_TABLES, GRAPHQL_ROW];
  const load = async (state: string) => {
    progress(
      `reads (${state}): ${parameters.requests} requests per endpoint after ${parameters.warmup} warm-up, ${parameters.concurrency} at a time, from a second process…`,
    );
    // One endpoint at a time, so that the server's costs can be told apart per endpoint. The
    // server's code is warmed by a load of its own first: the first run of an endpoint's code
    // (parsing, compiling, optimizing) is not what a request costs, and would land in its costs.
    const results: EndpointLatency[] = [];
    const costs: ServerCosts[] = [];
    for (const endpoint of endpoints) {
      const job = {
        ...common,
        endpoints: [endpoint],
        concurrency: parameters.concurrency,
        warmup: parameters.warmup,
        client: "raw" as const,
      };
      await measureReads({ ...job, requests: parameters.concurrency });
      const before = await serverCounters(run);
      const [result] = await measureReads({ ...job, requests: parameters.requests });
      if (result === undefined) continue;
      const cost = perRequest(before, await serverCounters(run), parameters.warmup + parameters.requests);
      results.push(result);
      costs.push(cost);
      progress(
        `  ${result.name}: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms; per request: indexer CPU ${cost.indexerCpuMs.toFixed(3)} ms (GC major ${cost.majorGcMs.toFixed(3)}, minor ${cost.minorGcMs.toFixed(3)}), Postgres CPU ${cost.postgresCpuMs.toFixed(3)} ms`,
      );
    }
    return { results, costs };
  };
  const settled = await waitUntilIdle(run);
  progress(
    `reads: indexer idle (${settled.events} events indexed after /ready, settled in ${(settled.ms / 1000).toFixed(1)} s)`,
  );
  const maintenance = await waitForMaintenance(run);
  progress(
    "durationMs" in maintenance
      ? `reads: the indexer vacuumed and analyzed its ${maintenance.tables} tables in ${(maintenance.durationMs / 1000).toFixed(1)} s`
      : `reads: the indexer's VACUUM (ANALYZE) did not happen: ${maintenance.failed}`,
  );
  const autovacuum = (await run.queryValue?.("SHOW autovacuum")) ?? "unknown";
  // The backfill's writes go to disk now, not in a checkpoint in the middle of a measurement.
  await run.queryValue?.("CHECKPOINT");
  const before = await load("as the indexer left the database");
  const beforeLoad = loadavg()[0] ?? Number.NaN;
  // Statistics again, with nothing changed since the indexer's own: the two states should measure
  // the same, and how far apart they come out shows this run's noise.
  await run.queryValue?.("ANALYZE");
  const after = await load("after a further ANALYZE");
  const afterLoad = loadavg()[0] ?? Number.NaN;
  const otherClients = [];
  for (const client of ["node-http", "fetch"] as const) {
    progress(
      `reads (after ANALYZE): the same with ${client} as the client, ${parameters.concurrency} at a time…`,
    );
    otherClients.push(
      ...(await measureReads({
        ...common,
        endpoints: [REST_MARGIN, GRAPHQL_MARGIN],
        concurrency: parameters.concurrency,
        warmup: parameters.warmup,
        requests: parameters.requests,
        client,
      })),
    );
  }
  const fetchLoad = loadavg()[0] ?? Number.NaN;
  const routes = await compareRoutes(parameters, common);
  const sweep = [];
  for (const concurrency of parameters.sweep) {
    progress(`reads (after ANALYZE): ${SWEEP_REQUESTS} requests per endpoint, ${concurrency} at a time…`);
    const results = await measureReads({
      ...common,
      endpoints: [REST_MARGIN, GRAPHQL_MARGIN, GRAPHQL_TABLES],
      concurrency,
      warmup: Math.min(parameters.warmup, 100),
      requests: SWEEP_REQUESTS,
      client: "raw",
    });
    sweep.push({ concurrency, results, loadAverage: loadavg()[0] ?? Number.NaN });
  }
  return {
    concurrency: parameters.concurrency,
    warmup: parameters.warmup,
    requests: parameters.requests,
    autovacuum,
    maintenance,
    load: [
      { state: "as the indexer left it", ...before, loadAverage: beforeLoad },
      { state: "after a further `ANALYZE`", ...after, loadAverage: afterLoad },
    ],
    clients: { results: [...after.results.slice(0, 2), ...otherClients], loadAverage: fetchLoad },
    routes,
    sweep,
  };
}

/** Longest the indexer's VACUUM (ANALYZE) after the backfill is waited for. */
const MAINTENANCE_TIMEOUT_MS = 10 * 60_000;

/** Waits for the indexer to log its VACUUM (ANALYZE) after the backfill, or its failure. */
async function waitForMaintenance(run: BackfillRun): Promise<ReadsReport["maintenance"]> {
  const started = performance.now();
  for (;;) {
    const maintenance = run.ponder?.maintenance();
    if (maintenance !== undefined) return maintenance;
    if (performance.now() - started > MAINTENANCE_TIMEOUT_MS)
      return { failed: `not logged within ${MAINTENANCE_TIMEOUT_MS / 60_000} min of /ready` };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Waits until the indexer's event count has not moved for {@link IDLE_MS}: right after `/ready`
 * the live sync indexes the blocks above Ponder's finality window (the Finality block handler
 * runs on each); reads are measured after that.
 */
async function waitUntilIdle(run: BackfillRun): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  const count = async () =>
    parseMetrics((await run.ponder?.metrics()) ?? "").sum("ponder_indexing_completed_events");
  const atReady = run.events;
  let last = await count();
  let since = performance.now();
  while (performance.now() - since < IDLE_MS && performance.now() - started < IDLE_TIMEOUT_MS) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = await count();
    if (now !== last) {
      last = now;
      since = performance.now();
    }
  }
  return { events: last - atReady, ms: performance.now() - started };
}

/**
 * The margin reads answered by the node routes in front of Ponder's Hono stack and by Hono
 * itself, in this one indexer, over two passes that take each pair in the opposite order (what
 * one measurement leaves behind, old-generation garbage for instance, lands on the next), with
 * the indexer's own CPU time per request (warm-up included) from `/proc`.
 */
async function compareRoutes(
  parameters: RunReadsParameters,
  common: { baseUrl: string; salt: Hex; accounts: number; seed: number },
): Promise<ReadsReport["routes"]> {
  const pid = parameters.run.ponder?.pid;
  const reads = [
    { read: "REST", node: REST_MARGIN, hono: REST_MARGIN_VIA_HONO },
    { read: "GraphQL", node: GRAPHQL_MARGIN, hono: GRAPHQL_MARGIN_VIA_HONO },
  ];
  const rows: ReadsReport["routes"]["rows"] = [];
  for (const pass of [1, 2]) {
    parameters.progress(
      `reads (after ANALYZE): ahead of Hono and through it, pass ${pass}, ${ROUTES_REQUESTS} requests each…`,
    );
    for (const { read, node, hono } of reads)
      for (const viaHono of pass === 1 ? [false, true] : [true, false]) {
        const before = processCpuMs(pid);
        const [result] = await measureReads({
          ...common,
          endpoints: [viaHono ? hono : node],
          concurrency: parameters.concurrency,
          warmup: ROUTES_WARMUP,
          requests: ROUTES_REQUESTS,
          client: "raw",
        });
        if (result === undefined) continue;
        const indexerCpuMs = (processCpuMs(pid) - before) / (ROUTES_WARMUP + ROUTES_REQUESTS);
        rows.push({ pass, read, viaHono, result, indexerCpuMs });
      }
  }
  return { requests: ROUTES_REQUESTS, warmup: ROUTES_WARMUP, rows, loadAverage: loadavg()[0] ?? Number.NaN };
}

/** The same figures as {@link ServerCosts}, but totals so far rather than per request. */
type ServerCounters = ServerCosts;

/**
 * What the server side has spent so far: the indexer's CPU time and its garbage collections (from
 * its own `nodejs_gc_duration_seconds`, which Ponder's `/metrics` serves), and the CPU time of
 * every Postgres process on the machine (its backends and its background workers alike).
 */
async function serverCounters(run: BackfillRun): Promise<ServerCounters> {
  const metrics = parseMetrics((await run.ponder?.metrics()) ?? "");
  const gcMs = (kind: string) => metrics.sum("nodejs_gc_duration_seconds_sum", { kind }) * 1000;
  return {
    indexerCpuMs: processCpuMs(run.ponder?.pid),
    majorGcMs: gcMs("major"),
    minorGcMs: gcMs("minor"),
    postgresCpuMs: postgresCpuMs(),
  };
}

function perRequest(before: ServerCounters, after: ServerCounters, requests: number): ServerCosts {
  const keys = Object.keys(after) as (keyof ServerCounters)[];
  return Object.fromEntries(keys.map((key) => [key, (after[key] - before[key]) / requests])) as ServerCosts;
}

/**
 * CPU time of Postgres: every live process named `postgres` (what `/proc` shows of other users'
 * processes too), plus what the postmaster's children that have exited used (its `cutime` and
 * `cstime`: the postmaster reaps its backends), so that a connection closed between two readings
 * does not take its CPU time with it.
 */
function postgresCpuMs(): number {
  const processes = new Map<string, { ppid: string; own: number; reaped: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== "postgres") continue;
    const fields = statFields(stat);
    const ms = (i: number) => (Number(fields[i]) * 1000) / CLOCK_TICKS_PER_SECOND;
    processes.set(entry, { ppid: fields[1] ?? "", own: ms(11) + ms(12), reaped: ms(13) + ms(14) });
  }
  let total = 0;
  for (const { ppid, own, reaped } of processes.values()) total += own + (processes.has(ppid) ? 0 : reaped); // a postmaster: its parent is not Postgres
  return total;
}

/** User + system CPU time of a process in ms, from `/proc/<pid>/stat` (NaN where there is none). */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time in ms from the text of a `/proc/<pid>/stat`. */
function cpuMsOfStat(stat: string): number {
  const fields = statFields(stat);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The fields of a `/proc/<pid>/stat` after the command name (which is in parentheses and may hold
 * spaces), from field 3 on: ppid is `[1]`, utime and stime `[11]` and `[12]`, cutime and cstime
 * (children waited for) `[13]` and `[14]`.
 */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Linux's USER_HZ, which `/proc` counts CPU time in (100 on every architecture Node runs on). */
const CLOCK_TICKS_PER_SECOND = 100;
