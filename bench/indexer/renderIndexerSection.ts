import { cpuMs, int, ms, sec } from "./formatFigures.js";
import type { GenerateEventsReturnType } from "./generateEvents.js";
import type { EndpointLatency } from "./loadTypes.js";
import { type PretenuringSide, renderPretenuring } from "./renderPretenuring.js";
import type { BackfillRun } from "./runBackfill.js";

/** A backfill run with its correctness check. */
export type VerifiedRun = BackfillRun & {
  /** 1 for the first run of this project on this database, 2 for the second, … */
  attempt: number;
  /** The machine's 1-minute load average when the run ended (other work skews the figures). */
  loadAverage: number;
  check: { ok: boolean; text: string };
};

/** Everything the indexer section reports. */
export type IndexerSectionInput = {
  settings: {
    accounts: number;
    withdrawalRequests: number;
    budgetSeconds: number;
    depositsPerTx: number;
    finalityPadding: number;
  };
  generated: GenerateEventsReturnType;
  expectedAccounts: number;
  runs: VerifiedRun[];
  reads: ReadsReport | undefined;
  /** The margin reads of a real indexer that backfilled with V8's pretenuring kept, after `reads`. */
  pretenuring: PretenuringSide | undefined;
  notes: string[];
};

/** What the read benchmark measured. */
export type ReadsReport = {
  concurrency: number;
  warmup: number;
  requests: number;
  /** The server's `autovacuum` setting (which would ANALYZE the tables after the backfill). */
  autovacuum: string;
  /** The indexer's own VACUUM (ANALYZE) after the backfill, as it logged it. */
  maintenance: { durationMs: number; tables: number } | { failed: string };
  /**
   * At `concurrency`, as the indexer left the database and after a further `ANALYZE`; `costs[i]`
   * is what the server spent per request (warm-up included) on `results[i]`'s endpoint.
   */
  load: { state: string; results: EndpointLatency[]; costs: ServerCosts[]; loadAverage: number }[];
  /** After `ANALYZE`, at `concurrency`: REST and GraphQL margin with each client. */
  clients: { results: EndpointLatency[]; loadAverage: number };
  /** After `ANALYZE`, at `concurrency`: the margin reads ahead of Hono and through it, two passes. */
  routes: {
    requests: number;
    warmup: number;
    /** `read` pairs a node route's row with its Hono twin's. */
    rows: { pass: number; read: string; viaHono: boolean; result: EndpointLatency; indexerCpuMs: number }[];
    loadAverage: number;
  };
  /** After `ANALYZE`, at fewer concurrent requests. */
  sweep: { concurrency: number; results: EndpointLatency[]; loadAverage: number }[];
};

/** What the server side spent per request, in ms of CPU time. */
export type ServerCosts = {
  /** The Ponder process (user + system). */
  indexerCpuMs: number;
  /** Of which in its garbage collector: mark-compact (major) and scavenges (minor). */
  majorGcMs: number;
  minorGcMs: number;
  /** Every Postgres process on the machine. */
  postgresCpuMs: number;
};

/** Targets of the brief. */
const MAX_RATIO = 1.5;
const MAX_P99_MS = 10;
/** The first endpoints of a read load are the ones the target is for: REST and its GraphQL twin. */
const TARGET_ENDPOINTS = 2;

/**
 * Renders the Markdown body of the indexer benchmark: the data, the backfill table with the
 * real/bare ratio per database and its verdict, where the real indexer's time goes, and the read
 * latencies with their verdict.
 *
 * @param input the measured runs and reads
 * @returns the section body
 */
export function renderIndexerSection(input: IndexerSectionInput): string {
  return [
    data(input),
    backfill(input),
    profile(input),
    readsSection(input),
    renderPretenuring(input.pretenuring, pretenuringBaseline(input), input.reads?.concurrency ?? 0),
    causes(input),
    notes(input),
  ]
    .filter((part) => part !== "")
    .join("\n\n");
}

/** The default run's side of the pretenuring comparison: the reads' first pass and the serving run's backfill. */
function pretenuringBaseline(input: IndexerSectionInput): PretenuringSide | undefined {
  const first = input.reads?.load[0];
  const served = input.runs.find(
    (r) =>
      r.project === "real" && r.database === "postgres" && r.pretenuring === "off" && r.ponder !== undefined,
  );
  return first === undefined || served === undefined
    ? undefined
    : { ...first, eventsPerSecond: served.eventsPerSecond };
}

