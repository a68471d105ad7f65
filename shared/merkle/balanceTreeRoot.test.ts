import fc from "fast-check";
import { getAddress, keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { balanceBatchProof } from "./balanceBatchProof.js";
import type { BalanceLeaf } from "./balanceLeaf.js";
import { balanceTreeRoot } from "./balanceTreeRoot.js";
import { buildBalanceTree } from "./buildBalanceTree.js";
import { fullBatchProof } from "./fullBatchProof.js";

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

const distinct = (min: number, max: number) =>
  fc.uniqueArray(leaf, { minLength: min, maxLength: max, selector: (l) => `${l.account}:${l.token}` });

describe("balanceBatchProof", () => {
  test("equals fullBatchProof(buildBalanceTree(leaves)) for any leaves, in any input order", () => {
    fc.assert(
      fc.property(distinct(1, 40), (leaves) => {
        const expected = fullBatchProof(buildBalanceTree(leaves));
        expect(balanceBatchProof(leaves)).toEqual(expected);
        expect(balanceBatchProof([...leaves].reverse())).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  test("equals it for a full batch of 200 leaves", () => {
    const [leaves = []] = fc.sample(distinct(200, 200), { numRuns: 1, seed: 7 });
    expect(leaves).toHaveLength(200);
    expect(balanceBatchProof(leaves)).toEqual(fullBatchProof(buildBalanceTree(leaves)));
  });

  test("refuses an empty batch", () => {
    expect(() => balanceBatchProof([])).toThrow(RangeError);
  });
});
