import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Hex } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createLocalAttester } from "../../relayer/attester/createLocalAttester.js";
import { createPublicClients } from "../../relayer/createPublicClients.js";
import type { RelayerEvent } from "../../relayer/pipeline/relayerObserver.js";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { hasRedisServer, REDIS_HELP, startRedis } from "../../scripts/devnet/startRedis.js";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { type AttesterServers, attesterServers } from "../kit/attesterServers.js";
import { captureLogs } from "../kit/captureLogs.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { flowsDevnet } from "../kit/flowsDevnet.js";
import { type GatedAttesters, gateAttesters } from "../kit/gateAttesters.js";
import { createMixedWorkload, type FundCounts, type MixedWorkload } from "../kit/mixedWorkload.js";
import { pollUntil } from "../kit/pollUntil.js";
import { mineTowardFinality } from "../kit/pollWhileMining.js";
import { readMetric } from "../kit/readMetric.js";
import { type RpcProxy, startRpcProxy } from "../kit/rpcProxy.js";
import { randomInt, seededRandom } from "../kit/seededRandom.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// The paths that move money out, under faults: withdrawal requests the hub approves, requests it
// rejects, liquidations whose SEIZEs go to both vault chains, mixed with deposits (test/kit's
// mixedWorkload, fresh accounts per test). One devnet (automine, finality depth 2) and one PGlite
// indexer for the file; each test runs its own relayer on its own queue prefix and ends on the
// chains' truth: every request decided once as expected and applied once, every SEIZE applied once,
// each trader holding exactly its approved sum, hub credit = vault state for every key.

// Ports of this file only: chains 20545–20547, attester servers 20550–20552 (below the ephemeral range 32768–60999, so no outgoing connection holds one).
const BASE_PORT = 20_545;
const ATTESTER_PORTS = [20_550, 20_551, 20_552] as const;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const SEED = 0x6d_0e_7a;
const RECONCILE_INTERVAL_MS = 1_000;
/** A small mix per test: four requests (three approved, one rejected), four SEIZEs on two chains. */
const MIX: FundCounts = { approve: 3, reject: 1, liquidate: 1 };
const SETTLE_MS = 120_000;

let net: IndexedDevnet;
let dir: string;
const prefixes: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
const captured = captureLogs();
/** Logs of the running test's relayers, printed when it fails. */
let logs: () => string = () => "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-moneyout-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_moneyout_${process.pid}`,
    finalityDepth: 2,
  });
}, 120_000);