function data(input: IndexerSectionInput): string {
  const { generated, settings } = input;
  const chains = generated.chains;
  const transactions = chains.reduce((sum, c) => sum + c.transactions, 0);
  const requests = chains.reduce((sum, c) => sum + c.withdrawalRequests, 0);
  const gas = chains[0]?.gasPerDeposit ?? 0n;
  return [
    `**Data.** ${int(settings.accounts)} deposits, each to a distinct account (\`BulkDepositor.depositMany\`, ${settings.depositsPerTx} real \`CollateralVault.depositFor\` calls per transaction, ${int(Number(gas))} gas each), plus ${int(requests)} withdrawal requests by the \`BulkDepositor\` itself, over ${chains.length} vault chains (${chains.map((c) => c.chainId).join(", ")}): **${int(generated.vaultEvents)} vault events** (\`Deposited\`, \`WithdrawalRequested\`, \`PacketSent\`) in ${int(transactions)} transactions, generated in ${generated.seconds.toFixed(1)} s on anvil (automine).`,
    `Then ${settings.finalityPadding} empty blocks on every chain, so everything is final to Ponder (it treats 30 blocks as final on unknown chain ids), and only then the indexers start: the whole sync is a backfill. Each run starts from nothing (a fresh Postgres database, since Ponder caches RPC answers per database, created after a \`CHECKPOINT\` so that no earlier run's dirty pages are written out during it; or a fresh PGlite directory), one after the other on the same data.`,
  ].join(" ");
}

function backfill(input: IndexerSectionInput): string {
  const rows = input.runs.map((run) => {
    const name =
      (run.project === "real" ? "real (`indexer/`)" : "bare (`bench/ponder-bare`)") +
      (run.pretenuring === "on" ? ", V8 pretenuring kept" : "");
    const db = run.database === "postgres" ? "Postgres" : "PGlite";
    const rate = run.finished
      ? `**${int(run.eventsPerSecond)}**`
      : `${int(run.eventsPerSecond)} (unfinished)`;
    const check = `${run.check.ok ? "✓" : "✗"} ${run.check.text}`;
    return `| ${name} | ${db} | ${run.attempt} | ${int(run.events)} | ${sec(run.backfillMs)} | ${rate} | ${sec(run.timings?.readyMs)} | ${sec(run.timings?.startupMs)} | ${sec(run.timings?.indexesMs)} | ${run.loadAverage.toFixed(1)} | ${check} |`;
  });
  const ratios = (["postgres", "pglite"] as const).flatMap((db) => ratioLine(input.runs, db));
  return [
    "### Backfill",
    "",
    "| indexer | database | run | events indexed | backfill | events/s | spawn → `/ready` | of which start-up | index build | load avg | check |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "*backfill* is Ponder's own \"Completed backfill indexing across all chains\" duration (RPC fetch, handlers and database flushes from the first block to the last); *spawn → `/ready`* adds the build and database set-up (*start-up*) and the schema's indexes, which Ponder builds after the backfill (*index build*). events/s = events indexed ÷ backfill. *load avg* is the machine's 1-minute load average at the end of the run (2 cores; other work on the machine slows a run). A run still going at its budget " +
      `(${input.settings.budgetSeconds} s) is stopped and its rate is over the part it indexed.`,
    "",
    ...ratios,
  ].join("\n");
}

function ratioLine(runs: readonly VerifiedRun[], database: BackfillRun["database"]): string[] {
  const real = bestRun(runs, "real", database);
  const bare = bestRun(runs, "bare", database);
  if (real === undefined || bare === undefined) return [];
  const runCount = runs.filter(
    (r) => r.project === "real" && r.database === database && r.pretenuring === "off",
  ).length;
  const of = runCount > 1 ? `best of ${runCount} runs each, ` : "";
  const db = database === "postgres" ? "Postgres" : "PGlite";
  const ratio = bare.eventsPerSecond / real.eventsPerSecond;
  const wall =
    real.timings !== undefined && bare.timings !== undefined
      ? ` (spawn → \`/ready\`: ${(real.timings.readyMs / bare.timings.readyMs).toFixed(2)}×)`
      : "";
  const met = real.finished && bare.finished && ratio <= MAX_RATIO;
  const verdict = met ? "**met**" : "**missed**";
  const partial = real.finished
    ? ""
    : " (the real indexer did not finish; the ratio is over the part it indexed)";
  return [
    `- ${db}: real/bare = **${ratio.toFixed(2)}×** on events/s (${of}${int(bare.eventsPerSecond)} vs ${int(real.eventsPerSecond)})${wall}. Target ≤ ${MAX_RATIO}×: ${verdict}${partial}.`,
  ];
}

