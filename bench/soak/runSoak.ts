import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import {
  type StartAttesterServerReturnType,
  startAttesterServer,
} from "../../relayer/attester/attesterServer.js";
import { startRedis } from "../../scripts/devnet/startRedis.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { chainClients } from "../../test/kit/chainClients.js";
import { createMixedWorkload, type FundCounts } from "../../test/kit/mixedWorkload.js";
import { type RpcProxy, startRpcProxy } from "../../test/kit/rpcProxy.js";
import { seededRandom } from "../../test/kit/seededRandom.js";
import { type RelayerProcess, startRelayerProcess } from "../../test/kit/startRelayerProcess.js";
import { percentile } from "../relayer/percentile.js";
import { FUNDER_KEY, startBenchNet } from "../relayer/startBenchNet.js";
import { type FaultWindow, runFaults } from "./injectFaults.js";
import type { SoakArgs } from "./parseSoakArgs.js";
import { readOrderedPaths } from "./readOrderedPaths.js";

/** Fresh accounts one round funds (each spent in a later round, once credited). */
const ROUND: FundCounts = { approve: 2, reject: 1, liquidate: 1 };
/** Pause between rounds. */
const ROUND_PAUSE_MS = 2_000;
/** How long the chains may take to agree with the ledger once the faults stop. */
const SETTLE_MS = 240_000;

/** The soak's outcome. */
export type SoakResult = {
  /** The one summary line (`soak: … lost L, doubled D, …`). */
  summary: string;
  lost: number;
  doubled: number;
};

/**
 * `npm run soak`: a devnet with interval mining (1 s blocks, finality depth 2, as `npm run dev`),
 * its indexer, a private Redis, three attester servers, a relayer child process reading every
 * chain through an RPC fault proxy, and the mixed workload of `test/kit/mixedWorkload.ts` round
 * after round for `minutes`, while random faults (relayer SIGKILL + restart, Redis flush, RPC
 * fault periods, an attester down) come one at a time. Then the faults stop, the chains settle,
 * and the ledger is verified against them.
 *
 * @param args minutes, ports, seed
 * @param progress prints a progress line
 * @returns the summary line and the lost / doubled counts
 */
