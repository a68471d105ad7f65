import { type Address, type Log, parseEventLogs, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { marginHubAbi, mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { captureLogs } from "../kit/captureLogs.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { flowsDevnet } from "../kit/flowsDevnet.js";
import { graphqlQuery, postJson, readMarginBothWays } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { mineBlocks } from "../kit/pollWhileMining.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Cross-protocol margin end to end (issue 21 item 5): one account, two PerpMarkets on the hub
// (the devnet's ETH-PERP and BTC-PERP, both hub consumers) sharing its cross-chain margin. Real
// anvil chains (ports 14000–14002 of this file only), the Ponder indexer on PGlite, real Redis
// (this file's queue prefix) and the relayer in-process; every figure is read from the chains.
const BASE_PORT = 14_000;
const SCHEMA = `cm_twomarkets_${process.pid}`;
const PREFIX = `twomarkets-${process.pid}`;
const WAD = 10n ** 18n;
const usd = (whole: bigint, tenths = 0n) => whole * WAD + tenths * (WAD / 10n);

let net: IndexedDevnet;
let relayer: Relayer;
let failed = false;
const logs = captureLogs();

const {
  relayerConfig,
  trader,
  hubAddress,
  perpMarket,
  onHub,
  waitSynced,
  tokenBalance,
  depositAndWait,
  requestWithdrawal,
  withdrawalDecision,
} = flowsDevnet(() => net, { reconcileIntervalMs: 1_000 });

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: SCHEMA, finalityDepth: 2 });
  const config = relayerConfig(PREFIX);
  relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: net.indexer.url,
    logger: logs.logger,
  });
}, 180_000);

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) {
    console.error(`relayer logs:\n${logs.tail(30_000)}`);
    console.error(`ponder logs:\n${net.indexer.logs().slice(-10_000)}`);
  }
  await relayer?.stop();
  await net?.stop();
  await clearRedisPrefix(net?.devnet.config.redisUrl ?? "redis://127.0.0.1:6379", PREFIX);
}, 60_000);

const eth = () => perpMarket(0);
const btc = () => perpMarket(1);
const feedOf = (symbol: "ETH-PERP" | "BTC-PERP") => {
  const feed = net.devnet.manifest.devnet.perpFeeds[symbol];
  if (feed === undefined) throw new Error(`the manifest has no ${symbol} feed`);
  return feed;
};

async function hubMargin(account: Address) {
  return net.hub.publicClient.readContract({
    address: hubAddress(),
    abi: marginHubAbi,
    functionName: "accountMargin",
    args: [account],
  });
}

async function marketRequirement(market: Address, account: Address) {
  const [initial, maintenance] = await net.hub.publicClient.readContract({
    address: market,
    abi: perpMarketAbi,
    functionName: "marginRequirement",
    args: [account],
  });
  return { initial, maintenance };
}

async function setAnswer(feed: Address, answer: bigint): Promise<void> {
  await writeAndWait(onHub(net.accounts.deployer.privateKey), {
    address: feed,
    abi: mockPriceFeedAbi,
    functionName: "setAnswer",
    args: [answer],
  });
}