/** The fastest finished run of a project on a database (else its fastest unfinished one). */
function bestRun(
  runs: readonly VerifiedRun[],
  project: BackfillRun["project"],
  database: BackfillRun["database"],
): VerifiedRun | undefined {
  return runs
    .filter((r) => r.project === project && r.database === database && r.pretenuring === "off")
    .sort((a, b) => Number(b.finished) - Number(a.finished) || b.eventsPerSecond - a.eventsPerSecond)[0];
}

function profile(input: IndexerSectionInput): string {
  const real = bestRun(input.runs, "real", "postgres") ?? bestRun(input.runs, "real", "pglite");
  const bare = real === undefined ? undefined : bestRun(input.runs, "bare", real.database);
  if (real === undefined) return "";
  const events = Math.max(real.events, 1);
  const p = real.profile;
  const handlerRows = p.handlers
    .slice(0, 6)
    .map((h) => `| \`${h.event}\` | ${int(h.count)} | ${ms(h.meanMs)} | ${sec(h.meanMs * h.count)} |`);
  const bareHandler = bare?.profile.handlers[0];
  const perEvent = (n: number | undefined) => ((n ?? 0) / events).toFixed(1);
  const steps = (run: BackfillRun) =>
    Object.entries(run.profile.steps)
      .filter(([, v]) => v >= 1)
      .map(([step, v]) => `${step} ${sec(v)}`)
      .join(", ");
  return [
    `**Where the real indexer's time goes** (Ponder's metrics, ${real.project}/${real.database} run ${real.attempt}):`,
    "",
    "| handler | events | mean ms | total |",
    "|---|---|---|---|",
    ...handlerRows,
    "",
    `Per event: ${perEvent(p.storeOps.find)} \`find\`, ${perEvent(p.storeOps.insert)} \`insert\`, ${perEvent(p.storeOps.update)} \`update\` through the store; store reads answered from the cache ${int((p.cacheRequests.hit ?? 0) + (p.cacheRequests.complete ?? 0))}, from the database ${int(p.cacheRequests.miss ?? 0)}; raw \`db.sql\` queries ${int(p.rawSql.count)} (mean ${ms(p.rawSql.meanMs)} ms). Pipeline steps (Ponder's \`ponder_historical_transform_duration\`): ${steps(real)}.` +
      (bare === undefined || bareHandler === undefined
        ? ""
        : ` Bare, same database: its handler (\`${bareHandler.event}\`) takes ${ms(bareHandler.meanMs)} ms per event; steps ${steps(bare)}.`),
  ].join("\n");
}

