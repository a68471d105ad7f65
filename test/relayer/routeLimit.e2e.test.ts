import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, parseEther, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { asTimelockOwner } from "../kit/asTimelockOwner.js";
import { tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { flowsDevnet } from "../kit/flowsDevnet.js";
import { getJson } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { readMetric } from "../kit/readMetric.js";
import { waitForLogLine } from "../kit/relayerLogLines.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// Issue 21, item 1: the damage limits through a running relayer and indexer. The hub's limit on a
// route: a burst of $1,500 against a $1,000 bucket credits exactly $1,000, the rest waits (shown by
// /routes and the metrics, and not sent again), and the relayer's keeper applies it once the bucket
// has refilled. A vault's release limit: an approved withdrawal above it pays the capacity at once,
// the rest queues (shown by /routes) and the keeper pays it after refills. Nothing is lost.

// Ports of this file only: 17545–17549.
const BASE_PORT = 17_545;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const PREFIX = `cmroutelimit${process.pid}`;
const CAPACITY = parseEther("1000");
const REFILL = parseEther("10"); // 50 s to refill $500

let net: IndexedDevnet;
let dir: string;
let relayer: RelayerProcess | undefined;
const flows = flowsDevnet(() => net, { reconcileIntervalMs: 1_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-routelimit-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_routelimit_${process.pid}`,
    finalityDepth: 1,
  });
  await Promise.all(
    [net.hub, ...net.vaults].map((chain) => chain.testClient.setIntervalMining({ interval: 1 })),
  );
  relayer = await startRelayerProcess({
    config: {
      ...net.devnet.manifest,
      apiUrl: net.indexer.url,
      redisUrl: SHARED_REDIS,
      relayer: { queuePrefix: PREFIX, port: 0, reconcileIntervalMs: 1_000, batchWindowMs: 200 },
    },
    configPath: join(dir, "relayer.json"),
    env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "info", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 90_000,
  });
});

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs (last 100k):\n${relayer?.logs().slice(-100_000)}`);
});

