import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type Logger, pino } from "pino";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createLocalAttester } from "../../relayer/attester/createLocalAttester.js";
import { createPublicClients } from "../../relayer/createPublicClients.js";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import {
  hasRedisServer,
  REDIS_HELP,
  type StartedRedis,
  startRedis,
} from "../../scripts/devnet/startRedis.js";
import type { Config } from "../../shared/config/schema.js";
import { approveVault } from "../kit/approveVault.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { type CompareCreditsReturnType, compareCredits } from "../kit/compareCredits.js";
import type { PlannedDeposit } from "../kit/depositForMany.js";
import { expectCreditedOnce, waitUntilCredited } from "../kit/expectCreditedOnce.js";
import { gateAttesters } from "../kit/gateAttesters.js";
import { planDeposits, TEST_DEPOSIT_TOKENS } from "../kit/planDeposits.js";
import { pollUntil } from "../kit/pollUntil.js";
import { type RpcProxy, startRpcProxy } from "../kit/rpcProxy.js";
import { runDepositWaves } from "../kit/runDepositWaves.js";
import { randomInt, seededRandom } from "../kit/seededRandom.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// End-to-end tests 3, 4 and 6 of the relayer: SIGKILLs, a flushed Redis, a flaky RPC. One devnet
// (hub + two vault chains, automine) and one PGlite indexer for the file; each test deposits for
// its own fresh accounts, runs its own relayer with its own queue prefix, and checks on-chain
// truth: for every (account, chain, token) the deposits made, hub credit = vault state = deposits.

// Ports of this file only: 28245–28247.
const BASE_PORT = 28_245;
const FINALITY_DEPTH = 2;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const SEED = 0x5eed_c4a0;
const TOKENS = TEST_DEPOSIT_TOKENS;

let net: IndexedDevnet;
let dir: string;
const prefixes: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
/** Logs of the failing test's relayers, printed when a test fails. */
let logs: () => string = () => "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-chaos-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_chaos_${process.pid}`,
    finalityDepth: FINALITY_DEPTH,
  });
  for (const vault of net.vaults)
    await approveVault(vault, { payers: payers(), symbols: TOKENS.map((t) => t.symbol) });
});

afterEach((context) => {
  // CHAOS_LOGS=1 prints every test's relayer logs, not only a failing one's.
  if (context.task.result?.state === "fail" || process.env.CHAOS_LOGS === "1") {
    console.error(`relayer logs (last 200k):\n${logs().slice(-200_000)}`);
  }
  logs = () => "";
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  for (const prefix of prefixes) await clearRedisPrefix(SHARED_REDIS, prefix).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

/** The demo traders pay for every deposit (`depositFor` credits fresh accounts). */
const payers = () => net.accounts.traders.map((t) => t.privateKey);

/** The relayer settings of these tests: short claim TTL and reconcile period, small batches. */
function relayerSettings(queuePrefix: string) {
  prefixes.push(queuePrefix);
  return {
    queuePrefix,
    port: 0,
    claimTtlMs: 5_000,
    reconcileIntervalMs: 1_000,
    batchWindowMs: 200,
    batchMaxLeaves: 25,
    attestTimeoutMs: 5_000,
  };
}

/** An in-process relayer config on the devnet. */
/** A relayer child process on the devnet (its config written as `relayer-<name>.json`), on the shared Redis. */
function startRelayerChild(queuePrefix: string, name: string): Promise<RelayerProcess> {
  const config = {
    ...net.devnet.manifest,
    apiUrl: net.indexer.url,
    redisUrl: SHARED_REDIS,
    relayer: relayerSettings(queuePrefix),
  };
  return startRelayerProcess({
    config,
    configPath: join(dir, `relayer-${name}.json`),
    // Empty keys: the manifest's demo relayer and attester keys, whatever this shell exports.
    env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "info", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 90_000,
  });
}

function inProcessConfig(queuePrefix: string, overrides: Partial<Config> = {}): Config {
  const base = net.devnet.config;
  return { ...base, ...overrides, relayer: { ...base.relayer, ...relayerSettings(queuePrefix) } };
}

/** A pino logger writing JSON lines into memory. */
function memoryLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  return {
    logger: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }),
    text: () => lines.join(""),
  };
}

