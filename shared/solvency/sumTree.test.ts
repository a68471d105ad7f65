import { type Address, concat, type Hex, keccak256, numberToHex, pad } from "viem";
import { describe, expect, test } from "vitest";
import { seededRandom } from "../../test/kit/seededRandom.js";
import { MAX_UINT256 } from "../margin/uint256.js";
import { buildSumTree, pathShape, type SumTreeLeaf } from "./buildSumTree.js";
import { SumProofFormatError, SumTreeDuplicateLeafError, SumTreeRangeError } from "./errors.js";
import { parseSumProof, type SumProofJson, sumProofToJson } from "./parseSumProof.js";
import { EMPTY_ROOT_HASH, sumLeaf, sumParent } from "./sumTreeHash.js";
import { type SumProof, sumTreeProof } from "./sumTreeProof.js";
import { verifySumProof } from "./verifySumProof.js";

const random = seededRandom(21_8);
const hex = (bytes: number): Hex =>
  `0x${Array.from({ length: bytes * 2 }, () => Math.floor(random() * 16).toString(16)).join("")}`;
const leavesOf = (n: number): SumTreeLeaf[] =>
  Array.from({ length: n }, () => ({
    account: hex(20) as Address, // 20 random bytes: an address
    salt: hex(32),
    value: BigInt(Math.floor(random() * 1e9)) * 10n ** 15n,
  }));
const SIZES = [1, 2, 3, 4, 5, 7, 8, 13];

