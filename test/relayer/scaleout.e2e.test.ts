import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { approveVault } from "../kit/approveVault.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { expectCreditedOnce, waitUntilCredited } from "../kit/expectCreditedOnce.js";
import { type FundedKey, fundedKeys } from "../kit/fundedKeys.js";
import { planDeposits, TEST_DEPOSIT_TOKENS } from "../kit/planDeposits.js";
import { pollUntil } from "../kit/pollUntil.js";
import { runDepositWaves } from "../kit/runDepositWaves.js";
import { seededRandom } from "../kit/seededRandom.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// Several `crossmargin relayer` processes on one Redis and one queue prefix, no leader: each sends
// with its own key and all share the attester keys (the manifest's, in-process). One devnet
// (automine) and one PGlite indexer for the file; each test has its own accounts and prefix.

// Ports of this file only: 31545–31547.
const BASE_PORT = 31_545;
const FINALITY_DEPTH = 2;
const REDIS_URL = "redis://127.0.0.1:6379";
const SEED = 0x5ca1_e007;
const TOKENS = TEST_DEPOSIT_TOKENS;

let net: IndexedDevnet;
let dir: string;
let keys: FundedKey[];
const prefixes: string[] = [];
const running: RelayerProcess[] = [];
let logs: () => string = () => "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-scaleout-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_scale_${process.pid}`,
    finalityDepth: FINALITY_DEPTH,
  });
  for (const vault of net.vaults)
    await approveVault(vault, { payers: payers(), symbols: TOKENS.map((t) => t.symbol) });
  const rpcUrls = Object.values(net.devnet.config.chains).map((chain) => chain.rpcUrl);
  keys = await fundedKeys({ count: 3, label: `scaleout-${process.pid}`, rpcUrls });
});

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs (last 200k):\n${logs().slice(-200_000)}`);
  logs = () => "";
});

afterAll(async () => {
  await Promise.all(running.map((relayer) => relayer.kill("SIGKILL")));
  for (const prefix of prefixes) await clearRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const payers = () => net.accounts.traders.map((t) => t.privateKey);
const chains = () => ({ hub: net.hub, chains: net.vaults });
const mineToFinality = () =>
  Promise.all(net.vaults.map((vault) => vault.testClient.mine({ blocks: FINALITY_DEPTH })));

/** A relayer child process sending with `key`, on the shared Redis under `prefix`. */
async function startRelayer(prefix: string, key: FundedKey, name: string): Promise<RelayerProcess> {
  const config = {
    ...net.devnet.manifest,
    apiUrl: net.indexer.url,
    redisUrl: REDIS_URL,
    relayer: {
      queuePrefix: prefix,
      port: 0,
      claimTtlMs: 5_000,
      reconcileIntervalMs: 1_000,
      batchWindowMs: 200,
      // Small batches: many jobs, so every process gets some.
      batchMaxLeaves: 8,
    },
  };
  const relayer = await startRelayerProcess({
    config,
    configPath: join(dir, `relayer-${name}.json`),
    // Empty ATTESTER_PRIVATE_KEYS: the manifest's attester keys, the same in every process.
    env: { REDIS_URL, LOG_LEVEL: "info", RELAYER_PRIVATE_KEY: key.privateKey, ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 120_000,
  });
  running.push(relayer);
  return relayer;
}

/** Starts one process per key, all on `prefix`. */
async function startRelayers(prefix: string, count: number): Promise<RelayerProcess[]> {
  prefixes.push(prefix);
  const relayers = await Promise.all(
    keys.slice(0, count).map((key, i) => startRelayer(prefix, key, `${prefix}-${i}`)),
  );
  logs = () => relayers.map((r, i) => `--- relayer ${i} (pid ${r.pid})\n${r.logs()}`).join("\n");
  return relayers;
}

/** The guids a process's log says it delivered itself (status "delivered", not "already"), with their tx hashes. */
function deliveredBy(relayer: RelayerProcess): Map<Hex, Hex> {
  const delivered = new Map<Hex, Hex>();
  for (const line of relayer.logs().split("\n")) {
    if (!line.includes('"msg":"delivered"') || !line.includes('"status":"delivered"')) continue;
    const entry = JSON.parse(line) as { guid: Hex; txHash: Hex }; // pino JSON of observeLogs' "delivered"
    delivered.set(entry.guid, entry.txHash);
  }
  return delivered;
}

/**
 * Each process delivered some batches, each sent from its own key (read on chain), and no packet
 * was delivered by two processes.
 */
async function expectEachDelivered(relayers: readonly RelayerProcess[]): Promise<void> {
  const seen = new Map<Hex, number>();
  for (const [i, relayer] of relayers.entries()) {
    const delivered = deliveredBy(relayer);
    expect(delivered.size, `deliveries of relayer ${i}`).toBeGreaterThan(0);
    for (const [guid, txHash] of delivered) {
      expect(seen.get(guid), `guid ${guid} delivered by relayers ${seen.get(guid)} and ${i}`).toBeUndefined();
      seen.set(guid, i);
      const tx = await net.hub.publicClient.getTransaction({ hash: txHash });
      expect(tx.from.toLowerCase()).toBe(keys[i]?.address.toLowerCase());
    }
  }
}

test("two relayer processes on one Redis and prefix: each delivers with its own key, every deposit credited exactly once", async () => {
  const deposits = planDeposits({
    label: `scale2-${SEED}`,
    count: 160,
    accounts: 40,
    chains: net.vaults,
    tokens: TOKENS,
    random: seededRandom(SEED),
  });
  const relayers = await startRelayers(`scale2${process.pid}`, 2);
  await runDepositWaves({
    chains: net.vaults,
    payers: payers(),
    deposits,
    waves: 8,
    pauseMs: 300,
    afterWave: async () => void (await mineToFinality()),
  });
  const result = await waitUntilCredited(chains(), deposits, 150_000);
  await expectCreditedOnce(chains(), deposits, result);
  await expectEachDelivered(relayers);
  for (const relayer of relayers) expect(await relayer.kill("SIGTERM")).toBe(0);
}, 300_000);

test("three relayer processes, one SIGKILLed mid-flow: the other two finish its work and nothing is lost or doubled", async () => {
  const deposits = planDeposits({
    label: `scale3-${SEED}`,
    count: 240,
    accounts: 60,
    chains: net.vaults,
    tokens: TOKENS,
    random: seededRandom(SEED + 1),
  });
  const relayers = await startRelayers(`scale3${process.pid}`, 3);
  const [first, second, victim] = relayers as [RelayerProcess, RelayerProcess, RelayerProcess];
  const total = (list: readonly RelayerProcess[]) => list.reduce((n, r) => n + deliveredBy(r).size, 0);
  let survivorsAtKill: number | undefined;
  let killing: Promise<void> | undefined;
  await runDepositWaves({
    chains: net.vaults,
    payers: payers(),
    deposits,
    waves: 12,
    pauseMs: 300,
    beforeWave: async (wave) => {
      if (wave !== 6) return;
      // Killed with work in hand: it has delivered before and a round of its has just enqueued
      // more. Watched while the waves go on, so that there is new work for its round to take.
      await pollUntil(
        async () => deliveredBy(victim).size,
        (n) => n > 0,
        {
          timeoutMs: 90_000,
          what: "a delivery by the third relayer",
        },
      );
      const enqueued = victim.logs().split('"msg":"work enqueued"').length;
      killing = pollUntil(
        async () => victim.logs().split('"msg":"work enqueued"').length,
        (n) => n > enqueued,
        { timeoutMs: 60_000, intervalMs: 20, what: "a round of the third relayer enqueueing work" },
      ).then(async () => {
        await victim.kill("SIGKILL");
        survivorsAtKill = total([first, second]);
      });
    },
    afterWave: async () => void (await mineToFinality()),
  });
  await killing;
  expect(survivorsAtKill).toBeDefined();
  const result = await waitUntilCredited(chains(), deposits, 180_000);
  await expectCreditedOnce(chains(), deposits, result);
  await expectEachDelivered(relayers);
  // The survivors kept delivering after the kill (the waves after it, and what the victim held).
  expect(total([first, second])).toBeGreaterThan(survivorsAtKill ?? Number.POSITIVE_INFINITY);
  for (const relayer of [first, second]) expect(await relayer.kill("SIGTERM")).toBe(0);
}, 360_000);
