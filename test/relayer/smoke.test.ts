import { pino } from "pino";
import { parseUnits } from "viem";
import { afterAll, beforeAll, expect, test } from "vitest";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { marginHubAbi } from "../../shared/abis/generated.js";
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

test("a deposit is credited on the hub, and the relayer's metrics count it", async () => {
  const trader = net.accounts.traders[0];
  if (trader === undefined) throw new Error("no trader");
  const [vault] = net.vaults;
  const token = tokenAddress(vault, "USDC");
  await depositCollateral(vault, { key: trader.privateKey, token, amount: parseUnits("100", 6) });
  // finality depth 2: mine two more blocks on the vault chain
  await vault.testClient.mine({ blocks: 2 });
  const credited = await pollUntil(
    () =>
      net.hub.publicClient.readContract({
        address: net.hub.chain.contracts.hub as `0x${string}`,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [trader.address, BigInt(vault.chain.chainId), token],
      }),
    ([balance]) => balance > 0n,
    { timeoutMs: 30_000, what: "credit" },
  );
  expect(credited[0]).toBeGreaterThanOrEqual(parseUnits("100", 6));

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
