import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { MarginMathInputError } from "./errors.js";
import { type SeizeCollateral, seizeAmounts, seizePreview } from "./seizePreview.js";
import { shockAnswer } from "./shockAnswer.js";
import { type StressMarket, type StressPosition, stressAccount } from "./stressAccount.js";

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
const USDC = "0x00000000000000000000000000000000000000c1" as Address;
const WSTETH = "0x00000000000000000000000000000000000000c2" as Address;
const MARKET = "0x00000000000000000000000000000000000000aa" as Address;

const usdc = (chainId: number, price = E8): SeizeCollateral => ({
  chainId,
  token: USDC,
  config: { tokenDecimals: 6, haircutBps: 200, liquidationThresholdBps: 9_900, capPerAccount: 0n },
  feedDecimals: 8,
  price,
  liquidationBonusBps: 500,
});
const wsteth = (price: bigint, cap = 0n): SeizeCollateral => ({
  chainId: 2,
  token: WSTETH,
  config: { tokenDecimals: 18, haircutBps: 1_500, liquidationThresholdBps: 9_000, capPerAccount: cap },
  feedDecimals: 8,
  price,
  liquidationBonusBps: 800,
});
const market = (price: bigint): StressMarket => ({
  address: MARKET,
  feedDecimals: 8,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
  price,
  minPositionNotionalUsd: 100n * E18,
});
const long = (size: bigint, entry: bigint, debtUsd = 0n): StressPosition => ({
  market: MARKET,
  size,
  entryWad: entry,
  debtUsd,
});

describe("shockAnswer", () => {
  it("moves the answer by the relative shock, exactly when the product is whole", () => {
    expect(shockAnswer(3_500n * E8, -3n * 10n ** 17n)).toBe(2_450n * E8);
    expect(shockAnswer(3_000n * E8, 2n * 10n ** 17n)).toBe(3_600n * E8);
    expect(shockAnswer(100n, 0n)).toBe(100n);
  });
  it("rounds away from the old answer: down for a fall, up for a rise", () => {
    expect(shockAnswer(3n, -5n * 10n ** 17n)).toBe(1n); // 1.5 → 1
    expect(shockAnswer(3n, 5n * 10n ** 17n)).toBe(5n); // 4.5 → 5
    expect(shockAnswer(1n, -1n)).toBe(0n); // a fall of 1e-18 still moves it
    expect(shockAnswer(1n, 1n)).toBe(2n);
  });
  it("leaves a non-positive answer alone and refuses −100 %", () => {
    expect(shockAnswer(0n, -5n * 10n ** 17n)).toBe(0n);
    expect(shockAnswer(-7n, 10n ** 18n)).toBe(-7n);
    expect(() => shockAnswer(E8, -E18)).toThrow(MarginMathInputError);
  });
});

describe("seizeAmounts (HubRisk.seizeAmounts)", () => {
  it("takes what is owed plus the bonus when the credit is worth more", () => {
    // $1 000 of USDC, $100 owed, 5 % bonus: 105 USDC, 100 of it to the consumer.
    const taken = seizeAmounts(usdc(1), 1_000n * E6, 100n * E18);
    expect(taken).toEqual({ owedAmount: 100n * E6, bonusAmount: 5n * E6, coveredUsd: 100n * E18 });
  });
  it("takes the whole credit and covers its value without the bonus when it is worth less", () => {
    const taken = seizeAmounts(usdc(1), 50n * E6, 100n * E18);
    // covered = 50e18 · 10000 / 10500 (floored); owed share = ceil(50e6 · 10000 / 10500).
    expect(taken).toEqual({
      owedAmount: 47_619_048n,
      bonusAmount: 50n * E6 - 47_619_048n,
      coveredUsd: (50n * E18 * 10_000n) / 10_500n,
    });
  });
  it("takes nothing at a non-positive price", () => {
    expect(seizeAmounts(usdc(1, 0n), 50n * E6, E18)).toEqual({
      owedAmount: 0n,
      bonusAmount: 0n,
      coveredUsd: 0n,
    });
  });
});

describe("seizePreview (MarginHub._seizeFor)", () => {
  it("seizes collaterals in registration order until covered, on the whole credit (the cap does not limit it)", () => {
    const collaterals = [wsteth(2_000n * E8, 10n ** 17n), usdc(1)];
    const credits = [
      { chainId: 2, token: WSTETH, balance: E18 }, // $2 000, of which 0.1 counts as margin
      { chainId: 1, token: USDC, balance: 500n * E6 },
    ];
    const preview = seizePreview({ credits, collaterals, owedUsd: [2_300n * E18] });
    const [first, second] = preview.seizures;
    expect(first).toMatchObject({
      chainId: 2n,
      token: WSTETH,
      owedAmount: (E18 * 10_000n + 10_799n) / 10_800n,
    });
    // All of the wstETH covers 2000/1.08 of the debt; USDC covers the rest plus its bonus.
    const coveredByEth = (2_000n * E18 * 10_000n) / 10_800n;
    expect(first?.coveredUsd).toBe(coveredByEth);
    expect(second?.coveredUsd).toBe(2_300n * E18 - coveredByEth);
    expect(preview.coveredUsd).toBe(2_300n * E18);
    expect(preview.owedUsd).toBe(2_300n * E18);
  });
  it("reports what it cannot cover as the gap between owed and covered", () => {
    const preview = seizePreview({
      credits: [{ chainId: 1, token: USDC, balance: 10n * E6 }],
      collaterals: [usdc(1)],
      owedUsd: [0n, 100n * E18],
    });
    expect(preview.seizures).toHaveLength(1);
    expect(preview.seizures[0]?.consumer).toBe(1);
    expect(preview.owedUsd - preview.coveredUsd).toBeGreaterThan(90n * E18);
  });
});

