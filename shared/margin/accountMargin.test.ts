import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { accountMargin, isHealthy, isLiquidatable, type MarginCollateral } from "./accountMargin.js";
import { MarginMathInputError, MarginMathOverflowError } from "./errors.js";
import { MAX_UINT256 } from "./uint256.js";

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const USDC: Address = "0x00000000000000000000000000000000000000A1";
const WETH: Address = "0x00000000000000000000000000000000000000a2";
const WBTC: Address = "0x00000000000000000000000000000000000000A3";

const usdc: MarginCollateral = {
  chainId: 31337n,
  token: USDC,
  config: { tokenDecimals: 6, haircutBps: 200, liquidationThresholdBps: 9_900, capPerAccount: 0n },
  feedDecimals: 8,
  price: E8, // $1
};
const weth: MarginCollateral = {
  chainId: 31338,
  token: WETH,
  config: { tokenDecimals: 18, haircutBps: 1_500, liquidationThresholdBps: 9_000, capPerAccount: 0n },
  feedDecimals: 8,
  price: 3_000n * E8,
};
const wbtc: MarginCollateral = {
  chainId: 31339n,
  token: WBTC,
  config: { tokenDecimals: 8, haircutBps: 2_000, liquidationThresholdBps: 8_500, capPerAccount: E8 }, // 1 BTC cap
  feedDecimals: 8,
  price: 60_000n * E8,
};