/** Mines `FINALITY_DEPTH` blocks on both vault chains: every deposit so far turns final. */
const mineToFinality = () =>
  Promise.all(net.vaults.map((vault) => vault.testClient.mine({ blocks: FINALITY_DEPTH })));

const compare = (deposits: readonly PlannedDeposit[]) =>
  compareCredits({ hub: net.hub, chains: net.vaults, deposits });

/** Polls until the hub credits every key exactly as the vault holds it and the deposits add up. */
const allCredited = (deposits: readonly PlannedDeposit[], timeoutMs: number) =>
  waitUntilCredited({ hub: net.hub, chains: net.vaults }, deposits, timeoutMs);

/** The on-chain truth every test ends on. */
const expectExactlyOnce = (deposits: readonly PlannedDeposit[], result: CompareCreditsReturnType) =>
  expectCreditedOnce({ hub: net.hub, chains: net.vaults }, deposits, result);

// ------------------------------------------------------------------ tests

test("SIGKILLed at random moments while 300 deposits flow, the relayer credits every deposit exactly once", async () => {
  const random = seededRandom(SEED);
  const deposits = planDeposits({
    label: `kill-${SEED}`,
    count: 300,
    accounts: 40,
    chains: net.vaults,
    tokens: TOKENS,
    random,
  });
  const start = () => startRelayerChild(`chaoskill${process.pid}`, "kill");
  const KILLS = 4;
  const WAVES = 12;
  const killed: { hadWork: boolean; delivered: number; afterMs: number }[] = [];
  let previousLogs = "";
  let relayer: RelayerProcess = await start();
  logs = () => `${previousLogs}${relayer.logs()}`;
  cleanups.push(() => relayer.kill("SIGKILL"));

  // Each process is killed at a random moment 0–1.5 s after it starts enqueueing work (or after 15 s
  // idle), then restarted; the deposits are paced by the kills so every process has work to lose.
  const killer = (async () => {
    while (killed.length < KILLS) {
      const hadWork = await waitForLine(relayer, '"msg":"work enqueued"', 15_000);
      const afterMs = randomInt(random, 0, 1_500);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const output = relayer.logs();
      await relayer.kill("SIGKILL");
      killed.push({ hadWork, delivered: countLines(output, '"msg":"delivered"'), afterMs });
      previousLogs += output;
      relayer = await start();
    }
  })();
  let killerFailed: unknown;
  killer.catch((error: unknown) => {
    killerFailed = error;
  });
  const killsBefore = async (wave: number) => {
    const needed = Math.floor((wave * KILLS) / WAVES);
    await pollUntil(
      async () => killed.length,
      (n) => n >= needed || killerFailed !== undefined,
      { timeoutMs: 120_000, intervalMs: 100, what: `${needed} kills before wave ${wave}` },
    );
  };
  await runDepositWaves({
    chains: net.vaults,
    payers: payers(),
    deposits,
    waves: WAVES,
    pauseMs: 300,
    beforeWave: killsBefore,
    afterWave: async () => void (await mineToFinality()),
  });
  await killer;

  const result = await allCredited(deposits, 150_000);
  await expectExactlyOnce(deposits, result);
  console.info(`chaos: SIGKILLs ${JSON.stringify(killed)}`);
  expect(killed.length).toBe(KILLS);
  // The kills hit a working relayer: most killed processes had enqueued work.
  expect(killed.filter((k) => k.hadWork).length).toBeGreaterThanOrEqual(KILLS - 1);
  await relayer.kill("SIGTERM");
}, 240_000);

