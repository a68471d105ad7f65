import { describe, expect, test } from "vitest";
import { createFinalAtWrite } from "./finalAtWrite.js";

function setup(heads: (bigint | Error)[], depths: Record<number, number> = { 1: 5 }) {
  const reads: number[] = [];
  let clock = 0;
  const finality = createFinalAtWrite({
    readHead: async (chainId) => {
      reads.push(chainId);
      const head = heads.shift();
      if (head === undefined || head instanceof Error) throw head ?? new Error("no head");
      return head;
    },
    finalityDepth: (chainId) => depths[chainId],
    retryMs: 1_000,
    now: () => clock,
  });
  return { finality, reads, tick: (ms: number) => (clock += ms) };
}

describe("createFinalAtWrite", () => {
  test("a row at or below head − depth is final as written; the head is read once per chain", async () => {
    const { finality, reads } = setup([100n]);
    expect(await finality.isFinal(1, 95n)).toBe(true);
    expect(await finality.isFinal(1, 96n)).toBe(false);
    expect(await finality.isFinal(1, 3n)).toBe(true);
    expect(reads).toEqual([1]);
  });

  test("rows written at once share one read", async () => {
    const { finality, reads } = setup([100n]);
    expect(await Promise.all([finality.isFinal(1, 90n), finality.isFinal(1, 99n)])).toEqual([true, false]);
    expect(reads).toEqual([1]);
  });

  test("heads the Finality handler sees raise the cutoff, never lower it (a reorg replays lower heads)", async () => {
    const { finality, reads } = setup([100n]);
    expect(await finality.isFinal(1, 97n)).toBe(false);
    finality.observeHead(1, 102n);
    expect(await finality.isFinal(1, 97n)).toBe(true);
    finality.observeHead(1, 99n);
    expect(await finality.isFinal(1, 97n)).toBe(true);
    expect(reads).toEqual([1]);
  });

  test("an observed head spares the read; a chain shorter than its depth has nothing final", async () => {
    const { finality, reads } = setup([3n]);
    finality.observeHead(1, 50n);
    expect(await finality.isFinal(1, 45n)).toBe(true);
    expect(reads).toEqual([]);
    const short = setup([3n]);
    expect(await short.finality.isFinal(1, 0n)).toBe(false);
  });

  test("a chain not configured is never final at write, and is not read", async () => {
    const { finality, reads } = setup([100n]);
    expect(await finality.isFinal(7, 1n)).toBe(false);
    expect(reads).toEqual([]);
  });

  test("a failed read leaves rows to the Finality handler and is retried after the delay", async () => {
    const { finality, reads, tick } = setup([new Error("rpc down"), 100n]);
    expect(await finality.isFinal(1, 10n)).toBe(false);
    expect(await finality.isFinal(1, 10n)).toBe(false);
    expect(reads).toEqual([1]);
    tick(1_000);
    expect(await finality.isFinal(1, 10n)).toBe(true);
    expect(reads).toEqual([1, 1]);
  });
});
