import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/BaseError.js";
import { finalBlock, isFinal } from "./finality.js";

describe("finalBlock", () => {
  it("is the head less the depth", () => {
    expect(finalBlock({ head: 100n, finalityDepth: 2 })).toBe(98n);
  });

  it("is the head itself at depth 0", () => {
    expect(finalBlock({ head: 100n, finalityDepth: 0 })).toBe(100n);
    expect(finalBlock({ head: 0n, finalityDepth: 0 })).toBe(0n);
  });

  it("never goes below the genesis block when the head is shorter than the depth", () => {
    expect(finalBlock({ head: 1n, finalityDepth: 2 })).toBe(0n);
    expect(finalBlock({ head: 2n, finalityDepth: 2 })).toBe(0n);
    expect(finalBlock({ head: 0n, finalityDepth: 5 })).toBe(0n);
  });

  it("refuses a depth that is negative or not an integer", () => {
    expect(() => finalBlock({ head: 10n, finalityDepth: -1 })).toThrow(ConfigError);
    expect(() => finalBlock({ head: 10n, finalityDepth: 1.5 })).toThrow(ConfigError);
  });
});

describe("isFinal", () => {
  it("takes the block at the cutoff as final and the next one as not", () => {
    expect(isFinal({ block: 98n, head: 100n, finalityDepth: 2 })).toBe(true);
    expect(isFinal({ block: 99n, head: 100n, finalityDepth: 2 })).toBe(false);
    expect(isFinal({ block: 97n, head: 100n, finalityDepth: 2 })).toBe(true);
  });

  it("takes the head as final at depth 0, and nothing beyond it", () => {
    expect(isFinal({ block: 100n, head: 100n, finalityDepth: 0 })).toBe(true);
    expect(isFinal({ block: 101n, head: 100n, finalityDepth: 0 })).toBe(false);
  });

  it("takes only the genesis block as final while the head is shorter than the depth", () => {
    expect(isFinal({ block: 0n, head: 1n, finalityDepth: 2 })).toBe(true);
    expect(isFinal({ block: 1n, head: 1n, finalityDepth: 2 })).toBe(false);
  });
});
