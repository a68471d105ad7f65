import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import type { MarginConcentration } from "./accountMargin.js";
import { liquidationDistance } from "./liquidationDistance.js";
import type { SeizeCollateral } from "./seizePreview.js";
import { shockAnswer } from "./shockAnswer.js";
import { type StressAccountParameters, type StressMarket, stressAccount } from "./stressAccount.js";

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
const USDC = "0x00000000000000000000000000000000000000c1" as Address;
const WSTETH = "0x00000000000000000000000000000000000000c2" as Address;
const MARKET = "0x00000000000000000000000000000000000000aa" as Address;

const collaterals = (
  usdcPrice: bigint,
  ethPrice: bigint,
  ethCap: bigint,
  concentration?: MarginConcentration,
): SeizeCollateral[] => [
  {
    chainId: 1,
    token: USDC,
    config: { tokenDecimals: 6, haircutBps: 200, liquidationThresholdBps: 9_900, capPerAccount: 0n },
    feedDecimals: 8,
    price: usdcPrice,
    liquidationBonusBps: 500,
  },
  {
    chainId: 2,
    token: WSTETH,
    config: {
      tokenDecimals: 18,
      haircutBps: 1_500,
      liquidationThresholdBps: 9_000,
      capPerAccount: ethCap,
      concentration,
    },
    feedDecimals: 8,
    price: ethPrice,
    liquidationBonusBps: 800,
  },
];
const market = (price: bigint): StressMarket => ({
  address: MARKET,
  feedDecimals: 8,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  price,
  minPositionNotionalUsd: 100n * E18,
});

const account = fc.record({
  usdc: fc.bigInt({ min: 0n, max: 50_000n * E6 }),
  eth: fc.bigInt({ min: 0n, max: 20n * E18 }),
  ethCap: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n * E18 })),
  usdcPrice: fc.bigInt({ min: 90_000_000n, max: 110_000_000n }),
  ethPrice: fc.bigInt({ min: 1_000n * E8, max: 5_000n * E8 }),
  perpPrice: fc.bigInt({ min: 1_000n * E8, max: 5_000n * E8 }),
  size: fc.bigInt({ min: -30n * E18, max: 30n * E18 }),
  entry: fc.bigInt({ min: 1_000n * E18, max: 5_000n * E18 }),
  debt: fc.bigInt({ min: 0n, max: 1_000n * E18 }),
  /** A size-scaled discount on wstETH (haircut 15 %: cap ≤ 8,499 bps), or none. */
  ethConcentration: fc.option(
    fc.integer({ min: 0, max: 8_499 }).chain((upperBps) =>
      fc.record({
        scale: fc.bigInt({ min: 1n, max: 40n * E18 }),
        scalarBps: fc.integer({ min: 0, max: 10_000 }),
        lowerBps: fc.integer({ min: 0, max: upperBps }),
        upperBps: fc.constant(upperBps),
      }),
    ),
    { nil: undefined },
  ),
});
type Account = typeof account extends fc.Arbitrary<infer T> ? T : never;

/** The account with the USDC price, the wstETH price and the perp price each replaced when given. */
const book = (
  a: Account,
  prices: { usdc?: bigint; eth?: bigint; perp?: bigint } = {},
): StressAccountParameters => ({
  credits: [
    { chainId: 1, token: USDC, balance: a.usdc },
    { chainId: 2, token: WSTETH, balance: a.eth },
  ],
  collaterals: collaterals(
    prices.usdc ?? a.usdcPrice,
    prices.eth ?? a.ethPrice,
    a.ethCap,
    a.ethConcentration,
  ),
  markets: [market(prices.perp ?? a.perpPrice)],
  positions: [{ market: MARKET, size: a.size, entryWad: a.entry, debtUsd: a.debt }],
});
const liquidatableAt = (a: Account, prices: { usdc?: bigint; eth?: bigint; perp?: bigint }) =>
  stressAccount(book(a, prices)).liquidatable;

