import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type Address, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { marginHubAbi, mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { openEventStream } from "../kit/eventStream.js";
import { getJson, postJson, readMarginBothWays } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";
import { writeAndWait } from "../kit/writeAndWait.js";

/*
 * Early warning on a devnet: the distance to liquidation in the margin answer, checked against the
 * hub at the answers it names; the health stream (`GET /stream/health`) and `crossmargin watch`
 * (a real process) reporting an account crossing a threshold and coming back.
 */

// Ports of this file only: 15548–15550. PGlite in a temp directory.
const BASE_PORT = 15548;
const WAD = 10n ** 18n;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let net: IndexedDevnet;
let failed = false;
let trader: Address;
const children: ChildProcess[] = [];

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_warn_${process.pid}` });
  const key = net.accounts.traders[0]?.privateKey ?? "0x";
  trader = net.accounts.traders[0]?.address ?? "0x";
  // The liquidation test's account: $1 000 of USDC, 2 ETH long from $3 000 (health 3.3).
  const vault = net.vaults[0];
  const usdc = vault.chain.tokens.USDC?.address ?? "0x";
  await depositCollateral(vault, { key, token: usdc, amount: parseUnits("1000", 6) });
  await creditHub({
    vaultChain: vault,
    hubChain: net.hub,
    entries: [{ account: trader, token: usdc }],
    attesterKeys: net.attesterKeys,
    relayerKey: net.accounts.relayer.privateKey,
  });
  await writeAndWait(
    { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(key) },
    {
      address: net.hub.chain.contracts.perpMarkets[0] ?? "0x",
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [2n * WAD],
    },
  );
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

const setAnswer = (feed: Address, answer: bigint) =>
  writeAndWait(
    { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(net.accounts.deployer.privateKey) },
    { address: feed, abi: mockPriceFeedAbi, functionName: "setAnswer", args: [answer] },
  );
const isLiquidatable = () =>
  net.hub.publicClient.readContract({
    address: net.hub.chain.contracts.hub ?? "0x",
    abi: marginHubAbi,
    functionName: "isLiquidatable",
    args: [trader],
  });
const perpFeed = () => net.devnet.manifest.devnet.perpFeed;
const usdcFeed = () => net.devnet.manifest.devnet.feeds.USDC ?? "0x";

describe("distance to liquidation", () => {
  test("each answer named liquidates on the hub, one unit nearer the current price does not; its move liquidates in POST /stress", async () => {
    await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub, ...net.vaults] });
    // REST's distance = the one built from GraphQL's rows (readMarginBothWays compares the whole answers).
    const { rest } = await readMarginBothWays(net.indexer.url, trader);
    const distance = rest.distanceToLiquidation;
    expect(distance?.liquidatable).toBe(false);
    const market = distance?.markets[0];
    // 990 < 0.1·p + 2·(3000 − p) ⟺ p < 2636.84…; a rise: 0.1·p > 990 ⟺ p > 9900.
    expect(market).toMatchObject({
      symbol: "ETH-PERP",
      answer: "300000000000",
      down: { liquidationAnswer: "263684210526" },
      up: { liquidationAnswer: "990000000001" },
    });
    const collateral = distance?.collaterals[0];
    expect(collateral).toMatchObject({ symbol: "USDC", down: { liquidationAnswer: "30303030" } });

    // One price moves at a time; it goes back to its devnet answer after each.
    const checks: [Address, string | undefined, bigint, bigint][] = [
      [perpFeed(), market?.down?.liquidationAnswer, 1n, 3_000n * 10n ** 8n],
      [perpFeed(), market?.up?.liquidationAnswer, -1n, 3_000n * 10n ** 8n],
      [usdcFeed(), collateral?.down?.liquidationAnswer, 1n, 10n ** 8n],
    ];
    for (const [feed, answer, towardsNow, devnetAnswer] of checks) {
      try {
        await setAnswer(feed, BigInt(answer ?? "0"));
        expect(await isLiquidatable(), `at ${answer}`).toBe(true);
        await setAnswer(feed, BigInt(answer ?? "0") + towardsNow);
        expect(await isLiquidatable(), `one unit nearer than ${answer}`).toBe(false);
      } finally {
        await setAnswer(feed, devnetAnswer);
      }
    }
    await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub] });
    for (const [symbol, move] of [
      ["ETH-PERP", market?.down?.move],
      ["ETH-PERP", market?.up?.move],
      ["USDC", collateral?.down?.move],
    ]) {
      const body = await postJson<{ accounts: { account: string }[] }>(`${net.indexer.url}/stress`, {
        shocks: { [symbol ?? ""]: move },
      });
      expect(
        body.body.accounts.map((a) => a.account),
        `${symbol} ${move}`,
      ).toEqual([trader.toLowerCase()]);
    }
  });
});

/** Moves ETH to $2 800 (health 990 / 680 ≈ 1.46) and back to $3 000 (3.3). */
async function dipAndRecover(step: "dip" | "recover") {
  await setAnswer(perpFeed(), (step === "dip" ? 2_800n : 3_000n) * 10n ** 8n);
}

describe("GET /stream/health", () => {
  test("sends ready, then below when the account falls under the threshold and above when it is back", async () => {
    const opened = await openEventStream(`${net.indexer.url}/stream/health?below=2&intervalMs=100`);
    expect(opened.status).toBe(200);
    const stream = opened.stream;
    if (stream === undefined) throw new Error("no stream");
    try {
      const ready = await stream.next((e) => e.event === "ready", "the ready event");
      expect(ready.event.data).toEqual({ below: "2", basis: "credited", intervalMs: 100, accountsBelow: 0 });
      await dipAndRecover("dip");
      const below = await stream.next((e) => e.event === "below", "the fall under 2");
      expect(below.event.data).toMatchObject({
        account: trader.toLowerCase(),
        direction: "below",
        healthFactor: ((990n * WAD) / 680n).toString(),
        below: "2",
        initial: false,
      });
      await dipAndRecover("recover");
      const above = await stream.next((e) => e.event === "above", "the return over 2");
      expect(above.event.data).toMatchObject({
        account: trader.toLowerCase(),
        healthFactor: "3300000000000000000",
      });
      expect(stream.events.filter((e) => e.event === "below" || e.event === "above")).toHaveLength(2);
    } finally {
      stream.close();
    }
    // An account already under the threshold is reported first, marked initial.
    const again = await openEventStream(`${net.indexer.url}/stream/health?below=3.5&intervalMs=100`);
    try {
      const initial = await again.stream?.next((e) => e.event === "below", "the initial below");
      expect(initial?.event.data).toMatchObject({ account: trader.toLowerCase(), initial: true });
    } finally {
      again.stream?.close();
    }
  });

  test("answers 400 naming the parameter", async () => {
    for (const [query, parameter] of [
      ["", "below"],
      ["below=abc", "below"],
      ["below=1.2&intervalMs=5", "intervalMs"],
      ["below=1.2&basis=mine", "basis"],
    ] as const) {
      const answer = await getJson<{ parameter: string; error: string }>(
        `${net.indexer.url}/stream/health?${query}`,
      );
      expect(answer.status, query).toBe(400);
      expect(answer.body.parameter).toBe(parameter);
    }
  });
});

/** Runs `crossmargin watch` as a process, collecting its output. */
function watch(args: string[]) {
  const child = spawn(process.execPath, ["bin/crossmargin.js", "watch", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const out = { stdout: "", stderr: "" };
  child.stdout?.on("data", (b: Buffer) => {
    out.stdout += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    out.stderr += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out, exited };
}

describe("crossmargin watch", () => {
  test("prints one line per crossing and exits 0 on SIGINT", async () => {
    const run = watch(["--health-below", "2", "--api", net.indexer.url, "--interval-ms", "100"]);
    await pollUntil(
      async () => run.out.stderr,
      (s) => s.includes("account(s) under it now"),
      { what: "the watch to start" },
    );
    await dipAndRecover("dip");
    const lines = await pollUntil(
      async () => run.out.stdout.split("\n").filter(Boolean),
      (l) => l.length >= 1,
      { what: "the below line" },
    );
    expect(lines[0]).toMatch(
      new RegExp(`^\\S+Z below ${trader.toLowerCase()} health 1\\.4558823529\\d* \\(threshold 2\\)$`),
    );
    await dipAndRecover("recover");
    const both = await pollUntil(
      async () => run.out.stdout.split("\n").filter(Boolean),
      (l) => l.length >= 2,
      { what: "the above line" },
    );
    expect(both[1]).toMatch(
      new RegExp(`^\\S+Z above ${trader.toLowerCase()} health 3\\.3 \\(threshold 2\\)$`),
    );
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(0);
    expect(run.out.stdout.split("\n").filter(Boolean)).toHaveLength(2);
  });

  test("refuses a bad threshold naming the flag, and names the flag of a parameter the indexer refuses", async () => {
    const bad = watch(["--health-below", "lots", "--api", net.indexer.url]);
    expect(await bad.exited).toBe(1);
    expect(bad.out.stderr).toContain(
      '--health-below: expected a health factor such as 1.2 (at most 18 decimals), got "lots"',
    );
    const refused = watch(["--health-below", "1.2", "--api", net.indexer.url, "--basis", "mine"]);
    expect(await refused.exited).toBe(2);
    expect(refused.out.stderr).toContain('--basis: expected "credited" or "vault", got "mine"');
  });
});
