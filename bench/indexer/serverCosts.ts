import { readdirSync, readFileSync } from "node:fs";
import type { Hex } from "viem";
import type { EndpointLatency, EndpointSpec, LoadJob } from "./loadTypes.js";
import { measureReads } from "./measureReads.js";
import { parseMetrics } from "./parseMetrics.js";
import type { ServerCosts } from "./renderIndexerSection.js";
import type { StartPonderReturnType } from "./startPonder.js";

/** PRNG seed of the account choice in every measured read load (the same accounts in each). */
export const READ_SEED = 20_261_124;

/** The load of {@link measureEndpoints}: which accounts, how many requests, how many at once. */
export type EndpointLoad = {
  /** The generated accounts are `deriveAccount(salt, i)`, `i < accounts`. */
  salt: Hex;
  accounts: number;
  concurrency: number;
  warmup: number;
  requests: number;
};

/**
 * Each endpoint's latency under load from a second process (one endpoint at a time, so that the
 * server's costs can be told apart per endpoint), with what the server spent per request (warm-up
 * included). Each endpoint's code is warmed by a load of its own first: the first run of an
 * endpoint's code (parsing, compiling, optimizing) is not what a request costs.
 *
 * @param ponder the serving indexer
 * @param endpoints the endpoints, measured in this order
 * @param load the accounts and the load
 * @param progress where each endpoint's figures are printed
 * @returns the latencies and, at the same index, the server's costs per request
 */
export async function measureEndpoints(
  ponder: StartPonderReturnType | undefined,
  endpoints: readonly EndpointSpec[],
  load: EndpointLoad,
  progress: (line: string) => void,
): Promise<{ results: EndpointLatency[]; costs: ServerCosts[] }> {
  const results: EndpointLatency[] = [];
  const costs: ServerCosts[] = [];
  for (const endpoint of endpoints) {
    const job: LoadJob = {
      ...load,
      baseUrl: ponder?.url ?? "",
      endpoints: [endpoint],
      seed: READ_SEED,
      client: "raw",
    };
    await measureReads({ ...job, requests: job.concurrency });
    const before = await serverCounters(ponder);
    const [result] = await measureReads(job);
    if (result === undefined) continue;
    const cost = perRequest(before, await serverCounters(ponder), job.warmup + job.requests);
    results.push(result);
    costs.push(cost);
    progress(
      `  ${result.name}: p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms; per request: indexer CPU ${cost.indexerCpuMs.toFixed(3)} ms (GC major ${cost.majorGcMs.toFixed(3)}, minor ${cost.minorGcMs.toFixed(3)}), Postgres CPU ${cost.postgresCpuMs.toFixed(3)} ms`,
    );
  }
  return { results, costs };
}

/** The same figures as {@link ServerCosts}, but totals so far rather than per request. */
type ServerCounters = ServerCosts;

/**
 * What the server side has spent so far: the indexer's CPU time and its garbage collections (from
 * its own `nodejs_gc_duration_seconds`, which Ponder's `/metrics` serves), and the CPU time of
 * every Postgres process on the machine (its backends and its background workers alike).
 */
async function serverCounters(ponder: StartPonderReturnType | undefined): Promise<ServerCounters> {
  const metrics = parseMetrics((await ponder?.metrics()) ?? "");
  const gcMs = (kind: string) => metrics.sum("nodejs_gc_duration_seconds_sum", { kind }) * 1000;
  return {
    indexerCpuMs: processCpuMs(ponder?.pid),
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
export function processCpuMs(pid: number | undefined): number {
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
