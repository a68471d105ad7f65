import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTestClient, http, keccak256, toHex } from "viem";
import { startDevnet } from "../../scripts/devnet/startDevnet.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { seededRandom } from "../../test/kit/seededRandom.js";
import type { Benchmark } from "../types.js";
import { generateEvents } from "./generateEvents.js";
import { measureTicks } from "./measureTicks.js";
import { type RenderIndexerSectionParameters, renderIndexerSection } from "./renderIndexerSection.js";
import { type BackfillDatabase, type BackfillProject, type BackfillRun, runBackfill } from "./runBackfill.js";
import { AT_RISK, runReads } from "./runReads.js";

/** Knobs, overridable through the environment (defaults are the published configuration). */
const SETTINGS = {
  /** Distinct accounts (a multiple of 500), spread over the vault chains. */
  accounts: envInt("BENCH_INDEXER_ACCOUNTS", 100_000),
  /** Seconds one backfill may take before it is stopped and reported as unfinished. */
  budgetSeconds: envInt("BENCH_INDEXER_BUDGET_S", 240),
  /** Measured requests per read endpoint and concurrency. */
  requests: envInt("BENCH_INDEXER_READS", 2_000),
  /** Price ticks per measured feed on the live indexer. */
  tickRounds: envInt("BENCH_INDEXER_TICKS", 15),
  /** Postgres the databases are created in (its user must be allowed to create databases). */
  adminUrl:
    process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test",
};

const BASE_PORT = 23_545;
const PONDER_PORT = 23_560;
const CONCURRENCIES = [1, 4, 8] as const;
/** Blocks mined after the last event: Ponder treats 30 blocks as final on chain ids it does not know. */
const FINALITY_PADDING = 64;
/** Accounts the reads pick from (at random, all of them generated). */
const READ_SAMPLES = 5_000;

/** `npm run bench -- indexer`: backfill against a bare Ponder, reads against Ponder's primary-key read, price ticks by holder count. */
export const indexerBenchmark: Benchmark = {
  name: "indexer",
  title: "Indexer: backfill, reads and price ticks at 100,000 accounts",
  run: async (progress) => {
    const dir = mkdtempSync(join(tmpdir(), "crossmargin-bench-indexer-"));
    const devnet = await startDevnet({ basePort: BASE_PORT, blockTimeSeconds: 0, dir, log: progress });
    let serving: BackfillRun | undefined;
    try {
      const salt = keccak256(toHex("crossmargin/bench/indexer"));
      progress(`generating the workload over ${SETTINGS.accounts.toLocaleString("en-US")} accounts…`);
      const generated = await generateEvents({
        config: devnet.config,
        accounts: SETTINGS.accounts,
        salt,
        progress,
      });
      await mineFinalityPadding(devnet.config);
      const input: RenderIndexerSectionParameters = {
        settings: { ...SETTINGS, finalityPadding: FINALITY_PADDING },
        generated,
        runs: [],
        reads: undefined,
        ticks: [],
        ticksLoadAverage: Number.NaN,
        atRiskCount: undefined,
        notes: [],
      };
      const run = async (project: BackfillProject, database: BackfillDatabase, attempt: number) => {
        progress(`backfill ${project}/${database} #${attempt}…`);
        const result = await runBackfill({
          project,
          database,
          adminUrl: SETTINGS.adminUrl,
          manifestPath: devnet.manifestPath,
          runId: `${process.pid}_${database}${attempt}`,
          port: PONDER_PORT,
          budgetMs: SETTINGS.budgetSeconds * 1000,
          progress,
        });
        const rows = project === "real" && result.finished ? await countRows(result.ponder.url) : undefined;
        input.runs.push({ ...result, attempt, rows });
        progress(
          `${project}/${database} #${attempt}: ${result.events.toLocaleString("en-US")} events in ${(result.backfillMs / 1000).toFixed(1)} s${result.finished ? "" : " (stopped at the budget)"}`,
        );
        return result;
      };
      // PGlite first: the Postgres real indexer stays up for the reads and the ticks, which mine new blocks.
      for (const database of ["pglite", "postgres"] as const)
        for (const attempt of [1, 2])
          for (const project of ["bare", "real"] as const) {
            const result = await run(project, database, attempt);
            if (project === "real" && database === "postgres" && attempt === 2 && result.finished)
              serving = result;
            else await result.stop();
          }
      if (serving === undefined)
        input.notes.push("Reads and ticks not measured: the real indexer did not finish on Postgres.");
      else {
        const random = seededRandom(3);
        const samples = Array.from({ length: READ_SAMPLES }, () => {
          const { address, chainId, token } = generated.account(Math.floor(random() * SETTINGS.accounts));
          return { account: address.toLowerCase(), chainId, token: token.toLowerCase() };
        });
        input.reads = await runReads({
          baseUrl: serving.ponder.url,
          samples,
          concurrencies: CONCURRENCIES,
          requests: SETTINGS.requests,
          progress,
        });
        input.atRiskCount = await countAtRisk(serving.ponder.url).catch(() => undefined);
        input.ticks = await measureTicks({
          ponder: serving.ponder,
          hub: hubChain(devnet.config),
          collaterals: generated.collaterals,
          rounds: SETTINGS.tickRounds,
          progress,
        });
        input.ticksLoadAverage = loadavg()[0] ?? Number.NaN;
      }
      return renderIndexerSection(input);
    } finally {
      await serving?.stop();
      await devnet.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** A real run's rows, through Ponder's GraphQL (PGlite cannot be read from outside while Ponder holds it). */
async function countRows(url: string): Promise<Record<string, number>> {
  const tables = ["collateralBalances", "hubCredits", "positions", "prices"];
  const query = `{ ${tables.map((t) => `${t}(limit: 1) { totalCount }`).join(" ")} }`;
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: Record<string, { totalCount: number }> }; // GraphQL answer shape
  return Object.fromEntries(tables.map((t) => [t, body.data?.[t]?.totalCount ?? Number.NaN]));
}

/** Accounts the at-risk read returns. */
async function countAtRisk(url: string): Promise<number> {
  const body: unknown = await (await fetch(new URL(AT_RISK.path, url))).json();
  const list = Array.isArray(body) ? body : Object.values(body as object).find(Array.isArray); // a list, or an object holding one
  return Array.isArray(list) ? list.length : Number.NaN;
}

/** Mines empty blocks on every chain so that every generated event is final for Ponder (pure backfill). */
async function mineFinalityPadding(config: Config): Promise<void> {
  await Promise.all(
    Object.values(config.chains).map((chain) =>
      createTestClient({ mode: "anvil", transport: http(chain.rpcUrl, { timeout: 180_000 }) }).mine({
        blocks: FINALITY_PADDING,
      }),
    ),
  );
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return value;
}
