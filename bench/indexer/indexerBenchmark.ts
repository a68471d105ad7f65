import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTestClient, http } from "viem";
import { startDevnet } from "../../scripts/devnet/startDevnet.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import type { Benchmark } from "../types.js";
import { BENCH_SALT } from "./benchSalt.js";
import { generateEvents } from "./generateEvents.js";
import { measurePretenuringKept } from "./measurePretenuringKept.js";
import { type IndexerSectionInput, renderIndexerSection, type VerifiedRun } from "./renderIndexerSection.js";
import { type BackfillDatabase, type BackfillProject, type BackfillRun, runBackfill } from "./runBackfill.js";
import { type RunReadsParameters, runReads } from "./runReads.js";
import { verifyBackfill } from "./verifyBackfill.js";

/** Knobs, overridable through the environment (defaults are the published configuration). */
const SETTINGS = {
  /** Deposits, one per distinct account, split evenly over the vault chains. */
  accounts: envInt("BENCH_INDEXER_ACCOUNTS", 100_000),
  /** Withdrawal requests per vault chain (two events each). */
  withdrawalRequests: envInt("BENCH_INDEXER_REQUESTS", 250),
  /** Seconds one backfill may take before it is stopped and reported as unfinished. */
  budgetSeconds: envInt("BENCH_INDEXER_BUDGET_S", 300),
  /** Seconds the whole benchmark should stay within; later runs get what is left. */
  totalSeconds: envInt("BENCH_INDEXER_TOTAL_S", 14 * 60),
  /** Read load: requests in flight (one keep-alive connection each), warm-up and measured requests per endpoint. */
  concurrency: envInt("BENCH_INDEXER_CONCURRENCY", 8),
  /** Fewer requests in flight, measured after the main load: where the p99 target holds. */
  sweep: envList("BENCH_INDEXER_SWEEP", [1, 2, 4]),
  warmup: envInt("BENCH_INDEXER_WARMUP", 2_000),
  requests: envInt("BENCH_INDEXER_READS", 5_000),
  /** Postgres the databases are created in. */
  adminUrl:
    process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
  /** Directory for `--cpu-prof` profiles of the real indexer's runs (off when unset). */
  cpuProfileDir: process.env.BENCH_INDEXER_CPU_PROF,
};

const BASE_PORT = 23_545;
const PONDER_PORT = 23_560;
const DEPOSITS_PER_TX = 250;
const REQUESTS_PER_TX = 100;
/** Blocks mined after the last event: Ponder treats 30 blocks as final on chain ids it does not know. */
const FINALITY_PADDING = 64;
/** Time kept back for the reads when a backfill budget is cut to fit the total. */
const READS_RESERVE_MS = 90_000;