test("SIGTERM while deposits flow: the relayer finishes the jobs in hand, exits 0, and its successor loses nothing", async () => {
  const deposits = planDeposits({
    label: `term-${SEED}`,
    count: 120,
    accounts: 30,
    chains: net.vaults,
    tokens: TOKENS,
    random: seededRandom(SEED + 1),
  });
  const start = (name: string) => startRelayerChild(`chaosterm${process.pid}`, name);
  const first = await start("term-first");
  cleanups.push(() => first.kill("SIGKILL"));
  logs = () => first.logs();
  const waves = runDepositWaves({
    chains: net.vaults,
    payers: payers(),
    deposits,
    waves: 6,
    pauseMs: 300,
    afterWave: async () => void (await mineToFinality()),
  });
  // Terminated with work in hand: a round has enqueued batches and they are being delivered.
  expect(await waitForLine(first, '"msg":"work enqueued"', 60_000)).toBe(true);
  const code = await first.kill("SIGTERM");
  const output = first.logs();
  expect(code).toBe(0);
  expect(output).toContain('"msg":"draining: finishing the jobs in progress"');
  expect(output).toContain('"msg":"relayer stopped"');
  await waves;

  const second = await start("term-second");
  cleanups.push(() => second.kill("SIGKILL"));
  logs = () => `${output}${second.logs()}`;
  const result = await allCredited(deposits, 150_000);
  await expectExactlyOnce(deposits, result);
  expect(await second.kill("SIGTERM")).toBe(0);
}, 240_000);

test("Redis flushed while a batch is in flight: reconcile rebuilds the lost work from the indexer and everything is delivered", async () => {
  if (!hasRedisServer()) throw new Error(`this test flushes a private redis-server.\n${REDIS_HELP}`);
  const redis: StartedRedis = await startRedis();
  cleanups.push(() => redis.stop());
  const random = seededRandom(SEED + 1);
  const deposits = planDeposits({
    label: `flush-${SEED}`,
    count: 120,
    accounts: 24,
    chains: net.vaults,
    tokens: TOKENS,
    random,
  });
  const config = inProcessConfig(`chaosflush${process.pid}`, { redisUrl: redis.url });
  const keys = resolveKeys(config, {});
  const clients = createPublicClients(config);
  const gate = gateAttesters(
    keys.attesters.map((privateKey) => createLocalAttester({ config, clients, privateKey })),
  );
  const { logger, text } = memoryLogger();
  logs = text;
  const relayer: Relayer = await startRelayer({
    config,
    keys,
    apiUrl: net.indexer.url,
    logger,
    attesters: gate.attesters,
  });
  cleanups.push(() => relayer.stop());
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  cleanups.push(async () => admin.disconnect());

  // Waves 0–1 go through this Redis normally.
  const firstWaves = deposits.slice(0, 40);
  await runDepositWaves({ chains: net.vaults, payers: payers(), deposits: firstWaves, waves: 2 });
  await mineToFinality();
  await allCredited(firstWaves, 60_000);

  // Wave 2: held at the attesters (discovered, claimed and enqueued in Redis), then Redis is flushed.
  const held = deposits.slice(40, 60);
  gate.hold();
  await runDepositWaves({ chains: net.vaults, payers: payers(), deposits: held, waves: 1 });
  await mineToFinality();
  await pollUntil(
    async () => gate.waiting(),
    (n) => n > 0,
    { timeoutMs: 30_000, what: "an attest job in flight" },
  );
  // Nothing of wave 2 is credited while it is held: after the flush, the only trace of that work is the indexer.
  const atFlush = await compare(deposits.slice(0, 60));
  const claimsBefore = (await admin.keys(`${config.relayer.queuePrefix}:claim:*`)).length;
  const keysBefore = await admin.dbsize();
  await admin.flushdb();
  expect(await admin.keys(`${config.relayer.queuePrefix}:claim:*`)).toEqual([]);
  gate.failWaiting();
  const keyOf = (d: { chainId: number; account: string; token: string }) =>
    `${d.chainId}:${d.account}:${d.token}`;
  expect(atFlush.mismatches.map(keyOf).sort()).toEqual([...new Set(held.map(keyOf))].sort());
  expect(atFlush.mismatches.filter((m) => m.hub.seq >= m.vault.seq)).toEqual([]);
  expect(claimsBefore).toBeGreaterThan(0);
  expect(keysBefore).toBeGreaterThan(claimsBefore);

  // The rest keeps flowing on the flushed Redis.
  await runDepositWaves({ chains: net.vaults, payers: payers(), deposits: deposits.slice(60), waves: 3 });
  await mineToFinality();
  const result = await allCredited(deposits, 90_000);
  await expectExactlyOnce(deposits, result);
  // The relayer rebuilt its Redis state (queues, the reconcile schedule) by itself.
  expect(
    await admin.exists(
      `${config.relayer.queuePrefix}:reconcile:repeat:reconcile`,
      `${config.relayer.queuePrefix}:reconcile:repeat`,
    ),
  ).toBeGreaterThan(0);
  await relayer.stop();
}, 180_000);