describe("one account, two markets: requirements add up, a withdrawal must cover both, one liquidation closes both", () => {
  const account = () => trader(0);
  const usdc = () => ({ chain: net.vaults[0], token: tokenAddress(net.vaults[0], "USDC") });
  const wsteth = () => ({ chain: net.vaults[1], token: tokenAddress(net.vaults[1], "wstETH") });

  test("the devnet registers both markets as hub consumers, each with its own feed", async () => {
    expect(
      await net.hub.publicClient.readContract({
        address: hubAddress(),
        abi: marginHubAbi,
        functionName: "consumers",
      }),
    ).toEqual([eth(), btc()]);
    const feeds = await Promise.all(
      [eth(), btc()].map((address) =>
        net.hub.publicClient.readContract({ address, abi: perpMarketAbi, functionName: "feed" }),
      ),
    );
    expect(feeds).toEqual([feedOf("ETH-PERP"), feedOf("BTC-PERP")]);
  });

  test("a position in each market: the hub's and the indexer's requirement are the sum of both markets'", async () => {
    const { address, privateKey } = account();
    // 1,500 USDC (adjusted 1,470) on the first vault chain and 1 wstETH (3,500; adjusted 2,975) on the second.
    await depositAndWait(account(), [
      { ...usdc(), amount: parseUnits("1500", 6) },
      { ...wsteth(), amount: parseUnits("1", 18) },
    ]);
    // 10 ETH at 3,000 (10 % initial: 3,000) and 0.25 BTC at 60,000 (8 % initial: 1,200).
    await writeAndWait(onHub(privateKey), {
      address: eth(),
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [10n * WAD],
    });
    await writeAndWait(onHub(privateKey), {
      address: btc(),
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [WAD / 4n],
    });

    const [ethReq, btcReq] = await Promise.all([
      marketRequirement(eth(), address),
      marketRequirement(btc(), address),
    ]);
    expect(ethReq).toEqual({ initial: usd(3_000n), maintenance: usd(1_500n) });
    expect(btcReq).toEqual({ initial: usd(1_200n), maintenance: usd(600n) });
    const hub = await hubMargin(address);
    expect(hub.initialUsd).toBe(ethReq.initial + btcReq.initial);
    expect(hub.maintenanceUsd).toBe(ethReq.maintenance + btcReq.maintenance);
    expect(hub.adjustedUsd).toBe(usd(4_445n));

    const { rest } = await pollUntil(
      () => readMarginBothWays(net.indexer.url, address),
      ({ rest: r }) => r.positions.length === 2 && r.totals.adjustedUsd === hub.adjustedUsd.toString(),
      { what: "the indexer shows both positions and both credits" },
    );
    expect(rest.positions.map((p) => [p.symbol, p.initialUsd, p.maintenanceUsd]).sort()).toEqual([
      ["BTC-PERP", btcReq.initial.toString(), btcReq.maintenance.toString()],
      ["ETH-PERP", ethReq.initial.toString(), ethReq.maintenance.toString()],
    ]);
    expect(rest.totals).toMatchObject({
      initialUsd: hub.initialUsd.toString(),
      maintenanceUsd: hub.maintenanceUsd.toString(),
      liquidationUsd: hub.liquidationUsd.toString(),
    });
    expect(rest.health.healthFactor).toBe(hub.healthFactor.toString());
    // The distance to liquidation lists a price per market.
    expect(rest.distanceToLiquidation?.markets.map((m) => m.symbol).sort()).toEqual(["BTC-PERP", "ETH-PERP"]);
  }, 180_000);

  test("a withdrawal that would leave enough for one market but not both is refused; one that covers both is approved", async () => {
    const { address } = account();
    const { chain, token } = usdc();
    // Refused: 1,000 USDC would leave 3,465 adjusted, above ETH-PERP's 3,000 or BTC-PERP's 1,200 alone,
    // below their sum 4,200.
    const refused = await withdraw(chain, token, parseUnits("1000", 6));
    expect(refused.approved).toBe(false);
    expect(refused.after.vault.balance).toBe(parseUnits("1500", 6));
    // Approved: 200 USDC leaves 4,249 adjusted ≥ 4,200.
    const walletBefore = await tokenBalance(chain, token, address);
    const approved = await withdraw(chain, token, parseUnits("200", 6));
    expect(approved.approved).toBe(true);
    expect(approved.after.vault.balance).toBe(parseUnits("1300", 6));
    expect(await tokenBalance(chain, token, address)).toBe(walletBefore + parseUnits("200", 6));
    const hub = await hubMargin(address);
    expect(hub.adjustedUsd).toBe(usd(4_249n));
    expect(hub.adjustedUsd).toBeGreaterThanOrEqual(hub.initialUsd);

    async function withdraw(on: ChainClients, asset: Address, amount: bigint) {
      const start = await waitSynced(on, address, asset, "the credit before the request");
      const guid = await requestWithdrawal(on, account(), asset, amount);
      const after = await waitSynced(
        on,
        address,
        asset,
        "the decision applied and credited",
        (s) => s.vault.seq === start.vault.seq + 2n,
      );
      return { approved: (await withdrawalDecision(guid)).approved, after };
    }
  }, 240_000);

  test("after a price move one liquidate call closes both positions: owedUsd is both markets' sum, each market's recipient is paid, the indexer shows both liquidated", async () => {
    const { address } = account();
    const liquidator = net.accounts.liquidator;
    // Both 10 % lower: maintenance 4,350 (ETH: loss 3,000 + 5 % of 27,000) + 2,040 (BTC: loss 1,500
    // + 4 % of 13,500) = 6,390 against a liquidation value of 4,367: health 0.68, below the devnet's
    // full-liquidation level (0.95), so the one call closes both markets whole (a health between
    // 0.95 and 1 would close half of each: test/indexer/liquidation.test.ts). The 4,800 of collateral
    // covers 4,800 / 1.05 of it: ETH-PERP, first in the hub's consumer order, in full, BTC-PERP the rest.
    const shocks = { "ETH-PERP": -0.1, "BTC-PERP": -0.1 };
    type Stress = { accounts: { account: string; owedUsd: string; coveredUsd: string }[] };
    const preview = await postJson<Stress>(`${net.indexer.url}/stress`, { shocks });
    expect(preview.status).toBe(200);
    const previewed = preview.body.accounts.find((a) => a.account === address.toLowerCase());
    expect(previewed?.owedUsd).toBe(usd(6_390n).toString());
    const previewedCovered = BigInt(previewed?.coveredUsd ?? "0");
    expect(previewedCovered > usd(4_350n) && previewedCovered < usd(6_390n)).toBe(true);

    // Every settlement address's balance of the collaterals before (the relayer may deliver at once).
    const before = new Map<string, bigint>();
    for (const market of [eth(), btc()])
      for (const { chain, token } of [usdc(), wsteth()]) {
        const recipient = await net.hub.publicClient.readContract({
          address: market,
          abi: perpMarketAbi,
          functionName: "settlementRecipient",
          args: [BigInt(chain.chain.chainId)],
        });
        const key = `${chain.chain.chainId}:${token}:${recipient}`;
        before.set(key, await recipientBalance(key));
      }

    await setAnswer(feedOf("ETH-PERP"), 2_700n * 10n ** 8n);
    await setAnswer(feedOf("BTC-PERP"), 54_000n * 10n ** 8n);
    const receipt = await writeAndWait(onHub(liquidator.privateKey), {
      address: hubAddress(),
      abi: marginHubAbi,
      functionName: "liquidate",
      args: [address],
    });
    await mineBlocks([net.hub, ...net.vaults], 2);

    const closed = parseEventLogs({
      abi: perpMarketAbi,
      logs: receipt.logs,
      eventName: "PositionLiquidated",
    });
    expect(closed.map((e) => e.address)).toEqual([eth().toLowerCase(), btc().toLowerCase()]);
    expect(closed.map((e) => e.args.owedUsd)).toEqual([usd(4_350n), usd(2_040n)]);
    const [liquidated] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "Liquidated" });
    expect(liquidated?.args.closeBps).toBe(10_000);
    expect(liquidated?.args.owedUsd).toBe(closed.reduce((sum, e) => sum + e.args.owedUsd, 0n));
    // What the collateral could not cover is bad debt; the stress preview foretold the same figure.
    expect(liquidated?.args.seizedUsd).toBe(previewedCovered);
    for (const market of [eth(), btc()])
      expect(await marketRequirement(market, address)).toEqual({ initial: 0n, maintenance: 0n });

    // Each market's SEIZEs follow its PositionLiquidated in the receipt; the owed part goes to its settlement address.
    const seizes = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "SeizeOrdered" });
    const received = new Map<string, bigint>();
    for (const [i, market] of closed.entries()) {
      const next = closed[i + 1]?.logIndex ?? Number.MAX_SAFE_INTEGER;
      const owed = seizes.filter(
        (s) => after(s, market) && (s.logIndex ?? 0) < next && s.args.recipient !== liquidator.address,
      );
      expect(owed.length, `owed SEIZEs of ${market.address}`).toBeGreaterThan(0);
      for (const seize of owed) {
        const recipient = await net.hub.publicClient.readContract({
          address: market.address,
          abi: perpMarketAbi,
          functionName: "settlementRecipient",
          args: [seize.args.chainId],
        });
        expect(seize.args.recipient).toBe(recipient);
        const key = `${seize.args.chainId}:${seize.args.token}:${recipient}`;
        received.set(key, (received.get(key) ?? 0n) + seize.args.amount);
      }
    }
    // The relayer delivers every SEIZE; each recipient's balance on each chain rises by what it was ordered.
    for (const { chain, token } of [usdc(), wsteth()])
      await waitSynced(
        chain,
        address,
        token,
        `the SEIZEs applied on ${chain.chain.chainId}`,
        (s) => s.outstanding.amount === 0n,
      );
    for (const [key, amount] of received)
      expect(await recipientBalance(key)).toBe((before.get(key) ?? 0n) + amount);

    const positions = await pollUntil(
      () =>
        graphqlQuery<{
          positions: { items: { market: { symbol: string }; status: string; size: string }[] };
        }>(
          net.indexer.url,
          `query P($a: String!) { positions(where: { account: $a }, orderBy: "market") { items { market { symbol } status size } } }`,
          { a: address.toLowerCase() },
        ),
      (data) =>
        data.positions.items.every((p) => p.status === "liquidated") && data.positions.items.length === 2,
      { what: "the indexer shows both positions liquidated" },
    );
    expect(positions.positions.items.map((p) => [p.market.symbol, p.size]).sort()).toEqual([
      ["BTC-PERP", "0"],
      ["ETH-PERP", "0"],
    ]);
    const { rest } = await readMarginBothWays(net.indexer.url, address);
    expect(rest.positions).toEqual([]);
    expect(rest.totals.initialUsd).toBe("0");
  }, 240_000);
});

function after(seize: Log, market: Log): boolean {
  return (seize.logIndex ?? 0) > (market.logIndex ?? 0);
}

/** A recipient's token balance on a vault chain, from a `chainId:token:recipient` key. */
async function recipientBalance(key: string): Promise<bigint> {
  const [chainId, token, recipient] = key.split(":") as [string, Address, Address];
  const chain = net.vaults.find((v) => v.chain.chainId === Number(chainId));
  if (chain === undefined) throw new Error(`no vault chain ${chainId}`);
  return tokenBalance(chain, token, recipient);
}
