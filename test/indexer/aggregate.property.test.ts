import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { assertEveryMarginField } from "../kit/assertEveryMarginField.js";
import {
  COLLATERAL_SYMBOLS,
  type CollateralSymbol,
  type FeedName,
  type MarginAction,
  type MarginActionState,
  runMarginAction,
} from "../kit/runMarginAction.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";

/*
 * The aggregate (`account_margin`) uses the math in `shared/` and must equal a recomputation from
 * the raw rows. fast-check draws sequences of deposits, withdrawal requests and their relay, price
 * moves (collateral feeds and the perp feed, non-positive answers included), perp opens and
 * closes, liquidations (seizes relayed like the withdrawal decisions), hub credits and
 * concentration haircuts (set through the timelock), runs them against one devnet, waits until the indexer has every chain's
 * head, and checks every computed column of every trader's row against `recomputeWithShared`, and
 * the credited part against the hub's on-chain `accountMargin`. The chains keep their state from
 * one sequence to the next, so later sequences start from richer states. No shrinking: a failure
 * is reported with its sequence, the outcomes, and the seed to replay (`CM_PROPERTY_SEED`; the
 * sequence replays exactly only on a fresh devnet, which every run of this file starts).
 */

// Ports of this file only: 26545–26547. PGlite in a temp directory.
const BASE_PORT = 26545;
/** Sequences per run of this file (`CM_PROPERTY_RUNS` raises it when hunting). */
const RUNS = Number(process.env.CM_PROPERTY_RUNS ?? 15);
const TRADERS = 3;
const CHAINS = 3;

/** Largest deposit per collateral, in token units (the traders hold far more). */
const MAX_DEPOSIT: Record<CollateralSymbol, bigint> = {
  USDC: 20_000n * 10n ** 6n,
  wstETH: 5n * 10n ** 18n,
  sUSDe: 20_000n * 10n ** 18n,
  "UNI-V2": 10n * 10n ** 18n,
};
/** Devnet prices (8 decimals); a move goes from a quarter to twice the price. */
const BASE_PRICE: Record<FeedName, bigint> = {
  USDC: 1n * 10n ** 8n,
  wstETH: 3_500n * 10n ** 8n,
  sUSDe: 110_000_000n,
  "UNI-V2": 2_000n * 10n ** 8n,
  "ETH-USD": 3_000n * 10n ** 8n,
};

