import { keccak256, toHex } from "viem";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import type { Benchmark } from "../types.js";
import { measureCreditLatency } from "./measureCreditLatency.js";
import { renderRelayerSection } from "./renderRelayerSection.js";
import { type BurstResult, runBurst } from "./runBurst.js";
import { BENCH_POSTGRES_URL, startBenchNet } from "./startBenchNet.js";
import { startBenchRelayer } from "./startBenchRelayer.js";
import { watchBlocks } from "./watchBlocks.js";
import { watchIndexer } from "./watchIndexer.js";

/** Knobs, overridable through the environment (defaults are the published configuration). */
const SETTINGS = {
  blockTimeSeconds: envNumber("BENCH_RELAYER_BLOCK_TIME_S", 1),
  finalityDepth: envNumber("BENCH_RELAYER_FINALITY_DEPTH", 2),
  latencyDeposits: envNumber("BENCH_RELAYER_LATENCY_DEPOSITS", 30),
  /** Accounts of a burst: each gets 4 deposits (2 tokens × 2 vault chains). */
  burstAccounts: envNumber("BENCH_RELAYER_BURST_ACCOUNTS", 500),
  batchMaxLeaves: envNumber("BENCH_RELAYER_BATCH_LEAVES", 200),
  /** Deliveries in flight per chain: above the production default (4), for throughput. */
  deliveryConcurrency: envNumber("BENCH_RELAYER_DELIVERY_CONCURRENCY", 16),
  unbatchedTimeBoxSeconds: envNumber("BENCH_RELAYER_UNBATCHED_BOX_S", 60),
  /** The indexer's database: `pglite` (as `npm run dev`) or `postgres`. */
  database: databaseKind(process.env.BENCH_RELAYER_DATABASE),
  postgresUrl: BENCH_POSTGRES_URL,
};

const BASE_PORT = 30_545;
/** The burst's accounts are `deriveAccount(BURST_SALT, i)`. */
export const BURST_SALT = keccak256(toHex("crossmargin/bench/relayer/burst"));

/** `npm run bench -- relayer`: credit latency beside the chains' floor, and a 2,000-deposit burst batched and unbatched. */
export const relayerBenchmark: Benchmark = {
  name: "relayer",
  title: "Relayer: credit latency and a burst of 2,000 deposits",
  run: async (progress) => {
    const net = await startBenchNet({
      basePort: BASE_PORT,
      blockTimeSeconds: SETTINGS.blockTimeSeconds,
      finalityDepth: SETTINGS.finalityDepth,
      database:
        SETTINGS.database === "pglite" ? { kind: "pglite" } : { kind: "postgres", url: SETTINGS.postgresUrl },
      progress,
    });
    const blocks = watchBlocks({ clients: net.clients });
    const indexer = watchIndexer({
      apiUrl: net.indexer.url,
      chains: new Map([net.hub, ...net.vaults].map((chain) => [chain.config.name, chain.config.chainId])),
    });
    const blockTimeMs = SETTINGS.blockTimeSeconds * 1000;
    const prefix = (run: string) => `bench-relayer-${process.pid}-${run}`;
    try {
      const { deliveryConcurrency } = SETTINGS;
      const latencyRelayer = await startBenchRelayer(net.config, {
        prefix: prefix("latency"),
        settings: { deliveryConcurrency },
      });
      let latency: Awaited<ReturnType<typeof measureCreditLatency>>;
      try {
        latency = await measureCreditLatency({
          net,
          blocks,
          relayer: latencyRelayer,
          deposits: SETTINGS.latencyDeposits,
          minGapMs: 1_200,
          jitterMs: 600,
          finalityDepth: SETTINGS.finalityDepth,
          blockTimeMs,
          progress,
        });
      } finally {
        await latencyRelayer.stop();
      }
      progress(
        `latency: p50 ${(latency.p50Ms / 1000).toFixed(2)} s, p95 ${(latency.p95Ms / 1000).toFixed(2)} s (floor ${(latency.floorMs / 1000).toFixed(2)} s)`,
      );

      const accounts = Array.from({ length: SETTINGS.burstAccounts }, (_, i) =>
        deriveAccount(BURST_SALT, BigInt(i)),
      );
      const common = {
        net,
        blocks,
        indexer,
        accounts,
        finalityDepth: SETTINGS.finalityDepth,
        blockTimeMs,
        progress,
      };
      const bursts: BurstResult[] = [];
      const runs = [
        {
          label: "batched, first credits",
          run: "first",
          settings: { batchMaxLeaves: SETTINGS.batchMaxLeaves, deliveryConcurrency },
          box: 120,
        },
        {
          label: "batched, updates",
          run: "batched",
          settings: { batchMaxLeaves: SETTINGS.batchMaxLeaves, deliveryConcurrency },
          box: 120,
        },
        {
          label: "unbatched, updates",
          run: "unbatched",
          // Claims must outlive the time box, or reconcile batches the queued leaves a second time.
          settings: { batchMaxLeaves: 1, claimTtlMs: 3_600_000, deliveryConcurrency },
          box: SETTINGS.unbatchedTimeBoxSeconds,
        },
      ];
      for (const run of runs) {
        const burst = await runBurst({
          ...common,
          label: run.label,
          settings: run.settings,
          prefix: prefix(run.run),
          timeBoxMs: run.box * 1000,
        });
        progress(
          `${run.label}: ${burst.credited}/${burst.deposits} credited, ${burst.updatesPerSecond.toFixed(1)} updates/s, ${Math.round(burst.gasPerUpdate).toLocaleString("en-US")} gas per update`,
        );
        bursts.push(burst);
      }
      const { batchWindowMs } = net.config.relayer;
      return renderRelayerSection({
        settings: SETTINGS,
        relayer: { batchWindowMs, deliveryConcurrency },
        latency,
        bursts,
      });
    } finally {
      blocks.stop();
      indexer.stop();
      await net.stop();
    }
  },
};

/**
 * A positive number from the environment.
 *
 * @param name the variable
 * @param fallback its value when unset or empty
 * @returns the number
 * @throws when it is set to anything but a positive number
 */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

function databaseKind(raw: string | undefined): "pglite" | "postgres" {
  if (raw === undefined || raw === "" || raw === "postgres") return "postgres";
  if (raw === "pglite") return "pglite";
  throw new Error(`BENCH_RELAYER_DATABASE must be "postgres" or "pglite", got ${JSON.stringify(raw)}`);
}