describe("buildSumTree / sumTreeProof / verifySumProof", () => {
  test.each(SIZES)("%i leaves: every leaf verifies and the root's sum is the total", (n) => {
    const leaves = leavesOf(n);
    const tree = buildSumTree(leaves);
    expect(tree.root.sum).toBe(leaves.reduce((sum, leaf) => sum + leaf.value, 0n));
    for (const leaf of leaves) {
      const proof = sumTreeProof(tree, leaf.account.toUpperCase().replace("0X", "0x") as Address);
      expect(proof?.value).toBe(leaf.value);
      expect(verifySumProof(proof!, { hash: tree.root.hash, sum: tree.root.sum })).toEqual({
        ok: true,
        root: tree.root,
      });
    }
  });

  test("the root does not depend on the input order; leaves are sorted by address", () => {
    const leaves = leavesOf(9);
    const tree = buildSumTree(leaves);
    expect(buildSumTree([...leaves].reverse()).root).toEqual(tree.root);
    const accounts = tree.leaves.map((l) => l.account);
    expect(accounts).toEqual([...accounts].sort());
  });

  test("the hashing is the documented abi.encodePacked layout (an independent byte-level encoding)", () => {
    const [a, b, c] = leavesOf(3).sort((x, y) => (x.account < y.account ? -1 : 1));
    const leaf = (l: SumTreeLeaf) =>
      keccak256(concat(["0x00", l.account, l.salt, pad(numberToHex(l.value), { size: 32 })]));
    const node = (l: { hash: Hex; sum: bigint }, r: { hash: Hex; sum: bigint }) => ({
      hash: keccak256(
        concat([
          "0x01",
          l.hash,
          pad(numberToHex(l.sum), { size: 32 }),
          r.hash,
          pad(numberToHex(r.sum), { size: 32 }),
        ]),
      ),
      sum: l.sum + r.sum,
    });
    const ab = node({ hash: leaf(a!), sum: a!.value }, { hash: leaf(b!), sum: b!.value });
    // Three leaves: (a, b) pair up, c is carried up alone and pairs with them at the next level.
    expect(buildSumTree([c!, a!, b!]).root).toEqual(node(ab, { hash: leaf(c!), sum: c!.value }));
  });

  test("changing any leaf's value, address or salt changes the root", () => {
    const leaves = leavesOf(7);
    const root = buildSumTree(leaves).root.hash;
    const seen = new Set([root]);
    leaves.forEach((leaf, i) => {
      const changed = (patch: Partial<SumTreeLeaf>) =>
        buildSumTree(leaves.map((l, j) => (j === i ? { ...l, ...patch } : l))).root.hash;
      for (const hash of [
        changed({ value: leaf.value + 1n }),
        changed({ account: hex(20) as Address }), // 20 random bytes
        changed({ salt: hex(32) }),
      ]) {
        expect(seen.has(hash)).toBe(false);
        seen.add(hash);
      }
    });
  });

  test("the empty tree: the zero hash, sum 0, no proof; one leaf: the root is the leaf", () => {
    const empty = buildSumTree([]);
    expect(empty.root).toEqual({ hash: EMPTY_ROOT_HASH, sum: 0n });
    expect(sumTreeProof(empty, hex(20) as Address)).toBeUndefined(); // 20 random bytes
    const [only] = leavesOf(1);
    const single = buildSumTree([only!]);
    expect(single.root).toEqual(sumLeaf(only!));
    expect(sumTreeProof(single, only!.account)?.siblings).toEqual([]);
  });

  test("an account without a leaf has no proof", () => {
    const tree = buildSumTree(leavesOf(5));
    expect(sumTreeProof(tree, hex(20) as Address)).toBeUndefined(); // 20 random bytes
  });

  test("a negative value, a value above 2^256 − 1 and sums overflowing uint256 are refused", () => {
    const [a, b] = leavesOf(2);
    expect(() => buildSumTree([{ ...a!, value: -1n }])).toThrow(SumTreeRangeError);
    expect(() => buildSumTree([{ ...a!, value: -1n }])).toThrow(/value of 0x[0-9a-f]{40} is negative \(-1\)/);
    expect(() => buildSumTree([{ ...a!, value: MAX_UINT256 + 1n }])).toThrow(/above 2\^256 − 1/);
    expect(buildSumTree([{ ...a!, value: MAX_UINT256 }]).root.sum).toBe(MAX_UINT256);
    expect(() =>
      buildSumTree([
        { ...a!, value: MAX_UINT256 },
        { ...b!, value: 1n },
      ]),
    ).toThrow(/sum at level 1 node 0 is above 2\^256 − 1/);
    expect(() => sumParent({ hash: EMPTY_ROOT_HASH, sum: -5n }, sumLeaf(b!))).toThrow(SumTreeRangeError);
  });

  test("two leaves for one account (in any case) are refused", () => {
    const [a, b] = leavesOf(2);
    expect(() =>
      buildSumTree([a!, { ...b!, account: a!.account.toUpperCase().replace("0X", "0x") as Address }]),
    ).toThrow(SumTreeDuplicateLeafError);
  });

  test("pathShape: sibling sides per level, null where an odd last node is carried up", () => {
    expect(pathShape(0, 1)).toEqual([]);
    expect(pathShape(4, 5)).toEqual([null, null, "left"]);
    expect(pathShape(3, 5)).toEqual(["left", "left", "right"]);
    expect(pathShape(2, 3)).toEqual([null, "left"]);
    expect(() => pathShape(5, 5)).toThrow(RangeError);
  });
});