let net: IndexedDevnet;
let state: MarginActionState;
let failed = false;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_prop_${process.pid}` });
  state = { net, chains: [net.hub, ...net.vaults], requests: new Map(), commands: new Map() };
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

// ------------------------------------------------------------------ arbitraries

const trader = fc.integer({ min: 0, max: TRADERS - 1 });
const chain = fc.integer({ min: 0, max: CHAINS - 1 });
const symbol = fc.constantFrom(...COLLATERAL_SYMBOLS);

const deposit: fc.Arbitrary<MarginAction> = fc
  .record({
    trader,
    chain,
    token: symbol,
    fraction: fc.integer({ min: 1, max: 10_000 }),
    // Odd amounts exercise the floors of the USD math.
    dust: fc.bigInt({ min: 0n, max: 999n }),
  })
  .map(({ fraction, dust, ...rest }) => ({
    kind: "deposit",
    ...rest,
    amount: (MAX_DEPOSIT[rest.token] * BigInt(fraction)) / 10_000n + dust,
  }));

const pick = fc.nat({ max: 1_000 });

const requestWithdrawal: fc.Arbitrary<MarginAction> = fc
  .record({ trader, pick, bps: fc.integer({ min: 1, max: 10_000 }) })
  .map((r) => ({ kind: "requestWithdrawal", ...r }));

const relay: fc.Arbitrary<MarginAction> = pick.map((p) => ({ kind: "relay", pick: p }));

const setPrice: fc.Arbitrary<MarginAction> = fc
  // The perp feed twice as often: it moves every position's requirement.
  .constantFrom<FeedName>(...COLLATERAL_SYMBOLS, "ETH-USD", "ETH-USD")
  .chain((feed) =>
    fc
      .oneof(
        { weight: 9, arbitrary: fc.bigInt({ min: BASE_PRICE[feed] / 4n, max: BASE_PRICE[feed] * 2n }) },
        // A broken feed: the hub's views value the collateral at 0 / use the entry price.
        { weight: 1, arbitrary: fc.constantFrom(0n, -BASE_PRICE[feed]) },
      )
      .map((answer): MarginAction => ({ kind: "setPrice", feed, answer })),
  );

const openPosition: fc.Arbitrary<MarginAction> = fc
  .record({ trader, long: fc.boolean(), percent: fc.integer({ min: 1, max: 100 }) })
  .map((r) => ({ kind: "openPosition", ...r }));

const closePosition: fc.Arbitrary<MarginAction> = trader.map((t) => ({ kind: "closePosition", trader: t }));

const liquidate: fc.Arbitrary<MarginAction> = pick.map((p) => ({ kind: "liquidate", pick: p }));

const creditHubAction: fc.Arbitrary<MarginAction> = fc
  .record({ chain, traders: fc.uniqueArray(trader, { minLength: 1, maxLength: TRADERS }) })
  .map((r) => ({ kind: "creditHub", ...r }));

/**
 * A concentration haircut on one collateral (devnet haircuts ≤ 30 %, so a cap ≤ 30 % is valid),
 * its scale around the largest deposit so that floor, linear part and cap all occur; or off.
 */
const setConcentration: fc.Arbitrary<MarginAction> = fc
  .record({
    chain,
    token: symbol,
    scaleEighths: fc.integer({ min: 1, max: 16 }),
    scalarBps: fc.integer({ min: 0, max: 5_000 }),
    bounds: fc
      .integer({ min: 0, max: 3_000 })
      .chain((upper) => fc.tuple(fc.integer({ min: 0, max: upper }), fc.constant(upper))),
    off: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  })
  .map(({ chain: c, token, scaleEighths, scalarBps, bounds: [lowerBps, upperBps], off }) => ({
    kind: "setConcentration",
    chain: c,
    token,
    concentration: off
      ? { scale: 0n, scalarBps: 0, lowerBps: 0, upperBps: 0 }
      : { scale: (MAX_DEPOSIT[token] * BigInt(scaleEighths)) / 8n, scalarBps, lowerBps, upperBps },
  }));

const action: fc.Arbitrary<MarginAction> = fc.oneof(
  { weight: 4, arbitrary: deposit },
  { weight: 2, arbitrary: requestWithdrawal },
  { weight: 2, arbitrary: relay },
  { weight: 3, arbitrary: setPrice },
  { weight: 3, arbitrary: openPosition },
  { weight: 1, arbitrary: closePosition },
  { weight: 1, arbitrary: liquidate },
  { weight: 3, arbitrary: creditHubAction },
  { weight: 3, arbitrary: setConcentration },
);

// ------------------------------------------------------------------ the property

/**
 * The oracles recover between sequences: a feed left non-positive is set back to its devnet price
 * (a broken feed blocks every strict valuation — positions, withdrawal decisions, liquidations —
 * so it would otherwise freeze the later sequences).
 */
async function healFeeds(): Promise<string[]> {
  const healed: string[] = [];
  const { feeds, perpFeed } = net.devnet.manifest.devnet;
  for (const feed of [...COLLATERAL_SYMBOLS, "ETH-USD"] as const) {
    const address = feed === "ETH-USD" ? perpFeed : feeds[feed];
    if (address === undefined) throw new Error(`no feed for ${feed}`);
    const [, answer] = await net.hub.publicClient.readContract({
      address,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
    });
    if (answer > 0n) continue;
    const outcome = await runMarginAction(state, { kind: "setPrice", feed, answer: BASE_PRICE[feed] });
    healed.push(`heal ${feed}: ${outcome}`);
  }
  return healed;
}

/** Every trader's stored aggregate equals the recomputation; the credited part equals the hub. */
async function checkEveryAccount(outcomes: readonly string[]): Promise<void> {
  const heads = await waitForIndexedHeads({
    indexerUrl: net.indexer.url,
    chains: state.chains,
    timeoutMs: 60_000,
  });
  const hubBlock = heads.get(net.hub.chain.chainId);
  for (const { address } of net.accounts.traders.slice(0, TRADERS)) {
    try {
      await assertEveryMarginField({ indexerUrl: net.indexer.url, hub: net.hub, account: address, hubBlock });
    } catch (error) {
      console.error(
        `aggregate mismatch for ${address} at heads ${[...heads].map(([c, h]) => `${c}:${h}`).join(", ")}; ` +
          `outcomes of the sequence: ${JSON.stringify(outcomes)}`,
      );
      throw error;
    }
  }
}

describe("account_margin equals a recomputation from the raw rows with shared/margin", () => {
  test("for every account after random sequences of deposits, withdrawals, credits, prices and positions", {
    timeout: 300_000,
  }, async () => {
    const seed =
      process.env.CM_PROPERTY_SEED === undefined ? undefined : Number(process.env.CM_PROPERTY_SEED);
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 12 }), async (actions) => {
        const outcomes = await healFeeds();
        for (const a of actions) {
          const outcome = await runMarginAction(state, a);
          outcomes.push(`${a.kind}: ${outcome}`);
          const key = outcome.startsWith("reverted")
            ? `${a.kind} ${outcome}`
            : `${a.kind} ${outcome.split(":")[0]}`;
          tally.set(key, (tally.get(key) ?? 0) + 1);
        }
        await checkEveryAccount(outcomes);
      }),
      { numRuns: RUNS, endOnFailure: true, seed },
    );
    // The sequences reached the states the property is about (not only reverts).
    for (const kind of ["deposit ok", "creditHub ok", "setPrice ok", "setConcentration ok"]) {
      expect(tally.get(kind) ?? 0, `${kind}: ${JSON.stringify(Object.fromEntries(tally))}`).toBeGreaterThan(
        0,
      );
    }
    console.info(`actions run: ${JSON.stringify(Object.fromEntries(tally))}`);
  });
});
