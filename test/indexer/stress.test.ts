import { type Address, parseEventLogs } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { stressAnswer } from "../../indexer/lib/api/stressAnswer.js";
import { marginHubAbi, mockErc20Abi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { tokenAddress } from "../kit/chainClients.js";
import { fundedKeys } from "../kit/fundedKeys.js";
import { postJson } from "../kit/indexerApi.js";
import {
  COLLATERAL_SYMBOLS,
  type CollateralSymbol,
  type MarginActionState,
  runMarginAction,
} from "../kit/runMarginAction.js";
import { randomInt, seededRandom } from "../kit/seededRandom.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";
import { writeAndWait } from "../kit/writeAndWait.js";

/*
 * POST /stress against the hub itself. Random traders' books (deposits of random collaterals on
 * random chains, credited, perp positions of random side near the edge), random shocks; the
 * stress answer is checked account by account against `MarginHub.isLiquidatable` after the same
 * shocked answers are set on the devnet's feeds, and its seizure preview against the SeizeOrdered
 * events of real liquidations. Seed: `CM_STRESS_SEED` (printed on failure).
 */

// Ports of this file only: 15545–15547. PGlite in a temp directory.
const BASE_PORT = 15545;
const SEED = Number(process.env.CM_STRESS_SEED ?? Date.now() % 2 ** 31);
const ROUNDS = Number(process.env.CM_STRESS_ROUNDS ?? 6);
const WAD = 10n ** 18n;
type Symbol = CollateralSymbol | "ETH-PERP";
const SYMBOLS: readonly Symbol[] = [...COLLATERAL_SYMBOLS, "ETH-PERP"];
/** The demo tokens anyone may mint (sUSDe is an ERC-4626 share). */
const MINTABLE = ["USDC", "wstETH", "UNI-V2"] as const;
type StressBody = Extract<ReturnType<typeof stressAnswer>, { ok: true }>["value"];

let net: IndexedDevnet;
let state: MarginActionState;
let failed = false;
const random = seededRandom(SEED);

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_stress_${process.pid}` });
  // The three demo traders and three more, funded here with the mintable demo tokens on every chain.
  const chains = [net.hub, ...net.vaults];
  const extra = await fundedKeys({ count: 3, label: "stress", rpcUrls: chains.map((c) => c.chain.rpcUrl) });
  for (const chain of chains)
    for (const key of extra)
      for (const symbol of MINTABLE)
        await writeAndWait(
          { publicClient: chain.publicClient, walletClient: chain.walletFor(key.privateKey) },
          {
            address: tokenAddress(chain, symbol),
            abi: mockErc20Abi,
            functionName: "mint",
            args: [key.address, 10n ** 30n],
          },
        );
  const accounts = { ...net.accounts, traders: [...net.accounts.traders, ...extra] };
  state = { net: { ...net, accounts }, chains, requests: new Map(), commands: new Map() };
  // Every trader: two or three random deposits, credited on every chain, then a position near the edge.
  for (let trader = 0; trader < state.net.accounts.traders.length; trader++) {
    const symbols = trader < net.accounts.traders.length ? COLLATERAL_SYMBOLS : MINTABLE;
    for (let i = randomInt(random, 2, 3); i > 0; i--) {
      const token = symbols[randomInt(random, 0, symbols.length - 1)] ?? "USDC";
      const whole = { USDC: 6, wstETH: 18, sUSDe: 18, "UNI-V2": 18 }[token];
      const amount = BigInt(randomInt(random, 1, 3_000)) * 10n ** BigInt(whole - (token === "USDC" ? 0 : 3));
      await runMarginAction(state, {
        kind: "deposit",
        trader,
        chain: randomInt(random, 0, 2),
        token,
        amount,
      });
    }
  }
  const traders = state.net.accounts.traders.map((_, i) => i);
  for (let chain = 0; chain < 3; chain++) await runMarginAction(state, { kind: "creditHub", chain, traders });
  for (const trader of traders) {
    const outcome = await runMarginAction(state, {
      kind: "openPosition",
      trader,
      long: random() < 0.5,
      percent: randomInt(random, 70, 100),
    });
    expect(outcome, `trader ${trader} opens a position`).toMatch(/^ok/);
  }
});

afterEach((context) => {
  if (context.task.result?.state === "fail") {
    failed = true;
    console.error(`stress.test seed: CM_STRESS_SEED=${SEED}`);
  }
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

const hubAddress = () => net.hub.chain.contracts.hub ?? "0x";
const feedOf = (symbol: Symbol): Address => {
  const feeds = net.devnet.manifest.devnet;
  const feed = symbol === "ETH-PERP" ? feeds.perpFeed : feeds.feeds[symbol];
  if (feed === undefined) throw new Error(`no feed for ${symbol}`);
  return feed;
};
const readAnswer = async (feed: Address) =>
  (
    await net.hub.publicClient.readContract({
      address: feed,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
    })
  )[1];
const setAnswer = (feed: Address, answer: bigint) =>
  writeAndWait(
    { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(net.accounts.deployer.privateKey) },
    { address: feed, abi: mockPriceFeedAbi, functionName: "setAnswer", args: [answer] },
  );

/** Asks the indexer (once it has every chain's head) what the shocks would do. */
async function stress(shocks: Record<string, number | string>): Promise<StressBody> {
  await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub, ...net.vaults] });
  const answer = await postJson<StressBody>(`${net.indexer.url}/stress`, { shocks });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

/** Sets each shocked feed to `answer × (1 + shock)` computed here (down for a fall, up for a rise); returns the old answers. */
async function applyShocks(shocks: Record<string, string>, body: StressBody): Promise<Map<Address, bigint>> {
  const old = new Map<Address, bigint>();
  for (const [symbol, shock] of Object.entries(shocks)) {
    const feed = feedOf(symbol as Symbol);
    const answer = await readAnswer(feed);
    const [whole = "0", fraction = ""] = shock.replace("-", "").split(".");
    const magnitude = BigInt(whole) * WAD + BigInt(fraction.padEnd(18, "0"));
    const shocked = shock.startsWith("-")
      ? (answer * (WAD - magnitude)) / WAD
      : (answer * (WAD + magnitude) + WAD - 1n) / WAD;
    expect(body.prices.find((p) => p.feed === feed.toLowerCase())?.shockedAnswer).toBe(shocked.toString());
    old.set(feed, answer);
    await setAnswer(feed, shocked);
  }
  return old;
}

/** `(shock − 1) / 2` as a decimal string: deeper than `shock`, still above −1 (exact with one more decimal). */
function halfwayToMinusOne(shock: string): string {
  const [whole = "0", fraction = ""] = shock.replace("-", "").split(".");
  const scaled =
    (BigInt(whole) * 10n ** 18n + BigInt(fraction.padEnd(18, "0"))) * (shock.startsWith("-") ? -1n : 1n);
  const half = (scaled - 10n ** 18n) * 5n; // × 10 / 2, in units of 1e-19
  const abs = half < 0n ? -half : half;
  return `${half < 0n ? "-" : ""}${abs / 10n ** 19n}.${(abs % 10n ** 19n).toString().padStart(19, "0")}`.replace(
    /0+$/,
    "",
  );
}

const isLiquidatable = (account: Address) =>
  net.hub.publicClient.readContract({
    address: hubAddress(),
    abi: marginHubAbi,
    functionName: "isLiquidatable",
    args: [account],
  });

describe("POST /stress on the devnet", () => {
  test("the hub agrees account by account once the feeds carry the shocked answers", async () => {
    let flagged = 0;
    let spared = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const shocks: Record<string, string> = {};
      // Round 0 moves nothing (positions opened within initial margin are safe), round 1 crashes the collaterals.
      if (round === 0) shocks.USDC = "0";
      if (round === 1) for (const symbol of COLLATERAL_SYMBOLS) shocks[symbol] = "-0.9";
      for (const symbol of SYMBOLS) {
        if (round < 2 || random() < 0.4) continue;
        // −0.6 … +0.4 with 9 decimals: products that are not whole exercise the rounding.
        const nano = randomInt(random, 0, 1_000_000_000) - 600_000_000;
        const abs = Math.abs(nano);
        shocks[symbol] =
          `${nano < 0 ? "-" : ""}${Math.floor(abs / 1e9)}.${String(abs % 1e9).padStart(9, "0")}`;
      }
      if (Object.keys(shocks).length === 0) shocks.wstETH = "-0.5";
      const body = await stress(shocks);
      // Monotone in the collaterals: every collateral shock halfway deeper towards −1 keeps every account listed.
      const deeper = await stress(
        Object.fromEntries(
          Object.entries(shocks).map(([symbol, shock]) => [
            symbol,
            symbol === "ETH-PERP" ? shock : halfwayToMinusOne(shock),
          ]),
        ),
      );
      const deeperListed = new Set(deeper.accounts.map((a) => a.account));
      for (const a of body.accounts) expect(deeperListed.has(a.account), `${a.account} deeper`).toBe(true);
      const old = await applyShocks(shocks, body);
      for (const trader of state.net.accounts.traders) {
        const listed = body.accounts.find((a) => a.account === trader.address.toLowerCase());
        const onHub = await isLiquidatable(trader.address);
        expect(listed !== undefined, `${trader.address} under ${JSON.stringify(shocks)}`).toBe(onHub);
        if (listed === undefined) {
          spared++;
          continue;
        }
        flagged++;
        const margin = await net.hub.publicClient.readContract({
          address: hubAddress(),
          abi: marginHubAbi,
          functionName: "accountMargin",
          args: [trader.address],
        });
        expect(listed.liquidationUsd).toBe(margin.liquidationUsd.toString());
        expect(listed.maintenanceUsd).toBe(margin.maintenanceUsd.toString());
        expect(listed.shortfallUsd).toBe((margin.maintenanceUsd - margin.liquidationUsd).toString());
      }
      expect(body.totals.liquidatableAccounts).toBe(body.accounts.length);
      for (const [feed, answer] of old) await setAnswer(feed, answer);
    }
    // Both outcomes must have been compared for the agreement to mean anything.
    console.info(`stress rounds: ${flagged} liquidatable and ${spared} healthy comparisons (seed ${SEED})`);
    expect(flagged).toBeGreaterThan(0);
    expect(spared).toBeGreaterThan(0);
  });

  test("the seizure preview is what liquidate orders, per chain and token, and Liquidated's owed and covered", async () => {
    // The mildest fall of every collateral that liquidates someone (partial seizures), then a crash (bad debt).
    const plans = [0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.75, 0.95];
    let liquidated = 0;
    for (const fall of plans) {
      const shocks = Object.fromEntries(COLLATERAL_SYMBOLS.map((s) => [s, (-fall).toString()]));
      const body = await stress(shocks);
      if (body.accounts.length === 0) continue;
      const old = await applyShocks(shocks, body);
      for (const listed of body.accounts) {
        const receipt = await writeAndWait(
          {
            publicClient: net.hub.publicClient,
            walletClient: net.hub.walletFor(net.accounts.liquidator.privateKey),
          },
          {
            address: hubAddress(),
            abi: marginHubAbi,
            functionName: "liquidate",
            args: [listed.account as Address],
          },
        );
        const orders = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "SeizeOrdered" });
        const seized = new Map<string, { owedAmount: bigint; bonusAmount: bigint }>();
        for (const { args } of orders) {
          const key = `${args.chainId}:${args.token.toLowerCase()}`;
          const sum = seized.get(key) ?? { owedAmount: 0n, bonusAmount: 0n };
          if (args.recipient === net.accounts.liquidator.address) sum.bonusAmount += args.amount;
          else sum.owedAmount += args.amount;
          seized.set(key, sum);
        }
        const actual = [...seized].map(([key, s]) => ({
          key,
          owedAmount: s.owedAmount.toString(),
          bonusAmount: s.bonusAmount.toString(),
        }));
        const preview = listed.seizures.flatMap((chain) =>
          chain.tokens.map((t) => ({
            key: `${chain.chainId}:${t.token}`,
            owedAmount: t.owedAmount,
            bonusAmount: t.bonusAmount,
          })),
        );
        const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
        expect(preview.sort(byKey)).toEqual(actual.sort(byKey));
        const [event] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "Liquidated" });
        expect(listed.owedUsd).toBe(event?.args.owedUsd.toString());
        expect(listed.coveredUsd).toBe(event?.args.seizedUsd.toString());
        liquidated++;
        console.info(`liquidated at -${fall}: ${orders.length} seize orders, bad debt ${listed.badDebtUsd}`);
      }
      for (const [feed, answer] of old) await setAnswer(feed, answer);
      if (liquidated === state.net.accounts.traders.length) break;
    }
    expect(liquidated).toBeGreaterThan(0);
  });

  test("answers 400 naming the field for a missing body, an unknown symbol, a shock out of range or not a number", async () => {
    const url = `${net.indexer.url}/stress`;
    const cases: [unknown, string, RegExp][] = [
      ["", "body", /^expected a JSON object/],
      [
        { shocks: { DOGE: -0.1 } },
        "shocks.DOGE",
        /unknown collateral or market symbol \(expected one of BTC-PERP, ETH-PERP, UNI-V2, USDC, sUSDe, wstETH\)/,
      ],
      [{ shocks: { wstETH: -1 } }, "shocks.wstETH", /above -1.*got -1$/],
      [{ shocks: { "ETH-PERP": "a lot" } }, "shocks.ETH-PERP", /got "a lot"$/],
      [{ shocks: [] }, "shocks", /^expected an object/],
    ];
    for (const [body, parameter, error] of cases) {
      const answer = await postJson<{ error: string; parameter: string }>(url, body);
      expect(answer.status).toBe(400);
      expect(answer.body.parameter).toBe(parameter);
      expect(answer.body.error).toMatch(error);
    }
    const limit = await postJson<{ parameter: string }>(`${url}?limit=0`, { shocks: { USDC: 0 } });
    expect(limit).toEqual({
      status: 400,
      body: { parameter: "limit", error: 'expected an integer from 1 to 1000, got "0"' },
    });
  });
});
