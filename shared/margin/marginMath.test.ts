import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MarginMathInputError, MarginMathOverflowError } from "./errors.js";
import {
  applyBps,
  healthFactor,
  lossOf,
  notional,
  perpRequirement,
  pnl,
  priceToWad,
  value,
} from "./marginMath.js";
import { MAX_INT256, MAX_UINT256, MIN_INT256 } from "./uint256.js";

const E18 = 10n ** 18n;
const E8 = 10n ** 8n;
const E6 = 10n ** 6n;

describe("value", () => {
  it("prices 6-, 8- and 18-decimal tokens against an 8-decimal feed", () => {
    expect(value(1_500_000n, 6, 100_000_000n, 8)).toBe(1_500_000_000_000_000_000n); // 1.5 USDC at $1
    expect(value(2n * E8, 8, 60_000n * E8, 8)).toBe(120_000n * E18); // 2 WBTC at $60k
    expect(value(E18 / 2n, 18, 3_000n * E8, 8)).toBe(1_500n * E18); // 0.5 WETH at $3000
    expect(value(7n, 18, 3_000n * E8, 8)).toBe(21_000n); // 7 wei at $3000 → 21000 (exact)
    expect(value(1n, 18, 1n, 18)).toBe(0n); // d = 36: floor(1·1 / 1e18)
    expect(value(3n, 0, 5n, 0)).toBe(15n * E18); // d = 0
  });

  it("floors when d ≥ 18", () => {
    expect(value(1n, 18, 123_456_789n, 8)).toBe(1n); // mulDiv(1, 123456789, 1e8) = 1
    expect(value(999n, 12, 1n, 9)).toBe(0n); // d = 21: floor(999 / 1000)
  });

  it("matches floor(amount · price · 10^18 / 10^d) or overflows exactly when Solidity does", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: MAX_UINT256 }),
        fc.integer({ min: 0, max: 36 }),
        fc.bigInt({ min: 0n, max: MAX_UINT256 }),
        fc.integer({ min: 0, max: 36 }),
        (amount, td, price, fd) => {
          const d = BigInt(td + fd);
          const exact = (amount * price * E18) / 10n ** d;
          const reverts = d >= 18n ? exact > MAX_UINT256 : amount * price * 10n ** (18n - d) > MAX_UINT256;
          if (reverts) expect(() => value(amount, td, price, fd)).toThrow(MarginMathOverflowError);
          else expect(value(amount, td, price, fd)).toBe(exact);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reverts like Solidity at the extremes", () => {
    expect(value(MAX_UINT256, 18, 1n, 0)).toBe(MAX_UINT256);
    expect(() => value(MAX_UINT256, 18, 2n, 0)).toThrow(MarginMathOverflowError); // mulDiv result > 2^256−1
    expect(() => value(MAX_UINT256, 6, 1n, 8)).toThrow(MarginMathOverflowError); // amount·price·10^4
    expect(value(MAX_UINT256, 6, 0n, 8)).toBe(0n);
    expect(value(5n, 36, 7n, 59)).toBe(0n); // 10^77 fits
    expect(() => value(5n, 36, 7n, 60)).toThrow(/pow overflows/); // 10^78 does not, even for small values
    expect(() => value(-1n, 6, 1n, 8)).toThrow(MarginMathInputError);
    expect(() => value(1n, 256, 1n, 8)).toThrow(MarginMathInputError);
  });
});

describe("applyBps / healthFactor / priceToWad", () => {
  it("applyBps floors without intermediate overflow", () => {
    expect(applyBps(9_999n, 1)).toBe(0n);
    expect(applyBps(10_000n, 9_500)).toBe(9_500n);
    expect(applyBps(MAX_UINT256, 10_000)).toBe(MAX_UINT256);
    expect(applyBps(MAX_UINT256, 9_999n)).toBe((MAX_UINT256 * 9_999n) / 10_000n);
    expect(() => applyBps(MAX_UINT256, 10_001)).toThrow(MarginMathOverflowError);
  });

  it("healthFactor is max without a requirement and floors otherwise", () => {
    expect(healthFactor(0n, 0n)).toBe(MAX_UINT256);
    expect(healthFactor(123n, 0n)).toBe(MAX_UINT256);
    expect(healthFactor(3n * E18, 2n * E18)).toBe(1_500_000_000_000_000_000n);
    expect(healthFactor(1n, 3n)).toBe(333_333_333_333_333_333n);
    expect(healthFactor(MAX_UINT256, E18)).toBe(MAX_UINT256);
    expect(() => healthFactor(MAX_UINT256, 1n)).toThrow(MarginMathOverflowError);
  });

  it("priceToWad scales up below 18 decimals and truncates above", () => {
    expect(priceToWad(3_000n * E8, 8)).toBe(3_000n * E18);
    expect(priceToWad(5n, 18)).toBe(5n);
    expect(priceToWad(123_456n, 20)).toBe(1_234n);
    expect(priceToWad(7n, 95)).toBe(0n); // 10^77
    expect(() => priceToWad(0n, 96)).toThrow(MarginMathOverflowError); // 10^78 reverts first
    expect(() => priceToWad(MAX_UINT256, 0)).toThrow(MarginMathOverflowError);
  });
});