afterAll(async () => {
  await relayer?.kill("SIGKILL");
  await clearRedisPrefix(SHARED_REDIS, PREFIX).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

type RoutesBody = {
  routes: {
    route: string;
    srcEid: number;
    dstEid: number;
    limit: null | {
      capacityUsd: string | null;
      availableUsd: string | null;
      waitingLeaves: number;
      waitingValueUsd: string;
    };
    releases: { symbol: string; capacity: string; queuedEntries: number; queuedAmount: string }[];
  }[];
};

test("a burst above a route's limit credits what the bucket holds; the rest waits, is shown, is not resent, and is applied after the refill", async () => {
  if (relayer === undefined) throw new Error("no relayer");
  const vault = net.vaults[0];
  const vaultId = vault.chain.chainId;
  const hubId = net.hub.chain.chainId;
  const hub = flows.hubAddress();
  const usdc = tokenAddress(vault, "USDC");
  const traders = [flows.trader(0), flows.trader(1), flows.trader(2)];
  await asTimelockOwner(net.hub, net.accounts.deployer.privateKey, {
    address: hub,
    abi: marginHubAbi,
    functionName: "setRouteLimit",
    args: [vaultId, CAPACITY, REFILL],
  });

  const credited = async (account: Address) =>
    (
      await net.hub.publicClient.readContract({
        address: hub,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [account, BigInt(vaultId), usdc],
      })
    )[0];
  const total = async () =>
    (await Promise.all(traders.map((t) => credited(t.address)))).reduce((a, b) => a + b);
  const batchesApplied = async () =>
    (
      await net.hub.publicClient.getContractEvents({
        address: hub,
        abi: marginHubAbi,
        eventName: "BatchApplied",
        args: { srcEid: vaultId },
        fromBlock: 0n,
      })
    ).length;

  // $500 each: whatever the order, two fit the $1,000 bucket and the third waits.
  for (const trader of traders)
    await depositCollateral(vault, { key: trader.privateKey, token: usdc, amount: parseUnits("500", 6) });
  const routeUrl = `${net.indexer.url}/routes?chainId=${vaultId}`;
  const limitOf = async () =>
    (await getJson<RoutesBody>(routeUrl)).body.routes.find((r) => r.dstEid === hubId)?.limit;
  const waiting = await pollUntil(limitOf, (limit) => limit?.waitingLeaves === 1, {
    timeoutMs: 60_000,
    what: "/routes shows one waiting leaf",
  });
  // Credited: the bucket's $1,000, plus what it refilled while the deposits arrived one by one
  // (the third is paid in part at once); the rest of it waits and /routes values exactly that.
  const creditedNow = await total();
  const hubNow = (await net.hub.publicClient.getBlock()).timestamp;
  const [limitSet] = await net.hub.publicClient.getContractEvents({
    address: hub,
    abi: marginHubAbi,
    eventName: "RouteLimitSet",
    args: { srcEid: vaultId },
    fromBlock: 0n,
  });
  const setAt = (await net.hub.publicClient.getBlock({ blockNumber: limitSet?.blockNumber ?? 0n })).timestamp;
  const refilled = (REFILL * (hubNow - setAt)) / 10n ** 12n; // USD (18 decimals) → USDC units at $1
  expect(creditedNow).toBeGreaterThanOrEqual(parseUnits("1000", 6));
  expect(creditedNow).toBeLessThanOrEqual(parseUnits("1000", 6) + refilled);
  expect(waiting?.capacityUsd).toBe(CAPACITY.toString());
  expect(BigInt(waiting?.waitingValueUsd ?? "0")).toBe((parseUnits("1500", 6) - creditedNow) * 10n ** 12n);
  const route = `${vaultId}->${hubId}`;
  await pollUntil(
    () => readMetric(relayer?.url ?? "", "crossmargin_route_limit_waiting", { route }),
    (n) => n === 1,
    { timeoutMs: 30_000, what: "the waiting metric" },
  );

  // The waiting leaf is not sent again round after round (discovery skips waiting figures).
  const before = await batchesApplied();
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(await batchesApplied()).toBe(before);

  // After the refill the keeper applies it: nothing lost.
  await waitForLogLine(
    () => relayer?.logs() ?? "",
    (line) => line.at === "relayer.limits" && line.applied === 1,
    {
      timeoutMs: 90_000,
      what: "the keeper applied the waiting leaf",
    },
  );
  expect(await total()).toBe(parseUnits("1500", 6));
  expect(await readMetric(relayer.url, "crossmargin_route_limit_applied_total", { route })).toBe(1);
  const drained = await pollUntil(limitOf, (limit) => limit?.waitingLeaves === 0, {
    timeoutMs: 30_000,
    what: "/routes shows nothing waiting",
  });
  expect(drained?.waitingValueUsd).toBe("0");
}, 240_000);

test("an approved withdrawal above a token's release limit pays the capacity now; the keeper pays the rest after the refill, in full", async () => {
  if (relayer === undefined) throw new Error("no relayer");
  const vault = net.vaults[0];
  const vaultId = vault.chain.chainId;
  const hubId = net.hub.chain.chainId;
  const usdc = tokenAddress(vault, "USDC");
  const trader = flows.trader(0); // credited 500 USDC by the test above
  await asTimelockOwner(vault, net.accounts.deployer.privateKey, {
    address: vault.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "setReleaseLimit",
    args: [usdc, parseUnits("100", 6), parseUnits("10", 6)], // 100 USDC, 10 USDC/s
  });
  const wallet = () => flows.tokenBalance(vault, usdc, trader.address);
  const before = await wallet();
  const offset = relayer.logs().length;

  await flows.requestWithdrawal(vault, trader, usdc, parseUnits("400", 6));
  const queued = await pollUntil(
    async () => (await getJson<RoutesBody>(`${net.indexer.url}/routes?chainId=${vaultId}`)).body.routes,
    (routes) =>
      routes.some(
        (r) => r.srcEid === hubId && r.dstEid === vaultId && r.releases.some((x) => x.queuedEntries === 1),
      ),
    { timeoutMs: 60_000, what: "/routes shows the queued release" },
  );
  const release = queued.find((r) => r.srcEid === hubId && r.dstEid === vaultId)?.releases[0];
  expect(release).toMatchObject({
    symbol: "USDC",
    capacity: parseUnits("100", 6).toString(),
    queuedEntries: 1,
  });
  expect(BigInt(release?.queuedAmount ?? "0")).toBe(parseUnits("300", 6));
  expect(await wallet()).toBe(before + parseUnits("100", 6));
  const labels = { chain: String(vaultId), token: "USDC" };
  await pollUntil(
    () => readMetric(relayer?.url ?? "", "crossmargin_release_queued_amount", labels),
    (amount) => amount > 0 && amount <= 300,
    { timeoutMs: 30_000, what: "the queued-release metric" },
  );

  // The keeper pays a refill at a time (the bucket covers 100 of the 300 each time it is full).
  await waitForLogLine(
    () => relayer?.logs().slice(offset) ?? "",
    (line) =>
      line.at === "relayer.limits" && line.msg === "paid releases that waited for the token's release limit",
    { timeoutMs: 60_000, what: "the keeper paid queued releases" },
  );
  await pollUntil(wallet, (balance) => balance === before + parseUnits("400", 6), {
    timeoutMs: 120_000,
    what: "the whole withdrawal paid",
  });
  const [, , , entries, amount] = await vault.publicClient.readContract({
    address: vault.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "releaseLimit",
    args: [usdc],
  });
  expect([entries, amount]).toEqual([0n, 0n]);
}, 240_000);
