import { describe, expect, it } from "vitest";
import { liquidationCloseBps, perpLiquidation } from "./perpLiquidation.js";

const E18 = 10n ** 18n;
const base = {
  entryWad: 2_000n * E18,
  debtUsd: 0n,
  maintenanceMarginBps: 500,
  minPositionNotionalUsd: 100n * E18,
};

// The same cases as contracts/test/MarginHubCloseFactor.t.sol.
describe("perpLiquidation", () => {
  it("closes the share of a long, rounded up, and owes its loss plus the penalty", () => {
    const r = perpLiquidation({ ...base, size: 10n * E18, priceWad: 1_031n * E18, closeBps: 5_000 });
    expect(r).toEqual({
      closedSize: 5n * E18,
      closedDebtUsd: 0n,
      remainingSize: 5n * E18,
      remainingDebtUsd: 0n,
      owedUsd: 510_275n * 10n ** 16n,
    });
  });
  it("reduces a short by a third, keeping the sign", () => {
    const r = perpLiquidation({ ...base, size: -3n * E18, priceWad: 2_100n * E18, closeBps: 3_333 });
    expect(r.closedSize).toBe(-9_999n * 10n ** 14n);
    expect(r.remainingSize).toBe(-20_001n * 10n ** 14n);
    expect(r.owedUsd).toBe(2_049_795n * 10n ** 14n);
  });
  it("closes the debt's share with the position, and all of it when no position would remain", () => {
    const withDebt = { ...base, entryWad: 1_750n * E18, priceWad: 1_750n * E18, debtUsd: 2_500n * E18 };
    expect(perpLiquidation({ ...withDebt, size: E18, closeBps: 5_000 })).toMatchObject({
      remainingDebtUsd: 1_250n * E18,
      owedUsd: 129_375n * 10n ** 16n,
    });
    const tiny = { ...base, size: 3n, priceWad: 2_000n * E18, minPositionNotionalUsd: 0n };
    expect(perpLiquidation({ ...tiny, closeBps: 5_000 }).remainingSize).toBe(1n);
    expect(perpLiquidation({ ...tiny, size: 1n, debtUsd: 7n, closeBps: 1 })).toMatchObject({
      remainingSize: 0n,
      remainingDebtUsd: 0n,
    });
  });
  it("closes everything rather than leave less than the minimum", () => {
    const p = { ...base, size: E18 / 10n, priceWad: 2_000n * E18 };
    expect(perpLiquidation({ ...p, closeBps: 5_000 }).remainingSize).toBe(E18 / 20n); // $100 stays
    expect(perpLiquidation({ ...p, closeBps: 6_000 })).toMatchObject({
      remainingSize: 0n,
      owedUsd: 10n * E18,
    });
    const debtOnly = { ...base, size: 0n, priceWad: 0n, debtUsd: 2_500n * E18, closeBps: 5_000 };
    expect(perpLiquidation(debtOnly)).toMatchObject({
      remainingDebtUsd: 1_250n * E18,
      owedUsd: 1_250n * E18,
    });
    expect(perpLiquidation({ ...debtOnly, debtUsd: 150n * E18 })).toMatchObject({
      remainingDebtUsd: 0n,
      owedUsd: 150n * E18,
    });
  });
  it("closes all at 10000 bps, as before the close factor", () => {
    const r = perpLiquidation({ ...base, size: 10n * E18, priceWad: 1_000n * E18, closeBps: 10_000 });
    expect(r).toMatchObject({ remainingSize: 0n, owedUsd: 10_500n * E18 });
  });
});

describe("liquidationCloseBps", () => {
  const cf = { closeFactorBps: 5_000, fullLiquidationHealthBps: 9_500 };
  it("is the close factor at or above the threshold health, all below it", () => {
    expect(liquidationCloseBps({ ...cf, liquidationUsd: 9_405n * E18, maintenanceUsd: 9_900n * E18 })).toBe(
      5_000n,
    );
    expect(
      liquidationCloseBps({ ...cf, liquidationUsd: 9_405n * E18, maintenanceUsd: 9_900n * E18 + 1n }),
    ).toBe(10_000n);
  });
  it("is all when the close factor is 10000 or unset", () => {
    const m = { liquidationUsd: 99n * E18, maintenanceUsd: 100n * E18 };
    expect(liquidationCloseBps({ ...m, closeFactorBps: 10_000, fullLiquidationHealthBps: 0 })).toBe(10_000n);
    expect(liquidationCloseBps({ ...m, closeFactorBps: 0, fullLiquidationHealthBps: 0 })).toBe(10_000n);
  });
});
