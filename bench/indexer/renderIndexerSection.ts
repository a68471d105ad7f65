import type { GenerateEventsReturnType } from "./generateEvents.js";
import type { Tick } from "./measureTicks.js";
import type { BackfillRun } from "./runBackfill.js";
import type { ReadsReport } from "./runReads.js";
import { summarizeLatencies } from "./summarizeLatencies.js";

/** A backfill run as reported: its attempt and, for a finished real run, its row counts. */
export type ReportedRun = Omit<BackfillRun, "ponder" | "stop"> & {
  attempt: number;
  rows?: Record<string, number>;
};

/** Everything the indexer section reports. */
export type RenderIndexerSectionParameters = {
  settings: { accounts: number; budgetSeconds: number; finalityPadding: number };
  generated: GenerateEventsReturnType;
  runs: ReportedRun[];
  reads: ReadsReport | undefined;
  atRiskCount: number | undefined;
  ticks: Tick[];
  /** The machine's 1-minute load average after the ticks. */
  ticksLoadAverage: number;
  notes: string[];
};

const MAX_BACKFILL_RATIO = 1.5;
const MAX_READ_RATIO = 1.5;
const MAX_TICK_RATIO = 2;

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
const sec = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "—");
const ms = (n: number) => (!Number.isFinite(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1));
const verdict = (ok: boolean) => (ok ? "**met**" : "**missed**");

/**
 * The Markdown body of the indexer benchmark: the workload, then one table per question
 * (backfill against the bare project, reads against the primary-key read, ticks by holders)
 * with its ratio and verdict.
 *
 * @param input the measured runs, reads and ticks
 * @returns the section body
 */
export function renderIndexerSection(input: RenderIndexerSectionParameters): string {
  return [workload(input), backfill(input), reads(input), ticks(input), ...input.notes]
    .filter((part) => part !== "")
    .join("\n\n");
}

function workload({ generated: g, settings }: RenderIndexerSectionParameters): string {
  const ops = g.vaultOps;
  const total = Object.values(g.events).reduce((sum, n) => sum + n, 0);
  const events = Object.entries(g.events)
    .sort(([, a], [, b]) => b - a)
    .map(([name, n]) => `\`${name}\` ${int(n)}`)
    .join(", ");
  const [stable, second, third] = g.collaterals;
  return [
    `**Workload.** ${int(settings.accounts)} accounts on 2 vault chains and the hub, each a \`BulkDepositor\` trader (a minimal proxy acting through the real contracts; \`contracts/test/utils/BulkDepositor.sol\`), generated in ${g.seconds.toFixed(0)} s on anvil (automine, ${int(g.transactions)} transactions):`,
    `${int(ops["new account"] ?? 0)} deposits to new accounts (${stable?.symbol}, each on its home chain), ${int(ops["new row"] ?? 0)} to new rows of existing accounts (${second?.symbol} for ${int(second?.holders ?? 0)} on the other vault chain, ${third?.symbol} for ${int(third?.holders ?? 0)}), ${int(ops["top-up"] ?? 0)} top-ups of existing rows, ${int(ops.withdrawal ?? 0)} withdrawal requests (left pending: nothing relays them);`,
    `on the hub, the ${int(g.positions)} position holders' rows credited in attested \`submitBatch\`es and one long perp position each (60–92 % of what its credit allows; the perp's feed then falls 7 %);`,
    `a price tick on the hub every 4 vault-chain blocks and every 2 hub transactions. Events: ${events}; **${int(total)}** in all (and the devnet's deployment events).`,
    `Then ${settings.finalityPadding} empty blocks on every chain (Ponder treats 30 as final on unknown chain ids): each run is a pure backfill from nothing, a fresh Postgres database or PGlite directory, one run after the other on the same machine.`,
  ].join(" ");
}