test("behind RPC proxies that drop or delay 20% of requests, the relayer still delivers everything", async () => {
  const proxies = new Map<number, RpcProxy>();
  for (const [index, chain] of Object.values(net.devnet.config.chains).entries()) {
    const proxy = await startRpcProxy({ target: chain.rpcUrl, random: seededRandom(SEED + 10 + index) });
    cleanups.push(() => proxy.stop());
    proxies.set(chain.chainId, proxy);
  }
  const random = seededRandom(SEED + 2);
  const deposits = planDeposits({
    label: `proxy-${SEED}`,
    count: 90,
    accounts: 20,
    chains: net.vaults,
    tokens: TOKENS,
    random,
  });
  const base = net.devnet.config;
  const chains = Object.fromEntries(
    Object.entries(base.chains).map(([id, chain]) => [
      id,
      { ...chain, rpcUrl: proxies.get(chain.chainId)?.url ?? chain.rpcUrl },
    ]),
  );
  // Only the relayer (and its in-process attesters) go through the proxies; the indexer reads the anvils directly.
  const config = inProcessConfig(`chaosproxy${process.pid}`, { chains });
  const { logger, text } = memoryLogger();
  logs = text;
  const relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: net.indexer.url,
    logger,
  });
  cleanups.push(() => relayer.stop());

  await runDepositWaves({ chains: net.vaults, payers: payers(), deposits, waves: 5, pauseMs: 800 });
  await mineToFinality();
  const result = await allCredited(deposits, 150_000);
  await expectExactlyOnce(deposits, result);

  const stats = [...proxies.values()].map((proxy) => proxy.stats());
  const sum = (field: keyof ReturnType<RpcProxy["stats"]>) => stats.reduce((n, s) => n + s[field], 0);
  console.info(`rpc proxies: ${JSON.stringify(stats)}`);
  expect(sum("reset")).toBeGreaterThan(0);
  expect(sum("badGateway")).toBeGreaterThan(0);
  expect(sum("delayed")).toBeGreaterThan(0);
  // The hub's proxy carried the deliveries, faults included.
  const hubStats = proxies.get(net.hub.chain.chainId)?.stats();
  expect((hubStats?.reset ?? 0) + (hubStats?.badGateway ?? 0)).toBeGreaterThan(0);
  await relayer.stop();
}, 200_000);

/** Waits until the process has printed a line containing `needle`; false after `timeoutMs`. */
async function waitForLine(relayer: RelayerProcess, needle: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (relayer.logs().includes(needle)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function countLines(text: string, needle: string): number {
  return text.split("\n").filter((line) => line.includes(needle)).length;
}
