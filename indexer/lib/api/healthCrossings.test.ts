import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { healthCrossings } from "./healthCrossings.js";

const A = "0x000000000000000000000000000000000000000a" as Address;
const B = "0x000000000000000000000000000000000000000b" as Address;
const C = "0x000000000000000000000000000000000000000c" as Address;

describe("healthCrossings", () => {
  it("reports accounts that fell under the threshold and those back over it, not those that stayed", () => {
    const before = new Map([
      [A, 9n],
      [B, 8n],
    ]);
    const now = new Map([
      [B, 7n],
      [C, 5n],
    ]);
    expect(healthCrossings(before, now, new Map([[A, 20n]]))).toEqual([
      { account: A, direction: "above", healthFactor: 20n },
      { account: C, direction: "below", healthFactor: 5n },
    ]);
  });
  it("gives null health to an account that left without a computable margin, and nothing when nothing moved", () => {
    expect(healthCrossings(new Map([[A, 1n]]), new Map(), new Map())).toEqual([
      { account: A, direction: "above", healthFactor: null },
    ]);
    expect(healthCrossings(new Map([[A, 1n]]), new Map([[A, 2n]]), new Map())).toEqual([]);
  });
});