describe("accountMargin", () => {
  it("concentration: the floor for small credits, linear between, the cap for large ones (on counted units)", () => {
    // scale 100 WETH, 10 % at the scale, floor 1 %, cap 20 %; WETH $3,000, 15 % haircut, 90 % threshold.
    const concentration = { scale: 100n * E18, scalarBps: 1_000, lowerBps: 100, upperBps: 2_000 };
    const concentrated = { ...weth, config: { ...weth.config, concentration } };
    const at = (balance: bigint, col: MarginCollateral = concentrated) =>
      accountMargin({
        credits: [{ chainId: 31338, token: WETH, balance }],
        collaterals: [col],
        requirements: [],
      });
    const figures = (balance: bigint, col?: MarginCollateral) => {
      const m = at(balance, col);
      return [m.collateralUsd, m.adjustedUsd, m.liquidationUsd];
    };
    expect(figures(E18)).toEqual([3_000n * E18, 2_520n * E18, 2_670n * E18]); // 10 bps → floor 100
    expect(figures(50n * E18)).toEqual([150_000n * E18, 120_000n * E18, 127_500n * E18]); // 500 bps
    expect(figures(300n * E18)).toEqual([900_000n * E18, 585_000n * E18, 630_000n * E18]); // 3,000 → cap 2,000
    // 12.34 WETH: 123.4 bps floors to 123.
    const v = 37_020n * E18;
    expect(figures(1_234n * 10n ** 16n)).toEqual([v, (v * 8_377n) / 10_000n, (v * 8_877n) / 10_000n]);
    // the cap per account bounds the counted amount the discount sees: 300 WETH counted as 50
    const capped = { ...concentrated, config: { ...concentrated.config, capPerAccount: 50n * E18 } };
    expect(figures(300n * E18, capped)).toEqual(figures(50n * E18));
    // all zero is off
    const off = {
      ...weth,
      config: { ...weth.config, concentration: { scale: 0n, scalarBps: 0, lowerBps: 0, upperBps: 0 } },
    };
    expect(figures(300n * E18, off)).toEqual(figures(300n * E18, weth));
  });

  it("rejects a concentration whose cap leaves no weight (the hub refuses to set it)", () => {
    const concentration = { scale: 1n, scalarBps: 0, lowerBps: 8_600, upperBps: 8_600 };
    expect(() =>
      accountMargin({
        credits: [{ chainId: 31338, token: WETH, balance: 1n }],
        collaterals: [{ ...weth, config: { ...weth.config, concentration } }],
        requirements: [],
      }),
    ).toThrow(MarginMathInputError);
  });

  it("sums value, haircut and liquidation value over collaterals of 6, 8 and 18 decimals", () => {
    const margin = accountMargin({
      credits: [
        { chainId: 31337, token: USDC, balance: 1_000n * 10n ** 6n },
        { chainId: 31338n, token: WETH.toUpperCase().replace("0X", "0x") as Address, balance: 2n * E18 }, // any case
        { chainId: 31339, token: WBTC, balance: 3n * E8 }, // capped at 1 BTC
      ],
      collaterals: [usdc, weth, wbtc],
      requirements: [
        { initialUsd: 10_000n * E18, maintenanceUsd: 5_000n * E18 },
        { initialUsd: 1n, maintenanceUsd: 2n },
      ],
    });
    const collateralUsd = 1_000n * E18 + 6_000n * E18 + 60_000n * E18;
    const adjustedUsd = 980n * E18 + 5_100n * E18 + 48_000n * E18;
    const liquidationUsd = 990n * E18 + 5_400n * E18 + 51_000n * E18;
    const maintenanceUsd = 5_000n * E18 + 2n;
    expect(margin).toEqual({
      collateralUsd,
      adjustedUsd,
      liquidationUsd,
      initialUsd: 10_000n * E18 + 1n,
      maintenanceUsd,
      healthFactor: (liquidationUsd * E18) / maintenanceUsd,
    });
    expect(isHealthy(margin)).toBe(true);
    expect(isLiquidatable(margin)).toBe(false);
  });

  it("floors per collateral, then sums (not floor of the sum)", () => {
    const tiny = (token: Address, chainId: number): MarginCollateral => ({
      chainId,
      token,
      config: { tokenDecimals: 18, haircutBps: 5_000, liquidationThresholdBps: 5_000, capPerAccount: 0n },
      feedDecimals: 18,
      price: E18, // value of 1 wei at $1 = 1
    });
    const margin = accountMargin({
      credits: [
        { chainId: 1, token: USDC, balance: 1n },
        { chainId: 2, token: WETH, balance: 1n },
      ],
      collaterals: [tiny(USDC, 1), tiny(WETH, 2)],
      requirements: [],
    });
    expect(margin.collateralUsd).toBe(2n);
    expect(margin.adjustedUsd).toBe(0n); // floor(1/2) + floor(1/2), where floor(2/2) would be 1
    expect(margin.liquidationUsd).toBe(0n);
    expect(margin.healthFactor).toBe(MAX_UINT256);
  });

  it("skips collaterals without credit (even unpriceable ones) and ignores unregistered credits", () => {
    const broken: MarginCollateral = { ...weth, feedDecimals: 200 }; // 10^(218−18) would revert if priced
    const margin = accountMargin({
      credits: [
        { chainId: 31337, token: USDC, balance: 5n * 10n ** 6n },
        { chainId: 1, token: WBTC, balance: 10n ** 30n }, // not registered
        { chainId: 31338, token: WETH, balance: 0n },
      ],
      collaterals: [usdc, broken],
      requirements: [],
    });
    expect(margin.collateralUsd).toBe(5n * E18);
    expect(() =>
      accountMargin({
        credits: [{ chainId: 31338, token: WETH, balance: 1n }],
        collaterals: [broken],
        requirements: [],
      }),
    ).toThrow(MarginMathOverflowError);
  });

  it("values a collateral with a non-positive price at 0, like the hub's views", () => {
    for (const price of [0n, -5n * E8]) {
      const margin = accountMargin({
        credits: [{ chainId: 31338, token: WETH, balance: E18 }],
        collaterals: [{ ...weth, price }],
        requirements: [{ initialUsd: 1n, maintenanceUsd: 1n }],
      });
      expect(margin.collateralUsd).toBe(0n);
      expect(margin.healthFactor).toBe(0n);
      expect(isLiquidatable(margin)).toBe(true);
      expect(isHealthy(margin)).toBe(false);
    }
  });

  it("reverts (throws) where the hub's checked sums would", () => {
    const huge: MarginCollateral = {
      ...usdc,
      config: { ...usdc.config, tokenDecimals: 18 },
      feedDecimals: 0,
      price: 1n,
    };
    expect(() =>
      accountMargin({
        credits: [
          { chainId: 31337, token: USDC, balance: MAX_UINT256 },
          { chainId: 31338, token: WETH, balance: MAX_UINT256 },
        ],
        collaterals: [huge, { ...huge, chainId: 31338, token: WETH }],
        requirements: [],
      }),
    ).toThrow(/add overflows/);
    expect(() =>
      accountMargin({
        credits: [],
        collaterals: [],
        requirements: [
          { initialUsd: MAX_UINT256, maintenanceUsd: 0n },
          { initialUsd: 1n, maintenanceUsd: 0n },
        ],
      }),
    ).toThrow(MarginMathOverflowError);
  });

  it("rejects two credits for one collateral", () => {
    expect(() =>
      accountMargin({
        credits: [
          { chainId: 31337, token: USDC, balance: 1n },
          { chainId: 31337n, token: USDC, balance: 2n },
        ],
        collaterals: [usdc],
        requirements: [],
      }),
    ).toThrow(MarginMathInputError);
  });
});
