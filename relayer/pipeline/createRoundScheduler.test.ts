import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { createRoundScheduler } from "./createRoundScheduler.js";

/** A round that takes `ms` of (fake) time and records when it started. */
function slowRound(ms: number) {
  const starts: number[] = [];
  let active = 0;
  let overlapped = false;
  const run = async () => {
    starts.push(Date.now());
    active += 1;
    if (active > 1) overlapped = true;
    await new Promise((resolve) => setTimeout(resolve, ms));
    active -= 1;
  };
  return { run, starts, overlapped: () => overlapped };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("createRoundScheduler", () => {
  test("triggers within the window share one round, which starts a window after the first", async () => {
    const round = slowRound(10);
    const rounds = createRoundScheduler({ windowMs: 250, run: round.run });
    rounds.trigger();
    await vi.advanceTimersByTimeAsync(100);
    rounds.trigger();
    await vi.advanceTimersByTimeAsync(100);
    rounds.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(round.starts).toEqual([250]);
  });

  test("a trigger during a long round is served right after it when its window has passed", async () => {
    const round = slowRound(400);
    const rounds = createRoundScheduler({ windowMs: 250, run: round.run });
    rounds.trigger(); // round 1 runs 250 → 650
    await vi.advanceTimersByTimeAsync(300);
    rounds.trigger(); // at 300: its window ends at 550, before round 1 does
    await vi.advanceTimersByTimeAsync(2_000);
    expect(round.starts).toHaveLength(2);
    expect(round.starts[1]).toBeGreaterThanOrEqual(650); // after round 1 (no overlap) …
    expect(round.starts[1]).toBeLessThan(660); // … at once (a timer of 0 ms fires 1 fake ms later), not at 900
    expect(round.overlapped()).toBe(false);
  });

  test("a trigger late in a round still gets its whole window", async () => {
    const round = slowRound(400);
    const rounds = createRoundScheduler({ windowMs: 250, run: round.run });
    rounds.trigger(); // round 1 runs 250 → 650
    await vi.advanceTimersByTimeAsync(600);
    rounds.trigger(); // at 600: its window ends at 850
    await vi.advanceTimersByTimeAsync(2_000);
    expect(round.starts).toEqual([250, 850]);
  });

  test("no round without a trigger, and none after stop", async () => {
    const round = slowRound(10);
    const rounds = createRoundScheduler({ windowMs: 50, run: round.run });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(round.starts).toEqual([]);
    rounds.trigger();
    rounds.stop();
    rounds.trigger();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(round.starts).toEqual([]);
  });
});
