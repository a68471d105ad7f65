import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, test } from "vitest";
import { accountMargin } from "../../shared/margin/accountMargin.js";
import { MAX_UINT256 } from "../../shared/margin/uint256.js";
import {
  type CollateralInput,
  type ComputeAccountMarginParameters,
  computeAccountMargin,
  type MarketInput,
} from "./computeAccountMargin.js";
import { prepareMarginRisk } from "./prepareMarginRisk.js";

const WAD = 10n ** 18n;
const addr = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;
const USDC = addr(0x20);
const WSTETH = addr(0x40);
const USDC_FEED = addr(0x21);
const ETH_FEED = addr(0x41);
const MARKET = addr(0x60);

const collaterals: CollateralInput[] = [
  {
    chainId: 2,
    token: WSTETH,
    feed: ETH_FEED,
    feedDecimals: 8,
    tokenDecimals: 18,
    haircutBps: 1500,
    liquidationThresholdBps: 8800,
    capPerAccount: 0n,
    registeredBlock: 5n,
    registeredLogIndex: 1,
  },
  {
    chainId: 1,
    token: USDC,
    feed: USDC_FEED,
    feedDecimals: 8,
    tokenDecimals: 6,
    haircutBps: 200,
    liquidationThresholdBps: 9900,
    capPerAccount: 0n,
    registeredBlock: 5n,
    registeredLogIndex: 0,
  },
];
const market: MarketInput = {
  address: MARKET,
  feed: ETH_FEED,
  feedDecimals: 8,
  initialMarginBps: 1000,
  maintenanceMarginBps: 500,
};
const base: ComputeAccountMarginParameters = {
  balances: [
    { chainId: 1, token: USDC, balance: 10_000n * 10n ** 6n, pending: 1_000n * 10n ** 6n },
    { chainId: 2, token: WSTETH, balance: 2n * WAD, pending: 0n },
  ],
  credits: [{ chainId: 1, token: USDC, balance: 4_000n * 10n ** 6n }],
  collaterals,
  prices: [
    { feed: USDC_FEED, answer: 10n ** 8n },
    { feed: ETH_FEED, answer: 3_000n * 10n ** 8n },
  ],
  positions: [{ market: MARKET, size: 2n * WAD, entryPriceWad: 2_500n * WAD, debtUsd: 0n }],
  markets: [market],
};

