import { describe, expect, test } from "vitest";
import { notePending, observeHead, pendingBlocks, setPendingBlocks } from "./finalityHint.js";

// Module state: each test uses its own chain ids (a rewind clears every chain, so that test runs last).
describe("finalityHint", () => {
  test("a chain is unknown until the database filled it; then every non-final write is noted", () => {
    notePending(901, "balances", 5n);
    expect(pendingBlocks(901)).toBeUndefined();
    setPendingBlocks(901, { balances: [3n], messages: [] });
    notePending(901, "balances", 7n);
    notePending(901, "messages", 6n);
    notePending(902, "balances", 1n);
    expect(pendingBlocks(901)).toEqual({ balances: new Set([3n, 7n]), messages: new Set([6n]) });
    expect(pendingBlocks(902)).toBeUndefined();
  });

  test("a head that does not move forward (a reorg) makes every chain unknown", () => {
    setPendingBlocks(911, { balances: [1n], messages: [] });
    setPendingBlocks(912, { balances: [2n], messages: [] });
    expect(observeHead(911, 10n)).toBe(false);
    expect(observeHead(911, 11n)).toBe(false);
    expect(pendingBlocks(911)).toBeDefined();
    expect(observeHead(911, 11n)).toBe(true);
    expect(pendingBlocks(911)).toBeUndefined();
    expect(pendingBlocks(912)).toBeUndefined();
  });
});