describe("liquidationDistance", () => {
  it("each point liquidates, the next answer towards the current one does not, and its move does it through POST /stress's rounding", () => {
    let points = 0;
    fc.assert(
      fc.property(account, (a) => {
        const distance = liquidationDistance(book(a));
        expect(distance.liquidatable).toBe(stressAccount(book(a)).liquidatable);
        for (const c of distance.collaterals) {
          const key = c.token === USDC ? "usdc" : "eth";
          if (c.down === null) {
            expect(liquidatableAt(a, { [key]: 0n })).toBe(false); // not even a zero price liquidates
            continue;
          }
          points++;
          expect(liquidatableAt(a, { [key]: c.down.answer })).toBe(true);
          expect(liquidatableAt(a, { [key]: c.down.answer + 1n })).toBe(false);
          expect(shockAnswer(c.answer, c.down.moveWad)).toBeLessThanOrEqual(c.down.answer);
          expect(shockAnswer(c.answer, c.down.moveWad + 1n)).toBeGreaterThan(c.down.answer);
        }
        for (const m of distance.markets) {
          if (m.down !== null) {
            points++;
            expect(liquidatableAt(a, { perp: m.down.answer })).toBe(true);
            expect(liquidatableAt(a, { perp: m.down.answer + 1n })).toBe(false);
            expect(shockAnswer(m.answer, m.down.moveWad)).toBeLessThanOrEqual(m.down.answer);
          } else if (a.size > 0n) expect(liquidatableAt(a, { perp: 1n })).toBe(false);
          if (m.up !== null) {
            points++;
            expect(liquidatableAt(a, { perp: m.up.answer })).toBe(true);
            expect(liquidatableAt(a, { perp: m.up.answer - 1n })).toBe(false);
            expect(shockAnswer(m.answer, m.up.moveWad)).toBeGreaterThanOrEqual(m.up.answer);
            expect(shockAnswer(m.answer, m.up.moveWad - 1n)).toBeLessThan(m.up.answer);
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(points).toBeGreaterThan(300);
  });

  it("the liquidation test's account: 2 ETH long from $3 000 on $1 000 of USDC liquidates below $2 636.85 and above $9 900", () => {
    const a: Account = {
      usdc: 1_000n * E6,
      eth: 0n,
      ethCap: 0n,
      usdcPrice: E8,
      ethPrice: 3_500n * E8,
      perpPrice: 3_000n * E8,
      size: 2n * E18,
      entry: 3_000n * E18,
      debt: 0n,
      ethConcentration: undefined,
    };
    const distance = liquidationDistance(book(a));
    // 990 < 0.05·2p + 2·(3000 − p) ⟺ p < 5010/1.9 = 2636.84…; up: 0.1·p > 990 ⟺ p > 9900.
    expect(distance.markets[0]?.down?.answer).toBe(263_684_210_526n);
    expect(distance.markets[0]?.up?.answer).toBe(990_000_000_001n);
    // USDC: 0.99·1000·p < 300 ⟺ p < 0.30303…
    expect(distance.collaterals.map((c) => c.down?.answer)).toEqual([30_303_030n]);
  });

  it("computes nothing for an account already liquidatable, and gives a short no way down", () => {
    const a: Account = {
      usdc: 100n * E6,
      eth: 0n,
      ethCap: 0n,
      usdcPrice: E8,
      ethPrice: 3_500n * E8,
      perpPrice: 3_000n * E8,
      size: 2n * E18,
      entry: 3_000n * E18,
      debt: 0n,
      ethConcentration: undefined,
    };
    expect(liquidationDistance(book(a))).toEqual({ liquidatable: true, collaterals: [], markets: [] });
    const short = liquidationDistance(book({ ...a, usdc: 10_000n * E6, size: -2n * E18 }));
    expect(short.markets[0]?.down).toBeNull();
    expect(short.markets[0]?.up).not.toBeNull();
  });
});
