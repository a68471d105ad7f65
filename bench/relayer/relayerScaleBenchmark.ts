import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { keccak256, toHex } from "viem";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { fundedKeys } from "../../test/kit/fundedKeys.js";
import type { Benchmark } from "../types.js";
import { envNumber } from "./relayerBenchmark.js";
import { renderRelayerScaleSection } from "./renderRelayerSection.js";
import { type BurstResult, runBurst } from "./runBurst.js";
import { BENCH_POSTGRES_URL, startBenchNet } from "./startBenchNet.js";
import { startBenchAttesters, startBenchProcesses } from "./startBenchProcesses.js";
import { watchBlocks } from "./watchBlocks.js";
import { watchIndexer } from "./watchIndexer.js";

/** Ports of this benchmark: the devnet on 36545–36547, the attesters on 36550–36552. */
const BASE_PORT = 36_545;
const ATTESTER_PORT = 36_550;
const BLOCK_TIME_S = 1;
const FINALITY_DEPTH = 2;
const BATCH_MAX_LEAVES = 200;
/** As the relayer benchmark: above the production default (4), for throughput. */
const DELIVERY_CONCURRENCY = 16;
/** Remote attesters re-read up to 200 leaves per request: on a busy machine that takes longer than the default 5 s. */
const ATTEST_TIMEOUT_MS = 30_000;
/** Relayer process counts, in run order. */
const PROCESS_COUNTS = [1, 2, 3] as const;

/**
 * `npm run bench -- relayer-scale`: the 2,000-deposit burst with 1, 2 and 3 `crossmargin relayer`
 * processes on one Redis and queue prefix (own keys, shared attester processes), each run on fresh
 * accounts; throughput, gas, and CPU per 1,000 credited updates of relayers, attesters and indexer.
 */
export const relayerScaleBenchmark: Benchmark = {
  name: "relayer-scale",
  title: "Relayer scale-out: the burst with 1, 2 and 3 relayer processes",
  parent: "relayer",
  run: async (progress) => {
    const dir = mkdtempSync(join(tmpdir(), "crossmargin-bench-scale-"));
    const burstAccounts = envNumber("BENCH_RELAYER_BURST_ACCOUNTS", 500);
    const load = [loadavg()[0] ?? 0];
    const net = await startBenchNet({
      basePort: BASE_PORT,
      blockTimeSeconds: BLOCK_TIME_S,
      finalityDepth: FINALITY_DEPTH,
      database: {
        kind: "postgres",
        url: BENCH_POSTGRES_URL,
      },
      progress,
    });
    const blocks = watchBlocks({ clients: net.clients });
    const indexer = watchIndexer({
      apiUrl: net.indexer.url,
      chains: new Map([net.hub, ...net.vaults].map((chain) => [chain.config.name, chain.config.chainId])),
    });
    try {
      const attesters = await startBenchAttesters(net, { basePort: ATTESTER_PORT, dir });
      try {
        const rpcUrls = Object.values(net.config.chains).map((chain) => chain.rpcUrl);
        const keys = await fundedKeys({ count: Math.max(...PROCESS_COUNTS), label: "bench-scale", rpcUrls });
        const bursts: BurstResult[] = [];
        for (const count of PROCESS_COUNTS) {
          // Fresh accounts per run: every run credits each key for the first time, so gas compares.
          const salt = keccak256(toHex(`crossmargin/bench/relayer-scale/${count}`));
          const burst = await runBurst({
            net,
            blocks,
            indexer,
            label: `${count} relayer process${count === 1 ? "" : "es"}`,
            accounts: Array.from({ length: burstAccounts }, (_, i) => deriveAccount(salt, BigInt(i))),
            settings: {
              batchMaxLeaves: BATCH_MAX_LEAVES,
              deliveryConcurrency: DELIVERY_CONCURRENCY,
              attestTimeoutMs: ATTEST_TIMEOUT_MS,
            },
            prefix: `{bench-scale-${process.pid}-${count}}`,
            startRelayer: (prefix, settings) =>
              startBenchProcesses({ net, attesters, keys: keys.slice(0, count), prefix, settings, dir }),
            timeBoxMs: 120_000,
            finalityDepth: FINALITY_DEPTH,
            blockTimeMs: BLOCK_TIME_S * 1000,
            progress,
          });
          progress(
            `${burst.label}: ${burst.credited}/${burst.deposits} credited, ${burst.updatesPerSecond.toFixed(1)} updates/s, ${Math.round(burst.gasPerUpdate).toLocaleString("en-US")} gas per update, CPU ${JSON.stringify(burst.cpuSeconds)}`,
          );
          bursts.push(burst);
          load.push(loadavg()[0] ?? 0);
        }
        return renderRelayerScaleSection({
          settings: {
            blockTimeSeconds: BLOCK_TIME_S,
            finalityDepth: FINALITY_DEPTH,
            burstAccounts,
            batchMaxLeaves: BATCH_MAX_LEAVES,
            deliveryConcurrency: DELIVERY_CONCURRENCY,
            attestTimeoutMs: ATTEST_TIMEOUT_MS,
          },
          bursts,
          loadAverages: load,
        });
      } finally {
        await attesters.stop();
      }
    } finally {
      blocks.stop();
      indexer.stop();
      await net.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