function backfill({ runs, settings }: RenderIndexerSectionParameters): string {
  const rows = runs.map((run) => {
    const name = run.project === "real" ? "real (`indexer/`)" : "bare (`bench/ponder-bare`)";
    const check =
      run.rows === undefined
        ? run.project === "bare"
          ? sameEvents(runs, run)
          : "—"
        : Object.entries(run.rows)
            .map(([table, n]) => `${int(n)} \`${table}\``)
            .join(", ");
    const rate = int(run.events / (run.backfillMs / 1000));
    return `| ${name} | ${run.database} | ${run.attempt} | ${int(run.events)} | ${sec(run.backfillMs)}${run.finished ? "" : " (stopped)"} | ${rate} | ${run.loadAverage.toFixed(1)} | ${check} |`;
  });
  const lines = (["postgres", "pglite"] as const).map((database) => {
    const real = best(runs, "real", database);
    const bare = best(runs, "bare", database);
    if (real === undefined || bare === undefined) return `- ${database}: not measured.`;
    const ratio = real.backfillMs / bare.backfillMs;
    const ok = real.finished && bare.finished && ratio <= MAX_BACKFILL_RATIO;
    return `- ${database}: real/bare = **${ratio.toFixed(2)}×** (best of each: ${sec(real.backfillMs)} vs ${sec(bare.backfillMs)}). Target ≤ ${MAX_BACKFILL_RATIO}×: ${verdict(ok)}.`;
  });
  return [
    "### Backfill: the real indexer against a bare Ponder",
    "",
    'The bare project (`bench/ponder-bare`) follows the same contracts on the same chains and handles the same events, each by inserting the raw log. *backfill* is Ponder\'s "Completed backfill indexing across all chains" duration; a run still going after ' +
      `${settings.budgetSeconds} s is stopped.`,
    "",
    "| indexer | database | run | events | backfill | events/s | load avg | rows / check |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    ...lines,
  ].join("\n");
}

/** The bare run indexed as many events as the real run of the same database and attempt. */
function sameEvents(runs: readonly ReportedRun[], bare: ReportedRun): string {
  const real = runs.find(
    (r) => r.project === "real" && r.database === bare.database && r.attempt === bare.attempt,
  );
  if (real === undefined) return "—";
  return real.events === bare.events ? "✓ as many events as real" : `✗ real indexed ${int(real.events)}`;
}

function best(runs: readonly ReportedRun[], project: string, database: string): ReportedRun | undefined {
  return runs
    .filter((r) => r.project === project && r.database === database)
    .sort((a, b) => Number(b.finished) - Number(a.finished) || a.backfillMs - b.backfillMs)[0];
}