function readsSection(input: IndexerSectionInput): string {
  const reads = input.reads;
  if (reads === undefined) return "";
  const cpu = (r: EndpointLatency) => r.clientCpuMs.toFixed(2);
  const line = (r: EndpointLatency, c: ServerCosts | undefined, state: string, load: number) =>
    `| ${r.name} | ${state} | ${ms(r.p50)} | ${ms(r.p90)} | **${ms(r.p99)}** | ${ms(r.max)} | ${int(r.requestsPerSecond)} | ${cpu(r)} | ${cpuMs(c?.indexerCpuMs)} | ${cpuMs(c?.majorGcMs)} / ${cpuMs(c?.minorGcMs)} | ${cpuMs(c?.postgresCpuMs)} | ${load.toFixed(1)} |`;
  const names = reads.load[0]?.results.map((r) => r.name) ?? [];
  const loadRows = names.flatMap((name) =>
    reads.load.flatMap((phase) =>
      phase.results.flatMap((r, i) =>
        r.name === name ? [line(r, phase.costs[i], phase.state, phase.loadAverage)] : [],
      ),
    ),
  );
  const verdicts = reads.load.flatMap((phase) =>
    phase.results.slice(0, TARGET_ENDPOINTS).map((r) => {
      const met = r.p99 <= MAX_P99_MS;
      return `- ${r.name}, ${phase.state}: p99 ${ms(r.p99)} ms at ${reads.concurrency} concurrent; target ≤ ${MAX_P99_MS} ms: ${met ? "**met**" : "**missed**"}.`;
    }),
  );
  const clientRows = reads.clients.results.map(
    (r) =>
      `| ${r.name} | \`${r.client}\` | ${ms(r.p50)} | **${ms(r.p99)}** | ${int(r.requestsPerSecond)} | ${cpu(r)} |`,
  );
  const routeRows = reads.routes.rows.map(
    (row) =>
      `| ${row.result.name} | ${row.viaHono ? "Ponder's Hono stack" : "node route, ahead of Hono"} | ${row.pass} | ${ms(row.result.p50)} | **${ms(row.result.p99)}** | ${int(row.result.requestsPerSecond)} | ${cpuMs(row.indexerCpuMs)} |`,
  );
  const routeSummary = routeVerdict(reads.routes.rows);
  const sweepRows = reads.sweep.flatMap((step) =>
    step.results.map(
      (r) =>
        `| ${r.name} | ${step.concurrency} | ${ms(r.p50)} | **${ms(r.p99)}** | ${int(r.requestsPerSecond)} | ${step.loadAverage.toFixed(1)} |`,
    ),
  );
  const sweepVerdicts = (reads.sweep[0]?.results ?? []).map((first) => {
    const levels = reads.sweep.flatMap((step) =>
      step.results
        .filter((r) => r.name === first.name)
        .map((r) => ({ concurrency: step.concurrency, p99: r.p99 })),
    );
    const met = levels.filter((l) => l.p99 <= MAX_P99_MS).map((l) => l.concurrency);
    const figures = levels.map((l) => `${ms(l.p99)} ms at ${l.concurrency}`).join(", ");
    const verdict =
      met.length === 0
        ? `not met at any of these concurrencies`
        : `**met** at ${met.join(", ")} concurrent (largest: ${Math.max(...met)})`;
    return `- ${first.name}, after \`ANALYZE\`: p99 ${figures}; target ≤ ${MAX_P99_MS} ms ${verdict}.`;
  });
  return [
    `### Reads at ${int(input.expectedAccounts)} accounts (Postgres)`,
    "",
    `The real indexer from the Postgres backfill above, kept serving (idle: no new blocks). A second Node process (\`bench/indexer/loadWorker.ts\`) sends ${int(reads.requests)} requests per endpoint after ${int(reads.warmup)} warm-up requests (cycling over 32 accounts: they warm the server's code, which V8 optimizes over the first thousands of requests, not the pages of the accounts measured), ${reads.concurrency} at a time (\`BENCH_INDEXER_CONCURRENCY\`) over keep-alive loopback connections (one socket per request in flight; HTTP/1.1 written and read by hand, the lightest client measured below, since its CPU comes out of the same 2 cores), each for a random one of the ${int(input.settings.accounts)} generated accounts; the load process, the indexer and Postgres share the machine's 2 cores. Latency is client-side (request sent → body read), in ms; every answer is checked (200, names the account, no GraphQL \`errors\`); *client CPU* is the load process's own CPU time per request, which the indexer and Postgres do not get; *indexer CPU* (of which its garbage collector's, by Node's own \`nodejs_gc_duration_seconds\` in Ponder's \`/metrics\`) and *Postgres CPU* (every Postgres process, from \`/proc\`) are what the server side spent per request, each endpoint measured on its own after a warm-up load of its own (the first run of its code is not counted), the second warm-up included; *load avg* is the machine's 1-minute load average after the measurement (the indexer, Postgres and the load process account for about 2 of it). The equivalent GraphQL query is \`margin(account:)\` with every field selected (its \`data.margin\` is the REST answer, from the same reader: margin reads that arrive in the same event-loop turn, REST or GraphQL, share one SQL statement); the same data through Ponder's generated table fields (one SQL query per list and relation) and the stored aggregate row alone are measured beside it. Measured twice, after a \`CHECKPOINT\` (the backfill's writes go to disk before, not during, the measurements): as the indexer leaves the database (Ponder bulk-loads the tables and builds the indexes but runs no \`ANALYZE\`, and \`autovacuum\` is **${reads.autovacuum}** on this server, so the indexer runs \`VACUUM (ANALYZE)\` on its tables once the backfill has ended: ${maintenanceText(reads.maintenance)}), then after a further \`ANALYZE\`, which changes nothing the planner uses: the two rows of an endpoint differ by this run's noise.`,
    "",
    "| endpoint | database state | p50 | p90 | p99 | max | requests/s | client CPU ms/request | indexer CPU ms/request | of which GC major / minor | Postgres CPU ms/request | load avg |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...loadRows,
    "",
    ...verdicts,
    "",
    `The client matters on 2 shared cores: the same load after \`ANALYZE\` with node's own \`http.request\` (keep-alive agent) and with Node's built-in \`fetch\` (undici) as the client, side by side (load avg ${reads.clients.loadAverage.toFixed(1)}):`,
    "",
    "| endpoint | client | p50 | p99 | requests/s | client CPU ms/request |",
    "|---|---|---|---|---|---|",
    ...clientRows,
    "",
    `Ahead of Ponder's Hono stack or through it: the REST and GraphQL margin reads are answered by node routes in front of Ponder's Hono app (\`indexer/lib/api/nodeRoutes.ts\`); a percent-encoded query (REST) or a query string on \`/graphql\` makes them leave the request to Hono, which answers it the same way through Ponder's adapter, metrics and CORS middleware. Same indexer, after \`ANALYZE\`, ${reads.concurrency} in flight, ${int(reads.routes.warmup)} warm-up and ${int(reads.routes.requests)} measured requests each, two passes, the second taking each pair in the opposite order; *indexer CPU* is the Ponder process's own CPU time (\`/proc\`) per request, warm-up included (load avg ${reads.routes.loadAverage.toFixed(1)}):`,
    "",
    "| endpoint | answered by | pass | p50 | p99 | requests/s | indexer CPU ms/request |",
    "|---|---|---|---|---|---|---|",
    ...routeRows,
    "",
    ...routeSummary,
    "",
    `Fewer requests in flight (after \`ANALYZE\`, ${int(reads.sweep[0]?.results[0]?.count ?? 0)} requests each; \`BENCH_INDEXER_SWEEP\`):`,
    "",
    "| endpoint | concurrent | p50 | p99 | requests/s | load avg |",
    "|---|---|---|---|---|---|",
    ...sweepRows,
    "",
    ...sweepVerdicts,
  ].join("\n");
}

