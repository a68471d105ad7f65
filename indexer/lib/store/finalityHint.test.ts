import { describe, expect, test } from "vitest";
import {
  notePending,
  observeHead,
  pendingBlocks,
  REFILL_EVERY_BLOCKS,
  setPendingBlocks,
} from "./finalityHint.js";

// Module state: each test uses its own chain ids (a rewind clears every chain, so that test runs last).
describe("finalityHint", () => {
  test("a chain is unknown until the database filled it; then every non-final write is noted", () => {
    notePending(901, "balances", 5n);
    expect(pendingBlocks(901)).toBeUndefined();
    setPendingBlocks(901, { balances: [3n], messages: [] });
    notePending(901, "balances", 7n);
    notePending(901, "messages", 6n);
    notePending(902, "balances", 1n);
    expect(pendingBlocks(901)).toEqual(
      expect.objectContaining({ balances: new Set([3n, 7n]), messages: new Set([6n]) }),
    );
    expect(pendingBlocks(902)).toBeUndefined();
  });

  test("a chain filled at a head is unknown again REFILL_EVERY_BLOCKS later (a rolled-back run may have taken blocks the database still holds)", () => {
    setPendingBlocks(921, { balances: [100n], messages: [] }, 1_000n);
    // What a Finality run does, in a transaction Ponder may roll back: it takes the due block.
    pendingBlocks(921, 1_002n)?.balances.delete(100n);
    expect(pendingBlocks(921, 1_000n + REFILL_EVERY_BLOCKS - 1n)).toEqual(
      expect.objectContaining({ balances: new Set(), messages: new Set() }),
    );
    expect(pendingBlocks(921, 1_000n + REFILL_EVERY_BLOCKS)).toBeUndefined();
    // Once unknown, it stays unknown until the database is read again.
    expect(pendingBlocks(921, 1_001n)).toBeUndefined();
    setPendingBlocks(921, { balances: [100n], messages: [] }, 1_000n + REFILL_EVERY_BLOCKS);
    expect(pendingBlocks(921, 1_000n + REFILL_EVERY_BLOCKS)?.balances).toEqual(new Set([100n]));
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
