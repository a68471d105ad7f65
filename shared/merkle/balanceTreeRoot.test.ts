import fc from "fast-check";
import { getAddress, keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import type { BalanceLeaf } from "./balanceLeaf.js";
import { balanceTreeRoot } from "./balanceTreeRoot.js";
import { buildBalanceTree } from "./buildBalanceTree.js";

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(toHex(bytes)));
const uint = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n });
const leaf: fc.Arbitrary<BalanceLeaf> = fc.record({
  chainId: uint(64),
  vault: address,
  account: address,
  token: address,
  balance: uint(256),
  seq: uint(64),
  inboundNonce: uint(64),
  sourceBlock: uint(64),
});

describe("balanceTreeRoot", () => {
  test("equals buildBalanceTree(leaves).root for any leaves", () => {
    fc.assert(
      fc.property(fc.array(leaf, { minLength: 1, maxLength: 40 }), (leaves) => {
        expect(balanceTreeRoot(leaves)).toBe(buildBalanceTree(leaves).root.toLowerCase());
      }),
      { numRuns: 200 },
    );
  });

  test("equals it for 500 leaves too, and does not depend on their order", () => {
    const leaves = Array.from(
      { length: 500 },
      (_, i): BalanceLeaf => ({
        chainId: 31338n,
        vault: getAddress(`0x${"11".repeat(20)}`),
        account: getAddress(keccak256(toHex(i)).slice(0, 42)),
        token: getAddress(`0x${"22".repeat(20)}`),
        balance: BigInt(i) * 10n ** 6n,
        seq: BigInt(i % 7),
        inboundNonce: 0n,
        sourceBlock: 1234n,
      }),
    );
    const root = buildBalanceTree(leaves).root.toLowerCase();
    expect(balanceTreeRoot(leaves)).toBe(root);
    expect(balanceTreeRoot([...leaves].reverse())).toBe(root);
  });

  test("refuses an empty batch", () => {
    expect(() => balanceTreeRoot([])).toThrow(RangeError);
  });
});