/** Likely causes of missed targets, computed from this run's figures. */
function causes(input: IndexerSectionInput): string {
  const lines: string[] = [];
  const real = bestRun(input.runs, "real", "postgres");
  const bare = bestRun(input.runs, "bare", "postgres");
  if (real !== undefined && bare !== undefined && bare.eventsPerSecond / real.eventsPerSecond > MAX_RATIO) {
    const total = (run: BackfillRun) => run.profile.handlers.reduce((sum, h) => sum + h.meanMs * h.count, 0);
    const oneOffs = real.profile.handlers.filter((h) => h.meanMs >= 50);
    const oneOffMs = oneOffs.reduce((sum, h) => sum + h.meanMs * h.count, 0);
    const finds = (real.profile.storeOps.find ?? 0) / Math.max(real.events, 1);
    const inserts = (run: BackfillRun) => (run.profile.storeOps.insert ?? 0) / Math.max(run.events, 1);
    lines.push(
      `- Backfill: the handlers account for ${sec(total(real))} of the real run (bare: ${sec(total(bare))}). Per event the real indexer does ${finds.toFixed(1)} store \`find\`s (answered from Ponder's in-memory cache, but each costs cache lookup, copy and metrics) and ${inserts(real).toFixed(1)} inserts (bare: ${inserts(bare).toFixed(1)}), so its flush (\`load\`) step writes ${(inserts(real) / Math.max(inserts(bare), 1e-9)).toFixed(1)}× the rows.` +
        (oneOffs.length === 0
          ? ""
          : ` Handlers that recompute every holder (${oneOffs.map((h) => `\`${h.event}\``).join(", ")}) add ${sec(oneOffMs)} (they read with raw \`db.sql\`, ${int(real.profile.rawSql.count)} queries in all, mean ${ms(real.profile.rawSql.meanMs)} ms, each first flushing the cached rows of the tables it reads); when they run depends on how far the vault chains are (multichain ordering), so this part varies between runs.`),
    );
  }
  const reads = input.reads;
  const serial = reads?.sweep.find((step) => step.concurrency === 1)?.results[0];
  const loaded = reads?.load[reads.load.length - 1]?.results[0];
  if (reads !== undefined && serial !== undefined && loaded !== undefined && loaded.p99 > MAX_P99_MS) {
    lines.push(
      `- Reads, queueing: one request at a time, ${loaded.name} answers in ${ms(serial.p50)} ms (p50); with ${reads.concurrency} in flight the one Ponder process serves ${int(loaded.requestsPerSecond)} requests/s, so each request waits for the others: ${reads.concurrency} ÷ ${int(loaded.requestsPerSecond)}/s ≈ ${ms((reads.concurrency / loaded.requestsPerSecond) * 1000)} ms on average. p99 ≤ ${MAX_P99_MS} ms at ${reads.concurrency} in flight needs several times the throughput, i.e. several times less work per request.`,
    );
  }
  const tables = reads?.load[reads.load.length - 1]?.results[2];
  const twin = reads?.load[reads.load.length - 1]?.results[1];
  if (reads !== undefined && tables !== undefined && twin !== undefined && tables.p99 > MAX_P99_MS) {
    lines.push(
      `- Reads, GraphQL through Ponder's table fields: ${int(tables.requestsPerSecond)} requests/s at ${reads.concurrency} in flight, against ${int(twin.requestsPerSecond)} for \`margin(account:)\`. Ponder's resolvers run one SQL query per list and per relation (8 for this query), each built with drizzle, and the answer leaves the valuing to the client; the documents are parsed and validated once (the indexer's GraphQL handler caches them, where Ponder's own middleware turns yoga's cache off). A client that needs one account's margin should ask \`margin(account:)\` or the REST endpoint.`,
    );
  }
  for (const endpoint of [0, 1]) {
    const before = reads?.load[0]?.results[endpoint];
    const after = reads?.load[1]?.results[endpoint];
    if (reads === undefined || before === undefined || after === undefined || before.p50 <= 1.3 * after.p50)
      continue;
    const [costBefore, costAfter] = [reads.load[0]?.costs[endpoint], reads.load[1]?.costs[endpoint]];
    const spent =
      costBefore === undefined || costAfter === undefined
        ? ""
        : ` Per request the indexer spent ${cpuMs(costBefore.indexerCpuMs)} ms of CPU against ${cpuMs(costAfter.indexerCpuMs)} (garbage collection: major ${cpuMs(costBefore.majorGcMs)} against ${cpuMs(costAfter.majorGcMs)}, minor ${cpuMs(costBefore.minorGcMs)} against ${cpuMs(costAfter.minorGcMs)}) and Postgres ${cpuMs(costBefore.postgresCpuMs)} against ${cpuMs(costAfter.postgresCpuMs)}.`;
    lines.push(
      "durationMs" in reads.maintenance
        ? `- Reads, first pass: ${before.name} has p50 ${ms(before.p50)} ms as the indexer left the database and ${ms(after.p50)} ms after a further \`ANALYZE\`, though the indexer had vacuumed and analyzed every table before both.${spent}`
        : `- Reads, cold start: ${before.name} has p50 ${ms(before.p50)} ms as the backfill left the database and ${ms(after.p50)} ms after \`ANALYZE\`; the indexer's own VACUUM (ANALYZE) did not run, so the first read of each bulk-loaded page set the rows' hint bits (and dirtied the page).${spent}`,
    );
  }
  return lines.length === 0 ? "" : ["**Likely causes** (from this run's figures):", "", ...lines].join("\n");
}

