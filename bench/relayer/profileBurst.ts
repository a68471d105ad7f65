/**
 * `tsx bench/relayer/profileBurst.ts`: the relayer benchmark's batched 2,000-deposit bursts alone
 * (no latency phase, no unbatched run), with the CPU seconds every process used during each burst
 * and, with `BENCH_RELAYER_CPU_PROFILE=<dir>`, a V8 CPU profile of this process per burst (read it
 * with `summariseCpuProfile.ts`). Prints; writes nothing to BENCHMARKS.md. See README.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { countFetches } from "./countFetches.js";
import { cpuDelta, snapshotCpu } from "./measureProcessCpu.js";
import { BURST_SALT, envNumber } from "./relayerBenchmark.js";
import { runBurst } from "./runBurst.js";
import { BENCH_POSTGRES_URL, startBenchNet } from "./startBenchNet.js";
import { watchBlocks } from "./watchBlocks.js";
import { watchIndexer } from "./watchIndexer.js";

const basePort = envNumber("BENCH_RELAYER_BASE_PORT", 30_545);
const accountsCount = envNumber("BENCH_RELAYER_BURST_ACCOUNTS", 500);
/** Update bursts after the first-credit burst. */
const repeats = envNumber("BENCH_RELAYER_BURST_REPEATS", 2);
const profileDir = process.env.BENCH_RELAYER_CPU_PROFILE;
/** `1`: count this process's requests (RPC calls by method, indexer paths) per burst. */
const fetches = process.env.BENCH_RELAYER_COUNT_FETCHES === "1" ? countFetches() : undefined;
const progress = (line: string) => console.log(`  ${line}`);

const net = await startBenchNet({
  basePort,
  blockTimeSeconds: 1,
  finalityDepth: 2,
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
const accounts = Array.from({ length: accountsCount }, (_, i) => deriveAccount(BURST_SALT, BigInt(i)));
const session = new Session();
session.connect();
if (profileDir !== undefined) {
  mkdirSync(profileDir, { recursive: true });
  await session.post("Profiler.enable");
}
const rows: string[] = [];
try {
  fetches?.take(); // the devnet's start-up is not a burst
  for (let run = 0; run <= repeats; run++) {
    const label = run === 0 ? "batched, first credits" : `batched, updates #${run}`;
    const before = snapshotCpu(); // outside the profile: it runs `ss` and `ps`
    if (profileDir !== undefined) await session.post("Profiler.start");
    const started = Date.now();
    const burst = await runBurst({
      net,
      blocks,
      indexer,
      label,
      accounts,
      settings: { batchMaxLeaves: 200, deliveryConcurrency: 16 },
      prefix: `bench-relayer-${process.pid}-profile-${run}`,
      timeBoxMs: 120_000,
      finalityDepth: 2,
      blockTimeMs: 1_000,
      progress,
    });
    const wallSeconds = (Date.now() - started) / 1000;
    if (profileDir !== undefined) {
      const { profile } = await session.post("Profiler.stop");
      writeFileSync(join(profileDir, `burst-${run}.cpuprofile`), JSON.stringify(profile));
    }
    const cpu = cpuDelta(before, snapshotCpu());
    const counts = fetches?.take();
    if (counts !== undefined) {
      const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 20);
      console.log(
        `  ${label}: requests by port and method: ${top.map(([key, n]) => `${key} ${n}`).join("; ")}`,
      );
    }
    const split = burst.split;
    const f = (ms: number | undefined) => ((ms ?? Number.NaN) / 1000).toFixed(2);
    rows.push(
      `| ${label} | ${burst.credited}/${burst.deposits} | ${f(burst.tailMs)} (${f(burst.tailFloorMs)}) | ${burst.updatesPerSecond.toFixed(0)} | ${f(split?.indexerLagMs)} / ${f(split?.discoveryMs)} / ${f(split?.attestMs)} / ${f(split?.queueMs)} / ${f(split?.deliverMs)} | ${wallSeconds.toFixed(1)} | ${cpu
        .filter(([, seconds]) => seconds >= 0.05)
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join("; ")} |`,
    );
    console.log(rows.at(-1));
  }
} finally {
  session.disconnect();
  fetches?.stop();
  blocks.stop();
  indexer.stop();
  await net.stop();
}
console.log(
  [
    "",
    "| run | credited | last deposit → all credited, s (floor) | updates/s | indexer / discovery / attest / queue / send→receipt, s | burst wall, s | CPU s during the burst |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n"),
);
