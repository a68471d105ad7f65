import { loadavg } from "node:os";
import type { Hex } from "viem";
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
import type { ReadsReport } from "./renderIndexerSection.js";
import type { BackfillRun } from "./runBackfill.js";
import { measureEndpoints, processCpuMs, READ_SEED } from "./serverCosts.js";
import type { StartPonderReturnType } from "./startPonder.js";

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
  const common = { baseUrl: url, salt: parameters.salt, accounts: parameters.accounts, seed: READ_SEED };
  const endpoints = [REST_MARGIN, GRAPHQL_MARGIN, GRAPHQL_TABLES, GRAPHQL_ROW];
  const load = (state: string) => {
    progress(
      `reads (${state}): ${parameters.requests} requests per endpoint after ${parameters.warmup} warm-up, ${parameters.concurrency} at a time, from a second process…`,
    );
    return measureEndpoints(run.ponder, endpoints, parameters, progress);
  };
  const settled = await waitUntilIdle(run.ponder, run.events);
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
export async function waitForMaintenance(run: BackfillRun): Promise<ReadsReport["maintenance"]> {
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
 *
 * @param ponder the serving indexer
 * @param atReady its event count at `/ready` (the events it indexed since are reported)
 * @returns the events indexed since `/ready` and how long the wait took
 */
export async function waitUntilIdle(
  ponder: StartPonderReturnType | undefined,
  atReady: number,
): Promise<{ events: number; ms: number }> {
  const started = performance.now();
  const count = async () =>
    parseMetrics((await ponder?.metrics()) ?? "").sum("ponder_indexing_completed_events");
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