function maintenanceText(maintenance: ReadsReport["maintenance"]): string {
  return "durationMs" in maintenance
    ? `${maintenance.tables} tables in ${(maintenance.durationMs / 1000).toFixed(1)} s, before these measurements`
    : `it did not happen in this run (${maintenance.failed}), so the first read of each bulk-loaded page sets the rows' hint bits`;
}

function notes(input: IndexerSectionInput): string {
  return input.notes.map((note) => `- ${note}`).join("\n");
}

/** Per read, the node route against Hono: indexer CPU, requests/s and p99, means over the passes. */
function routeVerdict(rows: ReadsReport["routes"]["rows"]): string[] {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return [...new Set(rows.map((r) => r.read))].flatMap((read) => {
    const node = rows.filter((r) => r.read === read && !r.viaHono);
    const hono = rows.filter((r) => r.read === read && r.viaHono);
    const first = node[0];
    if (first === undefined || hono.length === 0) return [];
    const cpuNode = mean(node.map((r) => r.indexerCpuMs));
    const cpuHono = mean(hono.map((r) => r.indexerCpuMs));
    const rpsNode = mean(node.map((r) => r.result.requestsPerSecond));
    const rpsHono = mean(hono.map((r) => r.result.requestsPerSecond));
    const p99Node = mean(node.map((r) => r.result.p99));
    const p99Hono = mean(hono.map((r) => r.result.p99));
    return [
      `- ${first.result.name}: ahead of Hono ${cpuMs(cpuNode)} ms of indexer CPU per request against ${cpuMs(cpuHono)} through it (${Math.round((1 - cpuNode / cpuHono) * 100)} % less), ${int(rpsNode)} requests/s against ${int(rpsHono)}, p99 ${ms(p99Node)} against ${ms(p99Hono)} ms (means of the passes).`,
    ];
  });
}
