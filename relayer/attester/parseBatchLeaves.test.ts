import { getAddress, keccak256, toHex } from "viem";
import { describe, expect, test } from "vitest";
import { exampleConfig } from "../../shared/config/exampleConfig.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { balanceTreeRoot } from "../../shared/merkle/balanceTreeRoot.js";
import { buildBatchClaim } from "../../test/kit/buildBatchClaim.js";
import { AttestationRefusedError } from "./errors.js";
import { parseBatchLeaves } from "./parseBatchLeaves.js";

const config = parseConfig(exampleConfig());
const hub = config.chains["31337"];
const vaultChain = config.chains["31338"];
if (hub === undefined || vaultChain === undefined)
  throw new Error("exampleConfig lists chains 31337 and 31338");
const SOURCE_BLOCK = 40n;

function leaves(n: number): BalanceLeaf[] {
  return Array.from({ length: n }, (_, i) => ({
    chainId: BigInt(vaultChain?.chainId ?? 0),
    vault: getAddress(vaultChain?.contracts.vault ?? ""),
    account: getAddress(keccak256(toHex(i)).slice(0, 42)),
    token: getAddress(`0x${"40".padStart(40, "0")}`),
    balance: BigInt(i + 1) * 10n ** 18n,
    seq: BigInt(i + 1),
    inboundNonce: 0n,
    sourceBlock: SOURCE_BLOCK,
  }));
}

function claimOf(list: BalanceLeaf[]) {
  return buildBatchClaim({
    srcChainId: vaultChain?.chainId ?? 0,
    hubChainId: hub?.chainId ?? 0,
    sender: vaultChain?.contracts.vault ?? "0x",
    receiver: hub?.contracts.hub ?? "0x",
    leaves: list,
    sourceBlock: SOURCE_BLOCK,
    sourceTimestamp: 1_700_000_000n,
  });
}

describe("parseBatchLeaves", () => {
  test("parses the leaves and their root once per claim: a second attester of the same claim gets the same result", () => {
    const list = leaves(50);
    const claim = claimOf(list);
    const first = parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK);
    expect(first.leaves).toEqual(list);
    expect(first.root).toBe(balanceTreeRoot(list));
    expect(parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK)).toBe(first);
    // An equal claim in another object is parsed afresh, to the same answer.
    const copy = structuredClone(claim);
    const again = parseBatchLeaves(copy, vaultChain, SOURCE_BLOCK);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  test("a leaf changed in place after a parse is parsed again: a new root, or a refusal naming the field", () => {
    const list = leaves(5);
    const claim = claimOf(list);
    const before = parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK);
    const leaf = claim.leaves[2];
    if (leaf === undefined) throw new Error("the claim has 5 leaves");
    leaf.balance = "7";
    const after = parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK);
    expect(after.root).not.toBe(before.root);
    expect(after.root).toBe(balanceTreeRoot(list.map((l, i) => (i === 2 ? { ...l, balance: 7n } : l))));
    leaf.balance = "-1";
    expect(() => parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK)).toThrow(AttestationRefusedError);
    expect(() => parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK)).toThrow(/leaves\[2\]\.balance/);
  });

  test("a claim parsed for its chain and block is still refused for another chain or block", () => {
    const claim = claimOf(leaves(3));
    parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK);
    expect(() => parseBatchLeaves(claim, hub, SOURCE_BLOCK)).toThrow(/leaves\[0\]\.chainId/);
    expect(() => parseBatchLeaves(claim, vaultChain, SOURCE_BLOCK + 1n)).toThrow(/leaves\[0\]\.sourceBlock/);
  });
});