describe("perp math", () => {
  it("notional uses |size|, including int256.min", () => {
    expect(notional(10n * E18, 3_000n * E18)).toBe(30_000n * E18);
    expect(notional(-10n * E18, 3_000n * E18)).toBe(30_000n * E18);
    expect(notional(MIN_INT256, E18)).toBe(2n ** 255n);
    expect(notional(MIN_INT256, 2n * E18 - 1n)).toBe((2n ** 255n * (2n * E18 - 1n)) / E18); // just fits
    expect(() => notional(MIN_INT256, 2n * E18)).toThrow(MarginMathOverflowError); // 2^256 does not
  });

  it("pnl truncates towards zero like Solidity signed division", () => {
    expect(pnl(10n * E18, 3_000n * E18, 2_900n * E18)).toBe(-1_000n * E18);
    expect(pnl(-10n * E18, 3_000n * E18, 2_900n * E18)).toBe(1_000n * E18);
    expect(pnl(1n, 1n, 0n)).toBe(0n); // −1 / 1e18 → 0, not −1
    expect(pnl(-3n, 0n, E18 / 2n)).toBe(-1n); // −1.5 → −1
    expect(pnl(3n, 0n, E18 / 2n)).toBe(1n);
  });

  it("pnl reverts when a price exceeds int256 or the product overflows", () => {
    expect(() => pnl(1n, 0n, MAX_INT256 + 1n)).toThrow(/toInt256/);
    expect(() => pnl(1n, MAX_INT256 + 1n, 0n)).toThrow(/toInt256/);
    expect(() => pnl(MIN_INT256, E18 + 1n, E18)).toThrow(/mul overflows/); // int256.min · −1
    expect(() => pnl(2n, 0n, MAX_INT256)).toThrow(MarginMathOverflowError);
    expect(pnl(1n, 0n, MAX_INT256)).toBe(MAX_INT256 / E18);
    expect(() => pnl(MAX_INT256 + 1n, 0n, 0n)).toThrow(MarginMathInputError);
  });

  it("perpRequirement adds the loss and debt to both requirements", () => {
    const r = perpRequirement({
      size: 10n * E18,
      entryWad: 3_000n * E18,
      priceWad: 2_900n * E18,
      initialMarginBps: 1_000,
      maintenanceMarginBps: 500,
      debt: 7n,
    });
    expect(r).toEqual({
      initialUsd: 2_900n * E18 + 1_000n * E18 + 7n,
      maintenanceUsd: 1_450n * E18 + 1_000n * E18 + 7n,
    });
    const winning = perpRequirement({
      size: -E18,
      entryWad: 3_000n * E18,
      priceWad: 2_000n * E18,
      initialMarginBps: 1_000,
      maintenanceMarginBps: 500,
    });
    expect(winning).toEqual({ initialUsd: 200n * E18, maintenanceUsd: 100n * E18 }); // profit does not lower it
    expect(lossOf(-5n)).toBe(5n);
    expect(lossOf(MIN_INT256)).toBe(2n ** 255n);
    expect(lossOf(5n)).toBe(0n);
  });

  it("perpRequirement reverts when loss + debt overflows", () => {
    expect(() =>
      perpRequirement({
        size: -E18,
        entryWad: 0n,
        priceWad: E18,
        initialMarginBps: 0,
        maintenanceMarginBps: 0,
        debt: MAX_UINT256,
      }),
    ).toThrow(/add overflows/);
  });
});

describe("MarginMath constants", () => {
  it("a $1 6-decimal stable and an 18-decimal token agree on a dollar", () => {
    expect(value(E6, 6, E8, 8)).toBe(value(E18, 18, E8, 8));
  });
});
