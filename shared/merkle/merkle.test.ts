import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";
import { type Address, bytesToHex, concat, encodeAbiParameters, getAddress, type Hex, keccak256 } from "viem";
import { describe, expect, it } from "vitest";
import { type BalanceLeaf, balanceLeafTypes, leafHash, leafToValue, valueToLeaf } from "./balanceLeaf.js";
import { buildBalanceTree } from "./buildBalanceTree.js";
import { fullBatchProof } from "./fullBatchProof.js";
import { LeafNotInTreeError, leafProof } from "./leafProof.js";

const VAULT: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const TOKEN: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";

const leafOf = (i: number, balance: bigint): BalanceLeaf => ({
  chainId: 31338n,
  vault: VAULT,
  account: getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`),
  token: TOKEN,
  balance,
  seq: BigInt(i + 1),
  inboundNonce: 0n,
  sourceBlock: 42n,
});

/** OpenZeppelin `Hashes.commutativeKeccak256`. */
const hashPair = (a: Hex, b: Hex): Hex =>
  BigInt(a) < BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));

/** OpenZeppelin `MerkleProof.processMultiProof`, as MarginHub.submitBatch runs it on leaf hashes. */
function processMultiProof(proof: readonly Hex[], flags: readonly boolean[], leaves: readonly Hex[]): Hex {
  if (leaves.length + proof.length !== flags.length + 1) throw new Error("MerkleProofInvalidMultiproof");
  const hashes: Hex[] = [];
  let leafPos = 0;
  let hashPos = 0;
  let proofPos = 0;
  const next = (): Hex => (leafPos < leaves.length ? leaves[leafPos++]! : hashes[hashPos++]!);
  for (const flag of flags) {
    const a = next();
    const b = flag ? next() : proof[proofPos++]!;
    hashes.push(hashPair(a, b));
  }
  if (flags.length > 0) return hashes[flags.length - 1]!;
  return leaves.length > 0 ? leaves[0]! : proof[0]!;
}

/** OpenZeppelin `MerkleProof.processProof`. */
const processProof = (proof: readonly Hex[], leaf: Hex): Hex =>
  proof.reduce((acc, sibling) => hashPair(acc, sibling), leaf);

const leafArb = fc.record({
  chainId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  vault: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b))),
  account: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b))),
  token: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b))),
  balance: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  inboundNonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  sourceBlock: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
});

describe("balance leaves", () => {
  it("has the IMarginHub.Leaf types", () => {
    expect(balanceLeafTypes).toEqual([
      "uint64",
      "address",
      "address",
      "address",
      "uint256",
      "uint64",
      "uint64",
      "uint64",
    ]);
  });

  it("leafHash is keccak256(bytes.concat(keccak256(abi.encode(...)))) and matches the library", () => {
    const leaf = leafOf(0, 10n ** 18n);
    const encoded = encodeAbiParameters(
      [
        { type: "uint64" },
        { type: "address" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint64" },
        { type: "uint64" },
        { type: "uint64" },
      ],
      [31338n, VAULT, leaf.account, TOKEN, 10n ** 18n, 1n, 0n, 42n],
    );
    expect(leafHash(leaf)).toBe(keccak256(keccak256(encoded)));
    fc.assert(
      fc.property(leafArb, (l) => {
        const tree = buildBalanceTree([l]);
        expect(tree.leafHash(leafToValue(l))).toBe(leafHash(l));
        expect(tree.root).toBe(leafHash(l)); // a one-leaf tree's root is the leaf hash
        expect(valueToLeaf(leafToValue(l))).toEqual(l);
      }),
      { numRuns: 100 },
    );
  });
});

describe("leafHash refuses what abi.encode would refuse", () => {
  it("names the field of a number out of its type's range or a malformed address", () => {
    const leaf = leafOf(0, 1n);
    expect(() => leafHash({ ...leaf, seq: 2n ** 64n })).toThrow(
      /leaf seq: expected a uint64, got 18446744073709551616/,
    );
    expect(() => leafHash({ ...leaf, balance: -1n })).toThrow(/leaf balance: expected a uint256/);
    expect(() => leafHash({ ...leaf, token: "0x1234" })).toThrow(/leaf token: expected an address/);
    expect(leafHash({ ...leaf, balance: 2n ** 256n - 1n })).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe("buildBalanceTree / fullBatchProof", () => {
  it("gives every leaf in multiproof order with an empty proof that rebuilds the root", () => {
    fc.assert(
      fc.property(fc.array(leafArb, { minLength: 1, maxLength: 12 }), (leaves) => {
        const tree = buildBalanceTree(leaves);
        const { leaves: ordered, proof, proofFlags } = fullBatchProof(tree);
        expect(proof).toEqual([]);
        expect(ordered).toHaveLength(leaves.length);
        expect(new Set(ordered.map(leafHash))).toEqual(new Set(leaves.map(leafHash)));
        expect(processMultiProof(proof, proofFlags, ordered.map(leafHash))).toBe(tree.root);
      }),
      { numRuns: 100 },
    );
  });

  it("does not depend on the input order, and a changed balance changes the root", () => {
    const leaves = [0, 1, 2, 3, 4].map((i) => leafOf(i, BigInt(i) * 1000n));
    const root = buildBalanceTree(leaves).root;
    expect(buildBalanceTree([...leaves].reverse()).root).toBe(root);
    const changed = leaves.map((l, i) => (i === 2 ? { ...l, balance: l.balance + 1n } : l));
    expect(buildBalanceTree(changed).root).not.toBe(root);
  });

  it("dumps to JSON and loads back to the same root", () => {
    const tree = buildBalanceTree([leafOf(0, 2n ** 255n), leafOf(1, 5n)]);
    const loaded = StandardMerkleTree.load(JSON.parse(JSON.stringify(tree.dump())));
    expect(loaded.root).toBe(tree.root);
  });
});

describe("leafProof", () => {
  it("proves each leaf to the root (OpenZeppelin processProof)", () => {
    const leaves = [0, 1, 2, 3, 4, 5, 6].map((i) => leafOf(i, BigInt(i + 1) * 10n ** 6n));
    const tree = buildBalanceTree(leaves);
    for (const leaf of leaves) {
      expect(processProof(leafProof(tree, leaf), leafHash(leaf))).toBe(tree.root);
    }
  });

  it("throws LeafNotInTreeError for a leaf outside the tree", () => {
    const tree = buildBalanceTree([leafOf(0, 1n), leafOf(1, 2n)]);
    expect(() => leafProof(tree, leafOf(0, 3n))).toThrow(LeafNotInTreeError);
  });
});