describe("computeAccountMargin", () => {
  test("prices the free vault balances (not pending) and, beside them, the hub credits", () => {
    const result = computeAccountMargin(base);
    // USDC $10 000 (adjusted 98 %), wstETH 2 × $3 000 (85 %).
    expect(result.margin.collateralUsd).toBe(16_000n * WAD);
    expect(result.margin.adjustedUsd).toBe((9_800n + 5_100n) * WAD);
    expect(result.credited.collateralUsd).toBe(4_000n * WAD);
    expect(result.uncreditedUsd).toBe(12_000n * WAD);
    // Long 2 ETH at $3 000 (entry $2 500, in profit): notional $6 000.
    expect(result.margin.initialUsd).toBe(600n * WAD);
    expect(result.margin.maintenanceUsd).toBe(300n * WAD);
    expect(result.healthy).toBe(true);
    expect(result.liquidatable).toBe(false);
    expect(result.chainCount).toBe(2);
    expect(result.lines.map((l) => [l.chainId, l.uncredited])).toEqual([
      [1, 6_000n * 10n ** 6n],
      [2, 2n * WAD],
    ]);
  });

  test("is MarginHub.accountMargin (shared/margin) over the balances and over the credits", () => {
    const result = computeAccountMargin(base);
    const priced = [...collaterals].reverse().map((c) => ({
      chainId: c.chainId,
      token: c.token,
      config: c,
      feedDecimals: c.feedDecimals,
      price: base.prices.find((p) => p.feed === c.feed)?.answer ?? 0n,
    }));
    const requirements = [{ initialUsd: 600n * WAD, maintenanceUsd: 300n * WAD }];
    expect(result.margin).toEqual(
      accountMargin({ credits: base.balances, collaterals: priced, requirements }),
    );
    expect(result.credited).toEqual(
      accountMargin({ credits: base.credits, collaterals: priced, requirements }),
    );
  });

  test("an unconfigured token counts for nothing; a non-positive answer values at 0 and prices a position at its entry", () => {
    const result = computeAccountMargin({
      ...base,
      balances: [...base.balances, { chainId: 3, token: addr(0x99), balance: 5n, pending: 0n }],
      prices: [
        { feed: USDC_FEED, answer: 10n ** 8n },
        { feed: ETH_FEED, answer: -1n },
      ],
    });
    expect(result.margin.collateralUsd).toBe(10_000n * WAD);
    expect(result.lines.find((l) => l.chainId === 3)).toMatchObject({ registered: false, valueUsd: 0n });
    // At the entry price ($2 500): notional $5 000, no loss.
    expect(result.requirements[0]).toMatchObject({
      priceWad: 2_500n * WAD,
      initialUsd: 500n * WAD,
      maintenanceUsd: 250n * WAD,
    });
  });

  test("debt alone is the requirement; no requirement means the maximal health factor", () => {
    const withDebt = computeAccountMargin({
      ...base,
      positions: [{ market: MARKET, size: 0n, entryPriceWad: 0n, debtUsd: 7n * WAD }],
    });
    expect(withDebt.margin).toMatchObject({ initialUsd: 7n * WAD, maintenanceUsd: 7n * WAD });
    const none = computeAccountMargin({ ...base, positions: [] });
    expect(none.margin.healthFactor).toBe(MAX_UINT256);
    expect(none.requirements).toEqual([]);
  });

  test("the lines add up to the totals", () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 30n });
    const answer = fc.bigInt({ min: -(10n ** 10n), max: 10n ** 14n });
    fc.assert(
      fc.property(amount, amount, amount, amount, answer, answer, (u, up, w, credit, pu, pw) => {
        const result = computeAccountMargin({
          ...base,
          balances: [
            { chainId: 1, token: USDC, balance: u, pending: up },
            { chainId: 2, token: WSTETH, balance: w, pending: 0n },
          ],
          credits: [{ chainId: 2, token: WSTETH, balance: credit }],
          prices: [
            { feed: USDC_FEED, answer: pu },
            { feed: ETH_FEED, answer: pw },
          ],
          positions: [],
        });
        const sum = (pick: (l: (typeof result.lines)[number]) => bigint) =>
          result.lines.reduce((s, l) => s + pick(l), 0n);
        expect(sum((l) => l.valueUsd)).toBe(result.margin.collateralUsd);
        expect(sum((l) => l.adjustedUsd)).toBe(result.margin.adjustedUsd);
        expect(sum((l) => l.liquidationUsd)).toBe(result.margin.liquidationUsd);
        expect(sum((l) => l.creditedValueUsd)).toBe(result.credited.collateralUsd);
      }),
      { numRuns: 200 },
    );
  });

  test("a prepared risk values like the rows; only the held collaterals are walked, the sums are the hub's over all", () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 28n });
    const held = fc.option(amount, { nil: undefined });
    fc.assert(
      fc.property(held, held, held, held, fc.boolean(), fc.nat({ max: 3 }), (u, w, cu, cw, swap, cap) => {
        // Registration order from the rows, in either order; a cap on one collateral.
        const registered = collaterals.map((c, i) => ({
          ...c,
          registeredLogIndex: swap ? 1 - i : i,
          capPerAccount: i === 0 ? BigInt(cap) * WAD : 0n,
        }));
        const balances = [
          ...(u === undefined ? [] : [{ chainId: 1, token: USDC, balance: u, pending: 0n }]),
          ...(w === undefined ? [] : [{ chainId: 2, token: WSTETH, balance: w, pending: 1n }]),
        ];
        const credits = [
          ...(cu === undefined ? [] : [{ chainId: 1, token: USDC, balance: cu }]),
          ...(cw === undefined ? [] : [{ chainId: 2, token: WSTETH, balance: cw }]),
        ];
        const rows = { ...base, collaterals: registered, balances, credits };
        const byRows = computeAccountMargin(rows);
        const risk = prepareMarginRisk({ collaterals: registered, prices: base.prices, markets: [market] });
        const byRisk = computeAccountMargin({ balances, credits, positions: base.positions, risk });
        expect(byRisk).toEqual(byRows);
        expect(
          computeAccountMargin({ balances, credits, positions: base.positions, risk, lines: false }),
        ).toEqual({
          ...byRows,
          lines: [],
        });
        // The hub walks every registered collateral in registration order.
        const all = risk.collaterals;
        const requirements = byRows.requirements;
        const vault = balances.map((b) => ({ chainId: b.chainId, token: b.token, balance: b.balance }));
        expect(byRows.margin).toEqual(accountMargin({ credits: vault, collaterals: all, requirements }));
        expect(byRows.credited).toEqual(accountMargin({ credits, collaterals: all, requirements }));
      }),
      { numRuns: 200 },
    );
  });
});
