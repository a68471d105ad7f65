import { pino } from "pino";
import { type Address, parseUnits } from "viem";
import { afterAll, beforeAll, expect, test } from "vitest";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { startRedis } from "../../scripts/devnet/startRedis.js";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { captureLogs } from "../kit/captureLogs.js";
import { tokenAddress } from "../kit/chainClients.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { pollUntil } from "../kit/pollUntil.js";
import { readMetric } from "../kit/readMetric.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";

let net: IndexedDevnet;
let relayer: Relayer;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: 26845, schema: `cm_smoke_${process.pid}`, finalityDepth: 2 });
  const config = {
    ...net.devnet.config,
    relayer: { ...net.devnet.config.relayer, queuePrefix: `smoke${process.pid}`, port: 0 },
  };
  relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: net.indexer.url,
    logger: pino({ level: "warn" }),
  });
});

afterAll(async () => {
  await relayer?.stop();
  await net?.stop();
});

/** Polls the hub until `trader`'s credit on the first vault chain reaches `atLeast`. */
async function creditOf(trader: Address, token: Address, atLeast: bigint) {
  const [vault] = net.vaults;
  const [balance] = await pollUntil(
    () =>
      net.hub.publicClient.readContract({
        address: net.hub.chain.contracts.hub as Address,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [trader, BigInt(vault.chain.chainId), token],
      }),
    ([credited]) => credited >= atLeast,
    { timeoutMs: 30_000, what: "credit" },
  );
  return balance;
}

test("a deposit is credited on the hub, and the relayer's metrics count it", async () => {
  const trader = net.accounts.traders[0];
  if (trader === undefined) throw new Error("no trader");
  const [vault] = net.vaults;
  const token = tokenAddress(vault, "USDC");
  await depositCollateral(vault, { key: trader.privateKey, token, amount: parseUnits("100", 6) });
  // finality depth 2: mine two more blocks on the vault chain
  await vault.testClient.mine({ blocks: 2 });
  expect(await creditOf(trader.address, token, 1n)).toBeGreaterThanOrEqual(parseUnits("100", 6));

  // The relayer's own metrics saw it: one batch delivered, its gas, and each latency observed.
  const route = { route: `${vault.chain.chainId}->${net.hub.chain.chainId}`, kind: "balance_batch" };
  const metric = (name: string, labels: Record<string, string> = route) =>
    readMetric(relayer.url, name, labels);
  await pollUntil(
    () => metric("crossmargin_updates_delivered_total"),
    (n) => n >= 1,
    { what: "the delivered update counted" },
  );
  expect(
    await metric("crossmargin_gas_used_total", {
      chain: String(net.hub.chain.chainId),
      kind: "balance_batch",
    }),
  ).toBeGreaterThan(21_000);
  for (const histogram of [
    "crossmargin_attest_latency_seconds",
    "crossmargin_deliver_latency_seconds",
    "crossmargin_credit_latency_seconds",
  ]) {
    expect(await metric(`${histogram}_count`), histogram).toBeGreaterThanOrEqual(1);
    expect(await metric(`${histogram}_sum`), histogram).toBeGreaterThan(0);
  }
});

test("Redis down for 12 s: a few throttled warnings, not one per worker per retry; back up, the relayer goes on", async () => {
  const trader = net.accounts.traders[1];
  if (trader === undefined) throw new Error("no trader");
  const redis = await startRedis();
  const port = Number(new URL(redis.url).port);
  const logs = captureLogs("info");
  const config = {
    ...net.devnet.config,
    redisUrl: redis.url,
    relayer: {
      ...net.devnet.config.relayer,
      queuePrefix: `outage${process.pid}`,
      port: 0,
      reconcileIntervalMs: 500,
    },
  };
  const outageRelayer = await startRelayer({
    config,
    // Its own sending key: the file's first relayer runs on the same chains.
    keys: resolveKeys(config, { RELAYER_PRIVATE_KEY: net.accounts.liquidator.privateKey }),
    apiUrl: net.indexer.url,
    logger: logs.logger,
  });
  let restarted: Awaited<ReturnType<typeof startRedis>> | undefined;
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = logs.tail(2_000_000).length;
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const during = logs
      .tail(2_000_000)
      .slice(before)
      .split("\n")
      .filter((line) => /"level":(40|50|60)/.test(line));
    // Nine queues and their workers each retry every second or so: unthrottled, that is well over
    // a hundred lines in 12 s. Throttled, Redis' warning comes once per 10 s.
    expect(during.filter((line) => line.includes("Redis unavailable")).length).toBeGreaterThanOrEqual(1);
    expect(during.length, during.join("\n")).toBeLessThanOrEqual(6);
    expect((await fetch(`${outageRelayer.url}/healthz`)).status).toBe(503);

    // Back on the same port: the relayer reconnects by itself and credits a new deposit.
    restarted = await startRedis({ port });
    const restartedAt = Date.now();
    const [vault] = net.vaults;
    const token = tokenAddress(vault, "USDC");
    await depositCollateral(vault, { key: trader.privateKey, token, amount: parseUnits("7", 6) });
    await vault.testClient.mine({ blocks: 2 });
    expect(await creditOf(trader.address, token, parseUnits("7", 6))).toBeGreaterThanOrEqual(
      parseUnits("7", 6),
    );
    await pollUntil(
      async () => {
        const response = await fetch(`${outageRelayer.url}/healthz`);
        const body = (await response.json()) as { details: { lastDiscoveryAt: number | null } };
        return { status: response.status, lastDiscoveryAt: body.details.lastDiscoveryAt ?? 0 };
      },
      // Healthy again, and its own discovery rounds (which claim work in Redis) run again.
      (health) => health.status === 200 && health.lastDiscoveryAt > restartedAt,
      { timeoutMs: 30_000, what: "/healthz 200 and a discovery round after Redis came back" },
    );
  } catch (error) {
    console.error(`outage relayer logs:\n${logs.tail()}`);
    throw error;
  } finally {
    await outageRelayer.stop();
    await restarted?.stop();
  }
}, 120_000);