describe("verifySumProof refuses a tampered proof", () => {
  const leaves = leavesOf(6);
  const tree = buildSumTree(leaves);
  const proof = sumTreeProof(tree, leaves[2]!.account)!;
  const withSibling = (patch: Partial<SumProof["siblings"][number]>, at = 0): SumProof => ({
    ...proof,
    siblings: proof.siblings.map((s, i) => (i === at ? { ...s, ...patch } : s)),
  });
  const reasonOf = (p: SumProof, expected = {}) => {
    const verdict = verifySumProof(p, expected);
    return verdict.ok ? "ok" : verdict.reason;
  };

  test("the untouched proof verifies", () => {
    expect(reasonOf(proof)).toBe("ok");
  });

  test.each([0, 1, 2])("sibling %i's sum + 1, or its hash changed", (at) => {
    const sibling = proof.siblings[at]!;
    expect(reasonOf(withSibling({ sum: sibling.sum + 1n }, at))).toMatch(/the proof's root hash/);
    expect(reasonOf(withSibling({ hash: hex(32) }, at))).toMatch(/the proof's root hash/);
  });

  test("a sibling moved to the other side, dropped, or a wrong index", () => {
    expect(reasonOf(withSibling({ side: proof.siblings[0]!.side === "left" ? "right" : "left" }))).toMatch(
      /sibling 0 is on the/,
    );
    expect(reasonOf({ ...proof, siblings: proof.siblings.slice(1) })).toMatch(
      /has 3 siblings on its path, the proof gives 2/,
    );
    expect(reasonOf({ ...proof, index: proof.index + 1 })).not.toBe("ok");
    expect(reasonOf({ ...proof, index: proof.leafCount })).toMatch(/not in a tree of 6 leaves/);
  });

  test("a changed value, salt or account; a root claimed with a larger total", () => {
    expect(reasonOf({ ...proof, value: proof.value + 1n })).toMatch(/the proof's root hash/);
    expect(reasonOf({ ...proof, salt: hex(32) })).toMatch(/the proof's root hash/);
    expect(reasonOf({ ...proof, account: leaves[3]!.account.toLowerCase() as Address })).toMatch(/root hash/);
    expect(reasonOf({ ...proof, root: { ...proof.root, sum: proof.root.sum + 1n } })).toMatch(
      /the proof's total/,
    );
  });

  test("a negative or overflowing sibling sum is refused, not wrapped", () => {
    expect(reasonOf(withSibling({ sum: -1n }))).toMatch(/negative/);
    expect(reasonOf(withSibling({ sum: MAX_UINT256 }))).toMatch(/above 2\^256 − 1/);
  });

  test("checked against a published root: another hash or another total fails", () => {
    expect(reasonOf(proof, { hash: tree.root.hash.toUpperCase().replace("0X", "0x") })).toBe("ok");
    expect(reasonOf(proof, { hash: buildSumTree(leavesOf(6)).root.hash })).toMatch(/the expected root hash/);
    expect(reasonOf(proof, { sum: tree.root.sum - 1n })).toMatch(/the expected total/);
  });
});

describe("parseSumProof", () => {
  const tree = buildSumTree(leavesOf(4));
  const proof = sumTreeProof(tree, tree.leaves[1]!.account)!;
  const json = (): SumProofJson => JSON.parse(JSON.stringify(sumProofToJson(proof)));

  test("round-trips the JSON form", () => {
    expect(parseSumProof(json())).toEqual(proof);
  });

  test.each([
    [
      "value",
      (j: SumProofJson) => (j.value = "-5"),
      /value: expected a non-negative integer as a decimal string, got "-5"/,
    ],
    [
      "siblings.1.sum",
      (j: SumProofJson) => Object.assign(j.siblings[1]!, { sum: 12 }),
      /siblings\.1\.sum: expected a non-negative integer/,
    ],
    [
      "siblings.0.side",
      (j: SumProofJson) => (j.siblings[0]!.side = "up"),
      /siblings\.0\.side: expected "left" or "right"/,
    ],
    ["root", (j: SumProofJson) => (j.root = "0x12"), /root: expected 32 bytes of hex/],
    [
      "total",
      (j: SumProofJson) => (j.total = "1.5"),
      /total: expected a non-negative integer as a decimal string, got "1.5"/,
    ],
    ["account", (j: SumProofJson) => (j.account = "nope"), /account: expected an address/],
    [
      "version",
      (j: SumProofJson) => Object.assign(j, { version: "v0" }),
      /version: expected "crossmargin-solvency-v1"/,
    ],
    ["index", (j: SumProofJson) => (j.index = -1), /index: expected a non-negative integer, got -1/],
  ])("names a malformed %s", (_field, mutate, message) => {
    const j = json();
    mutate(j);
    expect(() => parseSumProof(j)).toThrow(SumProofFormatError);
    expect(() => parseSumProof(j)).toThrow(message);
  });
});
