import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type Address, createPublicClient, http } from "viem";
import { afterAll, beforeAll, expect, test } from "vitest";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { runDemo } from "../../scripts/demo/runDemo.js";
import type { DemoSummary } from "../../scripts/demo/types.js";
import { type StartDevnetReturnType, startDevnet } from "../../scripts/devnet/startDevnet.js";
import { type StartIndexerReturnType, startIndexer } from "../../scripts/devnet/startIndexer.js";
import { writeManifest } from "../../scripts/devnet/writeManifest.js";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";

/*
 * `npm run demo` end to end: a devnet like `npm run dev` makes it (three anvils with 1 s blocks,
 * finality depth 2, PGlite indexer, relayer in-process), the demo's `runDemo` against its
 * manifest, twice (the demo must run again on the same devnet), and the chains checked after each.
 */

const BASE_PORT = 29_145;
const QUEUE_PREFIX = `demo${process.pid}`;

let dir: string;
let devnet: StartDevnetReturnType;
let indexer: StartIndexerReturnType | undefined;
let relayer: Relayer | undefined;
let config: Config;
const lines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-demo-"));
  devnet = await startDevnet({ basePort: BASE_PORT, blockTimeSeconds: 1, finalityDepth: 2, dir });
  indexer = await startIndexer({
    configPath: devnet.manifestPath,
    database: { kind: "pglite", directory: join(dir, "pglite") },
    schema: `cm_demo_${process.pid}`,
  });
  const manifest = {
    ...devnet.manifest,
    apiUrl: indexer.url,
    relayer: { queuePrefix: QUEUE_PREFIX, port: 0 },
  };
  writeManifest({ path: devnet.manifestPath, manifest });
  config = parseConfig(manifest);
  relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: indexer.url,
    logger: pino({ level: "warn" }),
  });
}, 180_000);

afterAll(async () => {
  await relayer?.stop();
  await indexer?.stop();
  await devnet?.stop();
  if (config !== undefined) await clearRedisPrefix(config.redisUrl, QUEUE_PREFIX);
  rmSync(dir, { recursive: true, force: true });
});

const client = (chain: ChainConfig) =>
  createPublicClient({ chain: defineLocalChain(chain), transport: http(chain.rpcUrl) });

const balanceOf = (chain: ChainConfig, token: Address, owner: Address) =>
  client(chain).readContract({ address: token, abi: mockErc20Abi, functionName: "balanceOf", args: [owner] });

/** Runs the demo, printing its story only when the test fails. */
async function demo(): Promise<DemoSummary> {
  try {
    return await runDemo({
      configPath: devnet.manifestPath,
      relayerUrl: relayer?.url,
      log: (line) => lines.push(line),
    });
  } catch (error) {
    console.error(lines.join("\n"));
    throw error;
  }
}