export async function runSoak(args: SoakArgs, progress: (line: string) => void): Promise<SoakResult> {
  const random = seededRandom(args.seed);
  const cleanups: (() => Promise<unknown>)[] = [];
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-soak-"));
  // Kept after the run: what each relayer process logged (debug level), for a post-mortem.
  const logDir = mkdtempSync(join(tmpdir(), "crossmargin-soak-logs-"));
  progress(`relayer logs: ${logDir}`);
  try {
    const net = await startBenchNet({
      basePort: args.basePort,
      blockTimeSeconds: 1,
      finalityDepth: 2,
      database: { kind: "pglite" },
      progress,
    });
    cleanups.push(() => net.stop());
    const redis = await startRedis();
    cleanups.push(() => redis.stop());

    const proxies = new Map<number, RpcProxy>();
    for (const chain of Object.values(net.config.chains)) {
      const proxy = await startRpcProxy({
        target: chain.rpcUrl,
        dropRate: 0.1,
        delayRate: 0.1,
        random: seededRandom(args.seed + 10 + proxies.size),
      });
      proxy.setFaulty(false);
      cleanups.push(() => proxy.stop());
      proxies.set(chain.chainId, proxy);
    }

    const logger = pino({ level: "silent" });
    const attesterKeys = net.manifest.accounts.attesters.map((a) => a.privateKey);
    const servers: (StartAttesterServerReturnType | undefined)[] = [];
    const startAttester = async (index: number) => {
      // The port may be held a moment by an outgoing connection's ephemeral port: try again.
      for (let attempt = 1; ; attempt += 1) {
        try {
          servers[index] = await startAttesterServer({
            config: net.config,
            privateKey: attesterKeys[index] ?? "0x",
            port: args.basePort + 3 + index,
            logger,
          });
          return;
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    };
    const stopAttester = async (index: number) => {
      await servers[index]?.stop();
      servers[index] = undefined;
    };
    for (const index of attesterKeys.keys()) await startAttester(index);
    cleanups.push(() => Promise.all(servers.map((_, i) => stopAttester(i))));

    const relayerConfig = {
      ...net.manifest,
      redisUrl: redis.url,
      chains: Object.fromEntries(
        Object.entries(net.manifest.chains).map(([id, chain]) => [
          id,
          { ...chain, rpcUrl: proxies.get(chain.chainId)?.url ?? chain.rpcUrl },
        ]),
      ),
      relayer: {
        queuePrefix: `soak${process.pid}`,
        port: 0,
        attesterUrls: Object.fromEntries(
          net.manifest.accounts.attesters.map((a, i) => [
            a.address,
            `http://127.0.0.1:${args.basePort + 3 + i}`,
          ]),
        ),
      },
    };
    let relayer: RelayerProcess | undefined;
    let generation = 0;
    const keepLogs = () => {
      if (relayer !== undefined) writeFileSync(join(logDir, `relayer-${generation}.log`), relayer.logs());
    };
    const startRelayer = async () => {
      generation += 1;
      relayer = await startRelayerProcess({
        config: relayerConfig,
        configPath: join(dir, "relayer.json"),
        env: { REDIS_URL: redis.url, LOG_LEVEL: "debug", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
        readyTimeoutMs: 90_000,
      });
    };
    await startRelayer();
    cleanups.push(async () => {
      await relayer?.kill("SIGTERM");
      keepLogs();
    });

    const [vaultA, vaultB] = vaultChains(net.config, { includeHub: false }).map(chainClients);
    if (vaultA === undefined || vaultB === undefined)
      throw new Error("the soak devnet needs two vault chains");
    const work = createMixedWorkload({
      hub: chainClients(hubChain(net.config)),
      vaults: [vaultA, vaultB],
      label: `soak-${args.seed}-${process.pid}`,
      random,
      payerKey: FUNDER_KEY,
      liquidatorKey: net.manifest.accounts.liquidator.privateKey,
      priceKey: net.manifest.accounts.deployer.privateKey,
      perpFeed: net.manifest.devnet.perpFeed,
      mine: false,
    });
    await work.prepare();

    const started = Date.now();
    const stopFaults = new AbortController();
    const faults = runFaults({
      targets: {
        killRelayer: async () => {
          await relayer?.kill("SIGKILL");
          keepLogs();
          await startRelayer();
        },
        redisUrl: redis.url,
        proxies: [...proxies.values()],
        stopAttester,
        startAttester,
        attesters: attesterKeys.length,
      },
      random: seededRandom(args.seed + 1),
      signal: stopFaults.signal,
      pauseMs: [8_000, 25_000],
      periodMs: 15_000,
      progress,
    });
    const observing = setInterval(() => void work.observe().catch(() => undefined), 250);
    cleanups.push(async () => clearInterval(observing));

    let rounds = 0;
    let lastProgress = Date.now();
    while (Date.now() - started < args.minutes * 60_000) {
      // A round cut short by a node timing out is reported; the ledger holds what it did.
      await work
        .round(ROUND)
        .catch((error: unknown) => progress(`round failed: ${String(error).slice(0, 200)}`));
      rounds += 1;
      if (Date.now() - lastProgress >= 15_000) {
        lastProgress = Date.now();
        progress(progressLine(started, args.minutes, rounds, work.counts(), work.creditLatencies().length));
      }
      await new Promise((resolve) => setTimeout(resolve, ROUND_PAUSE_MS));
    }
    stopFaults.abort();
    const windows: FaultWindow[] = await faults;
    const injected = windows.map((w) => w.kind);
    progress(`workload stopped after ${rounds} rounds; faults ${injected.join(", ") || "none"}; settling…`);
    const violations = await work.settle({ timeoutMs: SETTLE_MS, intervalMs: 1_000, spend: false });
    for (const v of violations.slice(0, 20)) progress(`violation (${v.kind}): ${v.what}`);
    // Where an ordered path stands: packets sent by its source against those its destination applied.
    for (const path of await readOrderedPaths(net.config).catch(() => []))
      progress(`path ${path.route}: sent ${path.sent}, applied ${path.applied}`);

    const counts = work.counts();
    const doubled = violations.filter((v) => v.kind === "doubled").length;
    const lost = violations.length - doubled;
    const latencies = work.creditLatencies();
    const seconds = (p: number) => (latencies.length === 0 ? "n/a" : percentile(latencies, p).toFixed(2));
    for (const line of latencyByFault(work.creditSamples(), windows)) progress(line);
    return {
      summary:
        `soak: ${args.minutes} min, updates ${counts.updates}, requests ${counts.requests} ` +
        `(approved ${counts.approved}, rejected ${counts.rejected}), seizes ${counts.seizes}, ` +
        `faults ${injected.length}, lost ${lost}, doubled ${doubled}, ` +
        `credit latency over floor p50 ${seconds(50)} s p95 ${seconds(95)} s`,
      lost,
      doubled,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function progressLine(
  started: number,
  minutes: number,
  rounds: number,
  counts: ReturnType<ReturnType<typeof createMixedWorkload>["counts"]>,
  credited: number,
): string {
  const elapsed = ((Date.now() - started) / 60_000).toFixed(1);
  return `${elapsed}/${minutes} min: rounds ${rounds}, deposits ${counts.deposits} (credited ${credited}), requests ${counts.requests}, seizes ${counts.seizes}`;
}

/**
 * Credit latency split by whether a deposit's path (seen final → seen credited) overlapped a
 * fault's window: what the relayer adds on its own, and what the faults cost.
 *
 * @param samples each credited deposit's final-seen time and latency
 * @param windows the faults' windows
 * @returns progress lines: no fault, any fault, then each kind of fault injected
 */
export function latencyByFault(
  samples: readonly { finalAt: number; seconds: number }[],
  windows: readonly FaultWindow[],
): string[] {
  const overlaps = (s: { finalAt: number; seconds: number }, w: FaultWindow) =>
    s.finalAt <= w.to && s.finalAt + s.seconds * 1_000 >= w.from;
  const line = (label: string, group: readonly { seconds: number }[]) => {
    const values = group.map((s) => s.seconds);
    const at = (p: number) => (values.length === 0 ? "n/a" : `${percentile(values, p).toFixed(2)} s`);
    return `credit latency over floor, ${label}: ${values.length} deposits, p50 ${at(50)}, p95 ${at(95)}`;
  };
  const byKind = [...new Set(windows.map((w) => w.kind))].map((kind) =>
    line(
      `path overlapping a fault of kind ${kind}`,
      samples.filter((s) => windows.some((w) => w.kind === kind && overlaps(s, w))),
    ),
  );
  return [
    line(
      "path overlapping no fault",
      samples.filter((s) => !windows.some((w) => overlaps(s, w))),
    ),
    line(
      "path overlapping a fault",
      samples.filter((s) => windows.some((w) => overlaps(s, w))),
    ),
    ...byKind,
  ];
}