describe("stressAccount", () => {
  const credits = [{ chainId: 1, token: USDC, balance: 1_000n * E6 }];
  it("flags the liquidation test's account: 2 ETH long from $3 000, ETH at $2 600, $1 000 of USDC", () => {
    const result = stressAccount({
      credits,
      collaterals: [usdc(1)],
      markets: [market(2_600n * E8)],
      positions: [long(2n * E18, 3_000n * E18)],
    });
    expect(result.margin.maintenanceUsd).toBe(1_060n * E18);
    expect(result.margin.liquidationUsd).toBe(990n * E18);
    expect(result.liquidatable).toBe(true);
    expect(result.shortfallUsd).toBe(70n * E18);
    expect(result.seizure?.owedUsd).toBe(1_060n * E18);
  });
  it("is not liquidatable without a requirement, or when the market's price is not positive", () => {
    const noPosition = stressAccount({
      credits: [],
      collaterals: [usdc(1)],
      markets: [market(E8)],
      positions: [],
    });
    expect(noPosition.liquidatable).toBe(false);
    const unpriced = stressAccount({
      credits: [],
      collaterals: [usdc(1)],
      markets: [market(0n)],
      positions: [long(E18, 3_000n * E18)],
    });
    expect(unpriced.margin.maintenanceUsd).toBeGreaterThan(0n);
    expect(unpriced.liquidatable).toBe(false);
  });
  it("counts a debt without a position as owed", () => {
    const result = stressAccount({
      credits,
      collaterals: [usdc(1)],
      markets: [market(E8)],
      positions: [long(0n, 0n, 2_000n * E18)],
    });
    expect(result.liquidatable).toBe(true);
    expect(result.seizure?.owedUsd).toBe(2_000n * E18);
  });
});

// A random book: each account holds USDC on chain 1 and wstETH on chain 2 and one position.
const book = fc.array(
  fc.record({
    usdc: fc.bigInt({ min: 0n, max: 50_000n * E6 }),
    eth: fc.bigInt({ min: 0n, max: 20n * E18 }),
    size: fc.bigInt({ min: -20n * E18, max: 20n * E18 }),
    entry: fc.bigInt({ min: 1_000n * E18, max: 5_000n * E18 }),
    debt: fc.bigInt({ min: 0n, max: 1_000n * E18 }),
  }),
  { minLength: 1, maxLength: 20 },
);
const shock = fc.bigInt({ min: -E18 + 1n, max: E18 });
const liquidatableCount = (
  accounts: readonly { usdc: bigint; eth: bigint; size: bigint; entry: bigint; debt: bigint }[],
  usdcShock: bigint,
  ethShock: bigint,
  perpShock: bigint,
) =>
  accounts.filter(
    (a) =>
      stressAccount({
        credits: [
          { chainId: 1, token: USDC, balance: a.usdc },
          { chainId: 2, token: WSTETH, balance: a.eth },
        ],
        collaterals: [usdc(1, shockAnswer(E8, usdcShock)), wsteth(shockAnswer(3_500n * E8, ethShock))],
        markets: [market(shockAnswer(3_000n * E8, perpShock))],
        positions: [long(a.size, a.entry, a.debt)],
      }).liquidatable,
  ).length;

describe("monotonicity", () => {
  it("a deeper fall of any collateral's price never liquidates fewer accounts", () => {
    fc.assert(
      fc.property(book, shock, shock, shock, shock, (accounts, a, b, eth, perp) => {
        const [mild, deep] = a < b ? [b, a] : [a, b];
        expect(liquidatableCount(accounts, deep, eth, perp)).toBeGreaterThanOrEqual(
          liquidatableCount(accounts, mild, eth, perp),
        );
        expect(liquidatableCount(accounts, eth, deep, perp)).toBeGreaterThanOrEqual(
          liquidatableCount(accounts, eth, mild, perp),
        );
      }),
      { numRuns: 200 },
    );
  });
  it("a perp shock is not monotone: a deeper fall can shrink a profitable long's requirement", () => {
    // 10 ETH long from $1 000, ETH at $3 000: maintenance = 5 % of the notional, $1 400 of collateral.
    const accounts = [{ usdc: 1_400n * E6, eth: 0n, size: 10n * E18, entry: 1_000n * E18, debt: 0n }];
    expect(liquidatableCount(accounts, 0n, 0n, 0n)).toBe(1); // $1 500 required
    expect(liquidatableCount(accounts, 0n, 0n, -5n * 10n ** 17n)).toBe(0); // ETH at $1 500: $750
  });
});
