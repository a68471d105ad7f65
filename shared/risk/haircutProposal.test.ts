import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type HaircutRiskView, haircutStep, targetHaircutBps } from "./haircutProposal.js";
import { realizedVolatility, SECONDS_PER_YEAR } from "./realizedVolatility.js";

const DAY = 86_400;

describe("realizedVolatility", () => {
  it("gives no σ without two answers in the window, with the reason", () => {
    expect(realizedVolatility({ observations: [], now: DAY })).toEqual({
      ok: false,
      reason: "0 answer(s) in the last 604800 s, need at least 2",
    });
    const one = realizedVolatility({ observations: [{ answer: 100n, updatedAt: DAY }], now: DAY });
    expect(one.ok).toBe(false);
    // two answers, one of them before the window
    const old = realizedVolatility({
      observations: [
        { answer: 100n, updatedAt: 0 },
        { answer: 110n, updatedAt: 8 * DAY },
      ],
      now: 8 * DAY,
    });
    expect(old.ok).toBe(false);
    const sameTime = realizedVolatility({
      observations: [
        { answer: 100n, updatedAt: DAY },
        { answer: 110n, updatedAt: DAY },
      ],
      now: DAY,
    });
    expect(sameTime).toEqual({ ok: false, reason: "every answer in the window has the same updatedAt" });
  });

  it("annualizes Σ r² by the elapsed time", () => {
    const r = realizedVolatility({
      observations: [
        { answer: 110n, updatedAt: 2 * DAY },
        { answer: 100n, updatedAt: 0 },
        { answer: 100n, updatedAt: DAY },
      ],
      now: 2 * DAY,
    });
    const expected = Math.sqrt((Math.log(1) ** 2 + Math.log(1.1) ** 2) / ((2 * DAY) / SECONDS_PER_YEAR));
    expect(r.ok && r.sigma).toBeCloseTo(expected, 12);
    expect(r.ok && r.returns).toBe(2);
  });

  it("is 0 for a constant price", () => {
    const r = realizedVolatility({
      observations: [0, 1, 2].map((i) => ({ answer: 2_000n * 10n ** 8n, updatedAt: i * 3600 })),
      now: 7200,
    });
    expect(r.ok && r.sigma).toBe(0);
  });
});

describe("targetHaircutBps", () => {
  it("is ceil(10000 z σ √(horizon/year)), clamped to the bounds", () => {
    // σ = 1: 10000 × 2.33 × √(1/365) = 1219.6 → 1220
    expect(targetHaircutBps({ sigma: 1, minBps: 0, maxBps: 9_000 })).toBe(1_220);
    expect(targetHaircutBps({ sigma: 1, minBps: 1_500, maxBps: 9_000 })).toBe(1_500);
    expect(targetHaircutBps({ sigma: 5, minBps: 0, maxBps: 3_000 })).toBe(3_000);
    expect(targetHaircutBps({ sigma: 0, minBps: 200, maxBps: 3_000 })).toBe(200);
    expect(targetHaircutBps({ sigma: Number.NaN, minBps: 200, maxBps: 3_000 })).toBe(3_000);
    expect(
      targetHaircutBps({ sigma: 1, minBps: 0, maxBps: 9_000, z: 1, horizonSeconds: SECONDS_PER_YEAR }),
    ).toBe(9_000); // 10,000 clamped to the max
  });

  it("never gives a lower target for a higher σ (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 9_999 }),
        (a, b, x, y) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const [minBps, maxBps] = x <= y ? [x, y] : [y, x];
          const low = targetHaircutBps({ sigma: lo, minBps, maxBps });
          const high = targetHaircutBps({ sigma: hi, minBps, maxBps });
          expect(high).toBeGreaterThanOrEqual(low);
          expect(low).toBeGreaterThanOrEqual(minBps);
          expect(high).toBeLessThanOrEqual(maxBps);
        },
      ),
    );
  });
});

describe("haircutStep", () => {
  const risk: HaircutRiskView = {
    minBps: 1_000,
    maxBps: 3_000,
    maxStepBpsPerDay: 500,
    anchorBps: 0,
    windowStart: 0,
  };

  it("steps towards the target by at most the step, opening a window", () => {
    expect(haircutStep({ currentBps: 1_500, targetBps: 2_800, risk, now: DAY })).toEqual({
      ok: true,
      proposedBps: 2_000,
    });
    expect(haircutStep({ currentBps: 1_500, targetBps: 1_700, risk, now: DAY })).toEqual({
      ok: true,
      proposedBps: 1_700,
    });
    expect(haircutStep({ currentBps: 1_500, targetBps: 1_000, risk, now: DAY })).toEqual({
      ok: true,
      proposedBps: 1_000,
    });
  });

  it("uses the rest of an open window, measured from its anchor", () => {
    const open = { ...risk, anchorBps: 1_500, windowStart: DAY };
    expect(haircutStep({ currentBps: 1_800, targetBps: 2_800, risk: open, now: DAY + 3600 })).toEqual({
      ok: true,
      proposedBps: 2_000,
    });
    const used = haircutStep({ currentBps: 2_000, targetBps: 2_800, risk: open, now: 2 * DAY - 1 });
    expect(used.ok).toBe(false);
    expect(!used.ok && used.reason).toMatch(/^step used up until /);
    // the window ended: a new one anchored at the current haircut
    expect(haircutStep({ currentBps: 2_000, targetBps: 2_800, risk: open, now: 2 * DAY })).toEqual({
      ok: true,
      proposedBps: 2_500,
    });
  });

  it("proposes nothing at the target, without bounds, or when the bounds are out of reach", () => {
    expect(haircutStep({ currentBps: 1_500, targetBps: 1_500, risk, now: DAY })).toEqual({
      ok: false,
      reason: "at the target",
    });
    expect(
      haircutStep({ currentBps: 1_500, targetBps: 1_600, risk: { ...risk, maxStepBpsPerDay: 0 }, now: DAY })
        .ok,
    ).toBe(false);
    expect(haircutStep({ currentBps: 200, targetBps: 1_000, risk, now: DAY }).ok).toBe(false);
  });

  it("never leaves the bounds nor the step from the anchor (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 0, max: 9_999 }),
        fc.integer({ min: 1, max: 2_000 }),
        (current, target, x, y, step) => {
          const [minBps, maxBps] = x <= y ? [x, y] : [y, x];
          const r = haircutStep({
            currentBps: current,
            targetBps: Math.min(maxBps, Math.max(minBps, target)),
            risk: { minBps, maxBps, maxStepBpsPerDay: step, anchorBps: 0, windowStart: 0 },
            now: DAY,
          });
          if (!r.ok) return;
          expect(r.proposedBps).toBeGreaterThanOrEqual(minBps);
          expect(r.proposedBps).toBeLessThanOrEqual(maxBps);
          expect(Math.abs(r.proposedBps - current)).toBeLessThanOrEqual(step);
        },
      ),
    );
  });
});
