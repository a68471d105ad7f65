import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { afterAll, describe, expect, test } from "vitest";
import { MAX_UINT256 } from "../../shared/margin/uint256.js";
import { buildSumTree } from "../../shared/solvency/buildSumTree.js";
import { type SumProofJson, sumProofToJson } from "../../shared/solvency/parseSumProof.js";
import { sumTreeProof } from "../../shared/solvency/sumTreeProof.js";
import { runCli } from "../kit/runCli.js";

// `crossmargin verify-solvency` as a real process over proofs from shared/solvency (no chain
// needed); test/indexer/solvency.test.ts runs it against the indexer's API.
const dir = mkdtempSync(join(tmpdir(), "crossmargin-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const leaves = [1, 2, 3, 4, 5].map((i) => ({
  account: `0x${String(i).repeat(40)}` as Address, // 40 hex digits
  salt: `0x${String((i + 5) % 10).repeat(64)}` as Hex, // 64 hex digits
  value: BigInt(i) * 10n ** 21n,
}));
const tree = buildSumTree(leaves);
const proofOf = (i: number): SumProofJson => sumProofToJson(sumTreeProof(tree, leaves[i]!.account)!);
let files = 0;
const file = (content: unknown) => {
  const path = join(dir, `proof-${files++}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const verify = (...args: string[]) => runCli(["verify-solvency", ...args]);

describe("crossmargin verify-solvency (child process)", () => {
  test("every leaf's proof from a file verifies: exit 0 and what it proves", async () => {
    for (const [i, leaf] of leaves.entries()) {
      const run = await verify(
        file(proofOf(i)),
        "--root",
        tree.root.hash,
        "--total",
        tree.root.sum.toString(),
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`valid: ${leaf.account} is included with ${BigInt(i + 1) * 1000n} USD`);
      expect(run.stdout).toContain(`leaf ${i + 1} of 5`);
    }
  });

  test("a proof on stdin (-) verifies", async () => {
    const run = await runCli(["verify-solvency", "-"], { stdin: JSON.stringify(proofOf(2)) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`root ${tree.root.hash} (total 15000 USD)`);
  });

  test("a tampered sibling sum, value or salt: exit 1 and why", async () => {
    const proof = proofOf(1);
    const bumped = {
      ...proof,
      siblings: proof.siblings.map((s, i) => (i === 1 ? { ...s, sum: `${BigInt(s.sum) + 1n}` } : s)),
    };
    for (const tampered of [
      bumped,
      { ...proof, value: `${BigInt(proof.value) - 1n}` },
      { ...proof, salt: proof.root },
    ]) {
      const run = await verify(file(tampered));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /^invalid: the proof recomputes to 0x[0-9a-f]{64}, the proof's root hash is/,
      );
    }
  });

  test("a valid proof against another published root or total, or for another address: exit 1", async () => {
    const path = file(proofOf(0));
    const otherRoot = buildSumTree(leaves.slice(1)).root.hash;
    const wrongRoot = await verify(path, "--root", otherRoot);
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.stderr).toContain(`the expected root hash is ${otherRoot}`);
    const wrongTotal = await verify(path, "--total", "1");
    expect(wrongTotal.code).toBe(1);
    expect(wrongTotal.stderr).toContain("the expected total is 1");
    const wrongAccount = await verify(path, "--address", leaves[1]!.account);
    expect(wrongAccount.code).toBe(1);
    expect(wrongAccount.stderr).toContain(
      `the proof is for ${leaves[0]!.account}, not ${leaves[1]!.account}`,
    );
  });

  test("an overflowing sibling sum is refused, not wrapped: exit 1", async () => {
    const proof = proofOf(3);
    const run = await verify(
      file({
        ...proof,
        siblings: [{ ...proof.siblings[0]!, sum: MAX_UINT256.toString() }, ...proof.siblings.slice(1)],
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid: .*above 2\^256 − 1/);
  });

  test("a negative value, malformed JSON, a missing file or no proof at all: exit 2 naming the problem", async () => {
    const negative = await verify(file({ ...proofOf(0), value: "-1" }));
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('value: expected a non-negative integer as a decimal string, got "-1"');
    const notJson = file("{ nope");
    const malformed = await verify(notJson);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(`The proof is not JSON.`);
    expect(malformed.stderr).toContain(notJson);
    const missing = await verify(join(dir, "absent.json"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read the proof[\s\S]*absent\.json: ENOENT/);
    const none = await verify();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'argv: expected a proof file, - for stdin, or --api with --address, got "nothing"',
    );
    const badRoot = await verify(file(proofOf(0)), "--root", "0x12");
    expect(badRoot.code).toBe(2);
    expect(badRoot.stderr).toContain('--root: expected 32 bytes of hex (0x + 64 hex digits), got "0x12"');
  });

  test("--api without --address, or an unreachable indexer: exit 2", async () => {
    const noAddress = await verify("--api", "http://127.0.0.1:9");
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toContain("--address: expected an address with --api");
    const unreachable = await verify("--api", "http://127.0.0.1:9", "--address", leaves[0]!.account);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain("Cannot reach the indexer.");
  });
});
