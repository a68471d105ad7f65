import { type Address, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { readPriceHistory } from "../../relayer/risk/riskRound.js";
import { marginHubAbi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { callOutcome } from "../kit/contractRevert.js";
import { getJson } from "../kit/indexerApi.js";
import { runCli } from "../kit/runCli.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";
import { writeAndWait } from "../kit/writeAndWait.js";

/*
 * The volatility-haircut keeper end to end (issue 21 item 3): a devnet with the risk admin and the
 * devnet's haircut bounds (wstETH: [1500, 3500], 500 bps/day), a real indexer on PGlite keeping the
 * feed's history, and `crossmargin risk --once` as a real process. Calm answers propose nothing;
 * after a volatility spike each daily round raises the haircut by at most the step until it
 * reaches the target; a proposal outside the bounds is refused with the hub's named error.
 */

// Ports of this file only: 12000–12002 (hub, two vault chains). PGlite in a temp directory.
const BASE_PORT = 12_000;
const HOUR = 3600;
const DAY = 24 * HOUR;
const STEP = 500;

let net: IndexedDevnet;
let failed = false;
let hub: Address;
let feed: Address;
let wstEth: Address;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_risk_${process.pid}` });
  hub = net.hub.chain.contracts.hub ?? "0x";
  feed = net.devnet.manifest.devnet.feeds.wstETH ?? "0x";
  wstEth = net.hub.chain.tokens.wstETH?.address ?? "0x";
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

const deployer = () => net.hub.walletFor(net.accounts.deployer.privateKey);
const setAnswer = (answer: bigint) =>
  writeAndWait(
    { publicClient: net.hub.publicClient, walletClient: deployer() },
    { address: feed, abi: mockPriceFeedAbi, functionName: "setAnswer", args: [answer] },
  );
const advance = async (seconds: number) => {
  await net.hub.testClient.increaseTime({ seconds });
  await net.hub.testClient.mine({ blocks: 1 });
};
const haircut = async () =>
  (
    await net.hub.publicClient.readContract({
      address: hub,
      abi: marginHubAbi,
      functionName: "collateralConfig",
      args: [BigInt(net.hub.chain.chainId), wstEth],
    })
  ).haircutBps;

/** One keeper round as an operator runs it; returns the wstETH line of the hub chain. */
async function riskOnce(): Promise<string> {
  await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub] });
  const run = await runCli(["risk", "--once", "--api", net.indexer.url, "--config", net.devnet.manifestPath]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  const line = run.stdout.split("\n").find((l) => l.startsWith(`wstETH@${net.hub.chain.chainId} `));
  expect(line, run.stdout).toBeDefined();
  return line ?? "";
}

const price = (dollars: number) => parseUnits(dollars.toFixed(2), 8);

describe("crossmargin risk", () => {
  test("the history endpoint lists the feed's answers and names bad parameters", async () => {
    await setAnswer(price(3_500));
    await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub] });
    const history = await getJson<{
      decimals: number;
      observations: { answer: string; updatedAt: number }[];
    }>(`${net.indexer.url}/prices/${feed}/history?since=0&limit=5`);
    expect(history.status).toBe(200);
    expect(history.body.decimals).toBe(8);
    expect(history.body.observations.at(-1)?.answer).toBe(price(3_500).toString());
    const bad = await getJson<{ parameter: string }>(
      `${net.indexer.url}/prices/${feed}/history?since=yesterday`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.parameter).toBe("since");
  });

  test("calm prices propose nothing; a spike raises the haircut by at most a step a day up to the target", async () => {
    // Two calm days: ±0.5 % every 8 hours.
    for (let i = 0; i < 6; i++) {
      await advance(8 * HOUR);
      await setAnswer(price(i % 2 === 0 ? 3_517.5 : 3_500));
    }
    const calm = await riskOnce();
    expect(calm).toMatch(/current 1500 no proposal: at the target$/);
    // The spike: ±7 % every hour, six times (σ ≈ 2.3, target ≈ 2,800 bps, under the 3,500 max).
    for (let i = 0; i < 6; i++) {
      await advance(HOUR);
      await setAnswer(price(i % 2 === 0 ? 3_745 : 3_500));
    }
    const seen: number[] = [await haircut()];
    let last = "";
    for (let round = 0; round < 6; round++) {
      last = await riskOnce();
      seen.push(await haircut());
      if (last.includes("no proposal")) break;
      await advance(DAY);
    }
    const target = Number(/target (\d+)/.exec(last)?.[1]);
    expect(last).toMatch(/no proposal: at the target$/);
    expect(target).toBeGreaterThan(1_500 + 2 * STEP);
    expect(target).toBeLessThan(3_500);
    expect(seen.at(-1)).toBe(target);
    for (let i = 1; i < seen.length; i++) {
      const rise = (seen[i] ?? 0) - (seen[i - 1] ?? 0);
      expect(rise).toBeGreaterThanOrEqual(0);
      expect(rise).toBeLessThanOrEqual(STEP);
      expect(seen[i]).toBeLessThanOrEqual(3_500);
    }
    // It rose in every round until it reached the target.
    const rises = seen.slice(1).filter((h, i) => h > (seen[i] ?? 0)).length;
    expect(rises).toBe(Math.ceil((target - 1_500) / STEP));
  });

  test("the keeper reads a history longer than a page in full, oldest first, none twice", async () => {
    await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub] });
    const whole = await readPriceHistory(net.indexer.url, feed, 0);
    // The earlier tests wrote 13 answers after the deployment's.
    expect(whole.length).toBeGreaterThan(13);
    const paged = await readPriceHistory(net.indexer.url, feed, 0, 3);
    expect(paged).toEqual(whole);
    expect(whole.at(-1)?.answer).toBe(price(3_500));
  });

  test("a proposal outside the bounds is refused with the named error", async () => {
    const risk = net.hub.walletFor(net.accounts.risk.privateKey);
    const outcome = await callOutcome(() =>
      net.hub.publicClient.simulateContract({
        address: hub,
        abi: marginHubAbi,
        functionName: "proposeHaircut",
        args: [BigInt(net.hub.chain.chainId), wstEth, 3_600],
        account: risk.account,
      }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.revert.errorName).toBe("MarginHub_HaircutOutOfBounds");
    expect(outcome.revert.args).toEqual([BigInt(net.hub.chain.chainId), wstEth, 3_600, 1_500, 3_500]);
  });

  test("a key that is not the risk admin is refused by name before any round", async () => {
    const run = await runCliWithEnv(net.accounts.traders[0]?.privateKey ?? "0x");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CROSSMARGIN_RISK_KEY: expected the key of the hub's riskAdmin\(\)/);
  });
});

/** `crossmargin risk --once` with `CROSSMARGIN_RISK_KEY` set. */
async function runCliWithEnv(key: string) {
  const previous = process.env.CROSSMARGIN_RISK_KEY;
  process.env.CROSSMARGIN_RISK_KEY = key;
  try {
    return await runCli(["risk", "--once", "--api", net.indexer.url, "--config", net.devnet.manifestPath]);
  } finally {
    if (previous === undefined) delete process.env.CROSSMARGIN_RISK_KEY;
    else process.env.CROSSMARGIN_RISK_KEY = previous;
  }
}