function reads({ reads: report, atRiskCount, settings }: RenderIndexerSectionParameters): string {
  if (report === undefined) return "";
  const rows: string[] = [];
  type Level = NonNullable<RenderIndexerSectionParameters["reads"]>["levels"][number];
  const reads: [name: string, short: string, of: (level: Level) => Level["pk"]][] = [
    ["REST `GET /accounts/:address/margin`", "REST", (l) => l.rest],
    ["GraphQL `accountMargins` (the margin row)", "GraphQL margin row", (l) => l.graphqlRow],
    [
      "GraphQL margin views (`accountMargins`, `collateralLines`, `requirementLines`)",
      "GraphQL with lines",
      (l) => l.graphql,
    ],
  ];
  const worst = new Map(reads.map(([, short]) => [short, { ratio: 0, at: "" }]));
  for (const level of report.levels) {
    rows.push(
      `| ${level.concurrency} | Ponder's primary-key read (GraphQL \`collateralBalance\`) | ${ms(level.pk.p50)} | ${ms(level.pk.p99)} | 1 | 1 |`,
    );
    for (const [name, short, of] of reads) {
      const s = of(level);
      const r50 = s.p50 / level.pk.p50;
      const r99 = s.p99 / level.pk.p99;
      for (const [ratio, p] of [
        [r50, "p50"],
        [r99, "p99"],
      ] as const)
        if (ratio > (worst.get(short)?.ratio ?? 0))
          worst.set(short, { ratio, at: `${p} at ${level.concurrency} in flight` });
      rows.push(
        `| ${level.concurrency} | ${name} | ${ms(s.p50)} | ${ms(s.p99)} | ${r50.toFixed(2)} | **${r99.toFixed(2)}** |`,
      );
    }
  }
  const verdicts = [...worst].map(
    ([short, w]) =>
      `${short} worst **${w.ratio.toFixed(2)}×** (${w.at}): ${verdict(w.ratio <= MAX_READ_RATIO)}`,
  );
  const risk = report.atRisk;
  const atRisk =
    typeof risk === "string"
      ? `not measured: ${risk.slice(0, 200)}`
      : `one at a time: p50 **${ms(risk.p50)} ms**, p99 ${ms(risk.p99)} ms over ${int(risk.count)} requests; it answers ${int(atRiskCount ?? Number.NaN)} accounts`;
  return [
    `### Reads at ${int(settings.accounts)} accounts (Postgres)`,
    "",
    `The real indexer of the second Postgres run, idle. A second Node process reads with the standard \`fetch\` over keep-alive connections, each request for one of ${int(report.samples)} generated accounts drawn at random; per number in flight, ${int(report.requests)} requests per read in the order primary key, REST, GraphQL row, GraphQL with lines, then the reverse order (half each time, pooled), after a warm-up. Latency in ms, client side; the machine's 2 cores serve the client, the indexer and Postgres (load average ${report.loadAverage.toFixed(1)} after the reads).`,
    "",
    "| in flight | read | p50 | p99 | p50 ÷ primary key | p99 ÷ primary key |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `- Margin reads, p50 and p99, against the primary-key read at 1, 4 and 8 in flight, target ≤ ${MAX_READ_RATIO}×: ${verdicts.join("; ")}.`,
    `- \`GET /accounts/at-risk?healthBelow=1.1&limit=100\`, ${atRisk}.`,
  ].join("\n");
}

function ticks({ ticks: all, ticksLoadAverage }: RenderIndexerSectionParameters): string {
  if (all.length === 0) return "";
  const byHolders = [...new Set(all.map((t) => t.holders))].sort((a, b) => a - b);
  const rows = byHolders.map((holders) => {
    const mine = all.filter((t) => t.holders === holders);
    const latency = summarizeLatencies(mine.map((t) => t.latencyMs));
    const ponder = summarizeLatencies(mine.map((t) => t.ponderMs));
    return { holders, symbol: mine[0]?.symbol, count: mine.length, latency, ponder };
  });
  const low = rows[0];
  const high = rows[rows.length - 1];
  const ratio = (high?.latency.p50 ?? Number.NaN) / (low?.latency.p50 ?? Number.NaN);
  const ponderRatio = (high?.ponder.p50 ?? Number.NaN) / (low?.ponder.p50 ?? Number.NaN);
  return [
    "### Price tick by holders",
    "",
    "The same live indexer; one `setAnswer` at a time on the feed of a collateral with the given holders (the feeds in turn, 200–500 ms apart), timed from sending it (anvil mines it at once) to Ponder's \"Indexed block\" log line for its block, written once the block is committed (`/status` reports it then). That includes Ponder's polling of the chain (every 100 ms on the devnet). *Ponder's duration* is the one that line reports for the block (events, handlers, commit). " +
      `Load average ${ticksLoadAverage.toFixed(1)} after the ticks.`,
    "",
    "| holders | collateral | ticks | sent → indexed, median | p90 | Ponder's duration, median |",
    "|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${int(r.holders)} | ${r.symbol} | ${r.count} | **${ms(r.latency.p50)}** | ${ms(r.latency.p90)} | ${ms(r.ponder.p50)} |`,
    ),
    "",
    `- ${int(high?.holders ?? 0)} holders ÷ ${int(low?.holders ?? 0)}, medians: **${ratio.toFixed(2)}×** sent → indexed (Ponder's duration: ${ponderRatio.toFixed(2)}×). Target ≤ ${MAX_TICK_RATIO}×: ${verdict(ratio <= MAX_TICK_RATIO)}.`,
  ].join("\n");
}