/** `npm run bench -- indexer`: backfill throughput against a bare Ponder, and read latency at 100,000 accounts. */
export const indexerBenchmark: Benchmark = {
  name: "indexer",
  title: "Indexer: backfill of 100,000 vault events and reads at 100,000 accounts",
  run: async (progress) => {
    const deadline = performance.now() + SETTINGS.totalSeconds * 1000;
    const dir = mkdtempSync(join(tmpdir(), "crossmargin-bench-indexer-"));
    const devnet = await startDevnet({ basePort: BASE_PORT, blockTimeSeconds: 0, dir, log: progress });
    try {
      const chains = vaultChains(devnet.config, { includeHub: false });
      const perChain = Math.ceil(SETTINGS.accounts / chains.length);
      const plans = chains.map((chain, i) => ({
        chain,
        firstAccount: i * perChain,
        deposits: Math.min(perChain, SETTINGS.accounts - i * perChain),
        withdrawalRequests: SETTINGS.withdrawalRequests,
      }));
      progress(
        `generating ${SETTINGS.accounts.toLocaleString("en-US")} deposits over ${chains.length} vault chains…`,
      );
      const generated = await generateEvents({
        plans,
        salt: BENCH_SALT,
        depositsPerTx: DEPOSITS_PER_TX,
        requestsPerTx: REQUESTS_PER_TX,
        progress,
      });
      await mineFinalityPadding(devnet.config);
      // Every generating account plus the BulkDepositor itself (same address on every chain) when it requested.
      const expectedAccounts = SETTINGS.accounts + (SETTINGS.withdrawalRequests > 0 ? 1 : 0);
      const input: IndexerSectionInput = {
        settings: { ...SETTINGS, depositsPerTx: DEPOSITS_PER_TX, finalityPadding: FINALITY_PADDING },
        generated,
        expectedAccounts,
        runs: [],
        reads: undefined,
        pretenuring: undefined,
        notes: [],
      };
      const run = async (
        project: BackfillProject,
        database: BackfillDatabase,
        attempt: number,
        keepServing = false,
        pretenuring: "on" | "off" = "off",
      ) => {
        const left = deadline - performance.now() - (input.reads === undefined ? READS_RESERVE_MS : 0);
        const budgetMs = Math.min(SETTINGS.budgetSeconds * 1000, left);
        if (budgetMs < 30_000) {
          input.notes.push(
            `${project}/${database.kind} not run: the ${SETTINGS.totalSeconds} s total was used up.`,
          );
          return undefined;
        }
        progress(
          `backfill ${project}/${database.kind} #${attempt} (budget ${(budgetMs / 1000).toFixed(0)} s)…`,
        );
        const result = await runBackfill({
          project,
          database,
          manifestPath: devnet.manifestPath,
          runId: `${process.pid}_${database.kind === "postgres" ? "pg" : "lite"}${attempt}`,
          port: PONDER_PORT,
          budgetMs,
          keepServing,
          pretenuring,
          nodeArgs: cpuProfileArgs(project),
          progress,
        });
        const check = await verifyBackfill({
          run: result,
          vaultEvents: generated.vaultEvents,
          expectedAccounts,
        });
        const verified: VerifiedRun = { ...result, attempt, loadAverage: loadavg()[0] ?? Number.NaN, check };
        input.runs.push(verified);
        progress(describeRun(verified));
        return verified;
      };

      const postgres: BackfillDatabase = { kind: "postgres", adminUrl: SETTINGS.adminUrl };
      // Postgres twice, alternating, to see the run-to-run spread; the second real run stays up for the reads.
      await cleanupAfter(await run("bare", postgres, 1));
      await cleanupAfter(await run("real", postgres, 1));
      await cleanupAfter(await run("bare", postgres, 2));
      const real = await run("real", postgres, 2, true);
      try {
        if (real?.ponder !== undefined)
          input.reads = await runReads({ run: real, ...readSettings(), progress });
        else input.notes.push("Reads not measured: the real indexer did not finish its Postgres backfill.");
      } finally {
        await cleanupAfter(real);
      }
      // The same backfill and first read pass with V8's pretenuring kept, for the comparison.
      if (input.reads !== undefined) {
        const kept = await run("real", postgres, 3, true, "on");
        try {
          if (kept?.ponder !== undefined)
            input.pretenuring = await measurePretenuringKept({ run: kept, ...readSettings(), progress });
        } finally {
          await cleanupAfter(kept);
        }
      }
      // PGlite twice too, alternating: one run of each moved the ratio by ±0.05 between runs.
      if (real?.finished === true)
        for (const attempt of [1, 2]) {
          await cleanupAfter(await run("bare", { kind: "pglite" }, attempt));
          await cleanupAfter(await run("real", { kind: "pglite" }, attempt, true));
        }
      else input.notes.push("pglite not run: the real indexer did not finish on Postgres.");
      return renderIndexerSection(input);
    } finally {
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function readSettings(): Omit<RunReadsParameters, "run" | "progress"> {
  const { accounts, concurrency, sweep, warmup, requests } = SETTINGS;
  return { salt: BENCH_SALT, accounts, concurrency, sweep, warmup, requests };
}

async function cleanupAfter(run: BackfillRun | undefined): Promise<void> {
  await run?.cleanup();
}

function describeRun(run: VerifiedRun): string {
  const state = run.finished ? "finished" : "STOPPED at budget";
  return `${run.project}/${run.database}: ${state}, ${run.events.toLocaleString("en-US")} events in ${(run.backfillMs / 1000).toFixed(1)} s = ${Math.round(run.eventsPerSecond).toLocaleString("en-US")} events/s; check: ${run.check.text}`;
}

/** Mines empty blocks on every chain so that every generated event is final for Ponder (pure backfill). */
async function mineFinalityPadding(config: Config): Promise<void> {
  await Promise.all(
    Object.values(config.chains).map((chain) =>
      // Mining after 100,000 deposits can take anvil longer than viem's default 10 s on a busy machine.
      createTestClient({ mode: "anvil", transport: http(chain.rpcUrl, { timeout: 180_000 }) }).mine({
        blocks: FINALITY_PADDING,
      }),
    ),
  );
}

function cpuProfileArgs(project: BackfillProject): string[] {
  const dir = SETTINGS.cpuProfileDir;
  return dir === undefined || dir === "" || project !== "real" ? [] : ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isSafeInteger(value) || value < 1))
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${raw}`);
  return values;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}