/** What the chains say after a run, checked against the summary. */
async function checkOnChain(summary: DemoSummary, liquidatorBefore: Map<string, bigint>): Promise<void> {
  const { liquidation, withdrawals } = summary;
  const liquidator = devnet.manifest.accounts.liquidator.address;
  // SEIZEs on each vault chain: what was owed to the market's settlement address, the bonus to
  // the liquidator; each received in full.
  expect([...new Set(liquidation.seizes.map((s) => s.chainId))].sort()).toEqual(
    [...summary.vaultChainIds].sort(),
  );
  expect(liquidation.seizes.filter((s) => s.bonus).length).toBeGreaterThan(0);
  expect(liquidation.seizes.filter((s) => !s.bonus).length).toBeGreaterThan(0);
  // Each market's SEIZEs carry their own bonus: the liquidator's balance rises by their sum per token.
  const bonuses = new Map<string, bigint>();
  for (const seize of liquidation.seizes) {
    expect(seize.received).toBeGreaterThan(0n);
    expect(seize.received).toBe(seize.ordered);
    if (!seize.bonus) continue;
    const key = `${seize.chainId}:${seize.token}`;
    bonuses.set(key, (bonuses.get(key) ?? 0n) + seize.ordered);
  }
  for (const [key, bonus] of bonuses) {
    const [chainId, token] = key.split(":") as [string, Address];
    const chain = config.chains[chainId] as ChainConfig; // one of the manifest's chains
    expect(await balanceOf(chain, token, liquidator)).toBe((liquidatorBefore.get(key) ?? 0n) + bonus);
  }
  expect(liquidation.prices.at(-1)?.liquidatable).toBe(true);
  expect(liquidation.seizedUsd).toBeGreaterThan(0n);

  // One account, two markets: the requirements add up on the hub and in the indexer, and the one
  // liquidate call closed both positions, owing the sum of what each market reported.
  expect(liquidation.requirements.map((r) => r.symbol)).toEqual(["ETH-PERP", "BTC-PERP"]);
  for (const r of liquidation.requirements) expect(r.initialUsd).toBeGreaterThan(0n);
  expect(liquidation.initialUsd).toBe(liquidation.requirements.reduce((sum, r) => sum + r.initialUsd, 0n));
  expect(liquidation.indexedInitialUsd).toBe(liquidation.initialUsd);
  expect(liquidation.secondPosition.size).toBeGreaterThan(0n);
  expect(liquidation.closed.map((c) => c.symbol)).toEqual(["ETH-PERP", "BTC-PERP"]);
  for (const c of liquidation.closed) expect(c.owedUsd).toBeGreaterThan(0n);
  expect(liquidation.owedUsd).toBe(liquidation.closed.reduce((sum, c) => sum + c.owedUsd, 0n));
  const hubConfig = hubChain(config);
  for (const market of hubConfig.contracts.perpMarkets) {
    const position = await client(hubConfig).readContract({
      address: market,
      abi: perpMarketAbi,
      functionName: "position",
      args: [liquidation.trader],
    });
    expect(position.size).toBe(0n);
  }

  // Approved: the tokens reached the trader; rejected: back in the vault's free balance and credited again.
  const { approved, rejected } = withdrawals;
  expect(approved.approved).toBe(true);
  expect(approved.amount).toBeGreaterThan(0n);
  expect(approved.released).toBe(approved.amount);
  expect(rejected.approved).toBe(false);
  expect(rejected.released).toBe(0n);
  const vaultChain = config.chains[String(rejected.chainId)] as ChainConfig; // one of the manifest's chains
  const token = vaultChain.tokens[rejected.symbol]?.address as Address; // the summary's own symbol
  const [balance, pending] = await client(vaultChain).readContract({
    address: vaultChain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "accountState",
    args: [withdrawals.trader, token],
  });
  expect(pending).toBe(0n);
  expect(balance).toBe(rejected.amount);
  const hub = hubChain(config);
  const [credited] = await client(hub).readContract({
    address: hub.contracts.hub,
    abi: marginHubAbi,
    functionName: "creditedBalance",
    args: [withdrawals.trader, BigInt(rejected.chainId), token],
  });
  expect(credited).toBe(balance);

  // The route limit: part of the deposit waited for the refill, then all of it was credited,
  // and the withdrawal that ends the story released it in full.
  const { routeLimit } = summary;
  expect(routeLimit.amount * 10n ** 12n).toBe((routeLimit.capacityUsd * 3n) / 2n);
  expect(routeLimit.waitingUsd).toBeGreaterThan(0n);
  expect(routeLimit.waitingUsd).toBeLessThanOrEqual(routeLimit.amount * 10n ** 12n - routeLimit.capacityUsd);
  expect(routeLimit.deposit.credited).toBeGreaterThanOrEqual(routeLimit.amount);
  expect(routeLimit.withdrawal).toMatchObject({ approved: true, released: routeLimit.amount });
}

async function liquidatorBalances(): Promise<Map<string, bigint>> {
  const liquidator = devnet.manifest.accounts.liquidator.address;
  const balances = new Map<string, bigint>();
  for (const chain of Object.values(config.chains)) {
    for (const token of Object.values(chain.tokens)) {
      balances.set(`${chain.chainId}:${token.address}`, await balanceOf(chain, token.address, liquidator));
    }
  }
  return balances;
}

test("the demo completes every step against a devnet like `npm run dev`", async () => {
  const before = await liquidatorBalances();
  const summary = await demo();
  expect(summary.liquidation.deposits).toHaveLength(2);
  for (const deposit of summary.liquidation.deposits)
    expect(deposit.credited).toBeGreaterThanOrEqual(deposit.amount);
  expect(summary.withdrawals.deposit.credited).toBeGreaterThanOrEqual(summary.withdrawals.deposit.amount);
  await checkOnChain(summary, before);
}, 200_000);

test("it runs again on the same devnet", async () => {
  const before = await liquidatorBalances();
  const summary = await demo();
  await checkOnChain(summary, before);
}, 200_000);

test("a devnet that is not running gets a clear message", async () => {
  await expect(runDemo({ configPath: join(dir, "nope.json"), log: () => {} })).rejects.toThrow(
    /The devnet is not running: there is no manifest at .*nope\.json[\s\S]*npm run dev/,
  );
});
