import fc from "fast-check";
import { getAddress, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { balanceBatchProof } from "./balanceBatchProof.js";
import type { BalanceLeaf } from "./balanceLeaf.js";
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
    const [leaves] = fc.sample(distinct(200, 200), { numRuns: 1, seed: 7 });
    expect(leaves).toHaveLength(200);
    expect(balanceBatchProof(leaves ?? [])).toEqual(fullBatchProof(buildBalanceTree(leaves ?? [])));
  });

  test("refuses an empty batch", () => {
    expect(() => balanceBatchProof([])).toThrow(RangeError);
  });
});