afterEach(async (context) => {
  if (context.task.result?.state === "fail" || process.env.CHAOS_LOGS === "1")
    console.error(`relayer logs (last 100k):\n${logs().slice(-100_000)}`);
  logs = () => "";
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 60_000);

afterAll(async () => {
  for (const prefix of prefixes) await clearRedisPrefix(SHARED_REDIS, prefix).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 60_000);

const { relayerConfig } = flowsDevnet(() => net, { reconcileIntervalMs: RECONCILE_INTERVAL_MS });

/** The relayer settings of these tests: short claim TTL, quick rounds. */
function settings(queuePrefix: string) {
  prefixes.push(queuePrefix);
  return { claimTtlMs: 5_000, batchWindowMs: 200, attestTimeoutMs: 2_000 };
}

/** A fresh mixed workload (its own accounts) on the devnet, prepared. */
async function workload(label: string, seed: number): Promise<MixedWorkload> {
  const work = createMixedWorkload({
    hub: net.hub,
    vaults: net.vaults,
    label: `${label}-${process.pid}`,
    random: seededRandom(seed),
    payerKey: net.accounts.traders[0]?.privateKey as Hex, // the devnet always has demo traders
    liquidatorKey: net.accounts.liquidator.privateKey,
    priceKey: net.accounts.deployer.privateKey,
    perpFeed: net.devnet.manifest.devnet.perpFeed,
    mine: true,
  });
  await work.prepare();
  return work;
}

/** The truth every test ends on: nothing lost, nothing doubled, and the mix was what was planned. */
async function expectExactlyOnce(work: MixedWorkload): Promise<void> {
  const violations = await work.settle({ timeoutMs: SETTLE_MS });
  expect(violations).toEqual([]);
  const counts = work.counts();
  expect(counts).toMatchObject({
    requests: MIX.approve + MIX.reject,
    approved: MIX.approve,
    rejected: MIX.reject,
  });
  expect(counts.seizes).toBeGreaterThanOrEqual(2 * MIX.liquidate);
  expect(counts.updates).toBeGreaterThanOrEqual(counts.deposits + counts.requests);
}

/** An in-process relayer whose attesters sit behind a gate the test can close (stopped after the test). */
async function startGatedRelayer(
  config: ReturnType<typeof relayerConfig>,
): Promise<{ relayer: Relayer; gate: GatedAttesters }> {
  const keys = resolveKeys(config, {});
  const gate = gateAttesters(
    keys.attesters.map((privateKey) =>
      createLocalAttester({ config, clients: createPublicClients(config), privateKey }),
    ),
  );
  const relayer = await startRelayer({
    config,
    keys,
    apiUrl: net.indexer.url,
    logger: captured.logger,
    attesters: gate.attesters,
  });
  logs = () => captured.tail(100_000);
  cleanups.push(() => relayer.stop());
  return { relayer, gate };
}

/** Steps the workload (mine, spend what is credited) for `ms`. */
async function driveFor(work: MixedWorkload, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await work.step();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Steps the workload until `done`. */
async function driveUntil(work: MixedWorkload, done: () => boolean, what: string): Promise<void> {
  await pollUntil(
    async () => {
      await work.step();
      return done();
    },
    (ok) => ok,
    { timeoutMs: 90_000, intervalMs: 200, what },
  );
}

/** Money-out work submitted and not all applied yet. */
async function inFlight(work: MixedWorkload): Promise<boolean> {
  const { applied } = await work.resolved();
  const counts = work.counts();
  return applied < counts.requests + counts.seizes;
}

test("SIGKILLed twice at random moments while the mixed work flows: every request and SEIZE resolved exactly once", async () => {
  const random = seededRandom(SEED);
  const queuePrefix = `moneyoutkill${process.pid}`;
  const config = {
    ...net.devnet.manifest,
    apiUrl: net.indexer.url,
    redisUrl: SHARED_REDIS,
    relayer: { queuePrefix, port: 0, reconcileIntervalMs: RECONCILE_INTERVAL_MS, ...settings(queuePrefix) },
  };
  const start = () =>
    startRelayerProcess({
      config,
      configPath: join(dir, "relayer-kill.json"),
      env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "info", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
      readyTimeoutMs: 90_000,
    });
  let previous = "";
  let relayer: RelayerProcess = await start();
  logs = () => `${previous}${relayer.logs()}`;
  cleanups.push(() => relayer.kill("SIGKILL"));
  const kill = async () => {
    await relayer.kill("SIGKILL");
    previous += relayer.logs();
    relayer = await start();
  };

  const work = await workload("kill", SEED);
  await work.fund(MIX);
  // Kill 1: while the deposits are being discovered and credited.
  await driveFor(work, randomInt(random, 300, 2_000));
  await kill();
  // Kill 2: once the requests and SEIZEs are out, at a random moment while they are relayed.
  await driveUntil(work, () => work.counts().requests > 0 && work.counts().seizes > 0, "money-out submitted");
  await driveFor(work, randomInt(random, 0, 1_500));
  const caught = await inFlight(work);
  await kill();
  expect(caught).toBe(true);

  await expectExactlyOnce(work);
  await relayer.kill("SIGTERM");
}, 240_000);

test("Redis flushed while money-out work is in flight: rebuilt from the indexer, every request and SEIZE resolved exactly once", async () => {
  if (!hasRedisServer()) throw new Error(`this test flushes a private redis-server.\n${REDIS_HELP}`);
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const queuePrefix = `moneyoutflush${process.pid}`;
  const base = relayerConfig(queuePrefix, settings(queuePrefix));
  const config = { ...base, redisUrl: redis.url };
  const { relayer, gate } = await startGatedRelayer(config);
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  cleanups.push(async () => admin.disconnect());

  const work = await workload("flush", SEED + 1);
  await work.fund(MIX);
  await work.waitCredited(60_000);
  // The requests and SEIZEs go out while every attestation is held: discovered, claimed, enqueued, stuck.
  gate.hold();
  await work.spend();
  await pollUntil(
    async () => {
      await mineTowardFinality([net.hub, ...net.vaults]);
      return gate.waiting();
    },
    (n) => n > 0,
    { timeoutMs: 30_000, what: "an attest job of the money-out work in flight" },
  );
  expect(await work.resolved()).toEqual({ decided: 0, applied: 0 });
  const keysBefore = await admin.dbsize();
  await admin.flushdb();
  gate.failWaiting();
  expect(keysBefore).toBeGreaterThan(0);

  await expectExactlyOnce(work);
  await relayer.stop();
}, 200_000);

test("commands that arrive before their predecessor park and are woken when it lands: the first command of each path held, the rest wait without a failed attempt", async () => {
  const queuePrefix = `moneyoutorder${process.pid}`;
  const config = relayerConfig(queuePrefix, settings(queuePrefix));
  const { relayer, gate } = await startGatedRelayer(config);
  const events: RelayerEvent[] = [];
  relayer.observer.on((event) => events.push(event));

  const work = await workload("order", SEED + 5);
  await work.fund(MIX);
  await work.waitCredited(60_000);
  // The hub's next command to each vault chain is held at the attesters; the later ones are not.
  const hubId = net.hub.chain.chainId;
  const firstNonce = new Map<number, bigint>();
  for (const vault of net.vaults) {
    const sent = await net.hub.publicClient.readContract({
      address: net.hub.chain.contracts.hub as Hex,
      abi: marginHubAbi,
      functionName: "outboundNonce",
      args: [vault.chain.chainId],
    });
    firstNonce.set(vault.chain.chainId, sent + 1n);
  }
  gate.hold(
    (claim) =>
      claim.kind !== "balance_batch" &&
      claim.srcChainId === hubId &&
      firstNonce.get(claim.dstChainId) === BigInt(claim.nonce),
  );
  await work.spend();
  // Four requests and two SEIZEs make at least three commands on one path: two of them park
  // behind the held one. Only parks of hub → vault commands count (requests, and the hub chain's
  // own vault path, may park among themselves while the held commands are still on their way).
  await pollUntil(
    async () => {
      await work.step();
      const parked = events.filter(
        (e) => e.type === "deliveryParked" && e.kind !== "withdrawal_request" && firstNonce.has(e.chainId),
      ).length;
      return { parked, held: gate.waiting() };
    },
    ({ parked, held }) => parked >= 2 && held > 0,
    { timeoutMs: 90_000, intervalMs: 200, what: "later commands parked behind the held ones" },
  );
  gate.failWaiting();

  await expectExactlyOnce(work);
  // Parked, then woken: no attempt of a delivery failed for want of its predecessor.
  const failed = events.filter((e) => e.type === "attemptFailed" && e.queue.startsWith("deliver-"));
  expect(failed).toEqual([]);
  const parked = events.flatMap((e) => (e.type === "deliveryParked" ? [e] : []));
  for (const e of parked) expect(e.nonce).toBeGreaterThan(e.waitingFor);
  await relayer.stop();
}, 200_000);

test("behind RPC proxies dropping or delaying 20% of requests on every chain, the hub's included: every request and SEIZE resolved exactly once", async () => {
  const proxies = new Map<number, RpcProxy>();
  for (const [index, chain] of Object.values(net.devnet.config.chains).entries()) {
    const proxy = await startRpcProxy({
      target: chain.rpcUrl,
      dropRate: 0.1,
      delayRate: 0.1,
      random: seededRandom(SEED + 10 + index),
    });
    cleanups.push(() => proxy.stop());
    proxies.set(chain.chainId, proxy);
  }
  const queuePrefix = `moneyoutproxy${process.pid}`;
  const base = relayerConfig(queuePrefix, settings(queuePrefix));
  const chains = Object.fromEntries(
    Object.entries(base.chains).map(([id, chain]) => [
      id,
      { ...chain, rpcUrl: proxies.get(chain.chainId)?.url ?? chain.rpcUrl },
    ]),
  );
  // The relayer and its in-process attesters go through the proxies; the indexer and the workload do not.
  const config = { ...base, chains };
  const relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: net.indexer.url,
    logger: captured.logger,
  });
  logs = () => captured.tail(100_000);
  cleanups.push(() => relayer.stop());

  const work = await workload("proxy", SEED + 2);
  await work.fund(MIX);
  await expectExactlyOnce(work);

  const hubStats = proxies.get(net.hub.chain.chainId)?.stats();
  console.info(`money-out rpc proxies: ${JSON.stringify([...proxies.values()].map((p) => p.stats()))}`);
  expect((hubStats?.reset ?? 0) + (hubStats?.badGateway ?? 0)).toBeGreaterThan(0);
  for (const proxy of proxies.values())
    expect(proxy.stats().reset + proxy.stats().badGateway).toBeGreaterThan(0);
  await relayer.stop();
}, 200_000);

describe("attesters as three HTTP servers", () => {
  let relayer: Relayer;
  let servers: AttesterServers;

  beforeAll(async () => {
    servers = attesterServers({
      config: net.devnet.config,
      attesters: net.accounts.attesters,
      ports: ATTESTER_PORTS,
      logger: captured.logger,
    });
    await servers.startAll();
    const attesterUrls = servers.urls;
    const queuePrefix = `moneyoutremote${process.pid}`;
    const config = relayerConfig(queuePrefix, { ...settings(queuePrefix), attesterUrls });
    // No attester key in-process: every signature comes over HTTP.
    relayer = await startRelayer({
      config,
      keys: { relayer: net.accounts.relayer.privateKey, attesters: [] },
      apiUrl: net.indexer.url,
      logger: captured.logger,
    });
  }, 60_000);

  afterAll(async () => {
    await relayer?.stop();
    await servers?.stopAll();
  }, 60_000);

  test("one attester of three down: every request and SEIZE resolved exactly once", async () => {
    logs = () => captured.tail(100_000);
    await servers.stop(2);
    const work = await workload("onedown", SEED + 3);
    await work.fund(MIX);
    await expectExactlyOnce(work);
  }, 180_000);

  test("two of three down: nothing resolves however many rounds; back up on the same ports: all resolved exactly once", async () => {
    logs = () => captured.tail(100_000);
    const work = await workload("twodown", SEED + 4);
    await work.fund(MIX);
    await work.waitCredited(60_000);
    await servers.stop(2);
    await servers.stop(1);
    const failuresBefore = await readMetric(relayer.url, "crossmargin_failures_total", { queue: "attest" });
    await work.spend();
    expect(work.counts().requests).toBe(MIX.approve + MIX.reject);

    // The attest jobs fail (one signature of two) and retry, round after round: five failed
    // attempts over at least three reconcile intervals (looked at four times or more), and nothing
    // decided or applied meanwhile.
    const since = Date.now();
    const seen: { decided: number; applied: number }[] = [];
    await pollUntil(
      async () => {
        await mineTowardFinality([net.hub, ...net.vaults]);
        seen.push(await work.resolved());
        const failures = await readMetric(relayer.url, "crossmargin_failures_total", { queue: "attest" });
        return { failures, elapsedMs: Date.now() - since };
      },
      ({ failures, elapsedMs }) =>
        failures >= failuresBefore + 5 && elapsedMs >= 3 * RECONCILE_INTERVAL_MS && seen.length > 3,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: "five failed attest attempts over three reconcile intervals",
      },
    );
    expect(seen.length).toBeGreaterThan(3);
    for (const resolved of seen) expect(resolved).toEqual({ decided: 0, applied: 0 });

    await Promise.all([servers.start(1), servers.start(2)]);
    await expectExactlyOnce(work);
  }, 200_000);
});
