import fc from "fast-check";
import { type Address, bytesToHex, getAddress, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS, type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { attestBalanceBatch } from "../../test/kit/attestBalanceBatch.js";
import { type CallOutcome, callOutcome } from "../../test/kit/contractRevert.js";
import { type DeployHubReturnType, deployHub } from "../../test/kit/deployHub.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import { marginHubAbi } from "../abis/generated.js";
import type { BalanceLeaf } from "./balanceLeaf.js";
import type { BalanceTree } from "./buildBalanceTree.js";
import { fullBatchProof } from "./fullBatchProof.js";
import { leafProof } from "./leafProof.js";

/**
 * Parity of `shared/merkle` with `MarginHub`'s proof checks on a real anvil: a tree built by
 * `buildBalanceTree` over random leaves, signed by 2 of 3 attesters, is accepted in full
 * (`fullBatchProof` → `submitBatch`) and leaf by leaf (`submitRoot`, then `leafProof` →
 * `applyLeaf`), and every leaf's credit shows up in `creditedBalance`.
 */

const SRC_EID = 42_161;
const VAULT: Address = "0x00000000000000000000000000000000000BA117"; // any address serves as the vault
const SIZES = [1, 2, 7, 100] as const;
const UNKNOWN_GUID: Hex = `0x${"ab".repeat(32)}`;

let anvil: StartAnvilReturnType;
let hub: DeployHubReturnType;
let signerKeys: Hex[];
/** Makes every batch's nonce (and guid) unique. */
let batchIndex = 0;

beforeAll(async () => {
  anvil = await startAnvil();
  hub = await deployHub(anvil, { attesterKeys: ANVIL_KEYS.slice(1, 4), threshold: 2 });
  signerKeys = hub.attesters.slice(1).map((a) => a.key); // any two of the three
  await writeAndWait(anvil, {
    address: hub.address,
    abi: marginHubAbi,
    functionName: "setVault",
    args: [SRC_EID, VAULT],
  });
});
afterAll(async () => {
  await anvil?.stop();
});

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
const uint = (max: bigint) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.bigInt({ min: 0n, max }) },
    { weight: 1, arbitrary: fc.constantFrom(0n, max) },
  );

/** `n` leaves of the registered vault with distinct (account, token), read at `sourceBlock`. */
function leavesArb(n: number, sourceBlock: bigint): fc.Arbitrary<BalanceLeaf[]> {
  const leaf = fc.record({
    chainId: fc.constant(BigInt(SRC_EID)),
    vault: fc.constant(VAULT),
    account: address,
    token: address,
    balance: uint(2n ** 128n - 1n), // the hub rejects balances above uint128
    seq: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }), // above the stored 0, so every leaf applies
    inboundNonce: uint(2n ** 64n - 1n),
    sourceBlock: fc.constant(sourceBlock),
  });
  return fc.uniqueArray(leaf, { minLength: n, maxLength: n, selector: (l) => `${l.account}:${l.token}` });
}

/** Signs a batch of `leaves` read at the chain's latest block. */
async function attest(leaves: readonly BalanceLeaf[], sourceBlock: bigint) {
  const { timestamp } = await anvil.publicClient.getBlock();
  const batch = await attestBalanceBatch({
    hub: hub.address,
    hubChainId: anvil.chainId,
    srcEid: SRC_EID,
    vault: VAULT,
    leaves,
    sourceBlock,
    sourceTimestamp: timestamp,
    index: batchIndex++,
    signerKeys,
  });
  return { ...batch, sourceTimestamp: timestamp };
}

async function latestBlock(): Promise<bigint> {
  return anvil.publicClient.getBlockNumber();
}

async function expectCredited(leaves: readonly BalanceLeaf[]): Promise<void> {
  const credits = await Promise.all(
    leaves.map((l) =>
      anvil.publicClient.readContract({
        address: hub.address,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [l.account, l.chainId, l.token],
      }),
    ),
  );
  expect(credits).toEqual(leaves.map((l) => [l.balance, l.seq]));
}

/** Simulates a hub call; its result or decoded revert. */
function simulate(
  functionName: "submitBatch" | "applyLeaf",
  args: readonly unknown[],
): Promise<CallOutcome<unknown>> {
  return callOutcome(async () => {
    const { result } = await anvil.publicClient.simulateContract({
      address: hub.address,
      abi: marginHubAbi,
      functionName,
      // Typed per function by the callers below.
      args: args as never,
      account: anvil.walletClient.account,
    });
    return result;
  });
}

function revert(errorName: string, ...args: unknown[]): CallOutcome<unknown> {
  return { ok: false, revert: { errorName, args } };
}

/** The tree's leaves with one balance changed: same shape, a different hash. */
function tampered(tree: BalanceTree, leaves: readonly BalanceLeaf[]): BalanceLeaf[] {
  const [first, ...rest] = leaves;
  if (!first) throw new Error(`tree of ${tree.length} leaves has none`);
  return [{ ...first, balance: first.balance === 0n ? 1n : first.balance - 1n }, ...rest];
}

describe("full batches: fullBatchProof is accepted by submitBatch", () => {
  it.each(SIZES)("%i leaves", async (n) => {
    const sourceBlock = await latestBlock();
    await fc.assert(
      fc.asyncProperty(leavesArb(n, sourceBlock), async (leaves) => {
        const { tree, packet, guid, signatures } = await attest(leaves, sourceBlock);
        const proof = fullBatchProof(tree);
        expect(proof.leaves).toHaveLength(n);
        expect(new Set(proof.leaves.map((l) => `${l.account}:${l.token}`))).toEqual(
          new Set(leaves.map((l) => `${l.account}:${l.token}`)),
        );

        const args = [packet, signatures, proof.leaves, proof.proof, proof.proofFlags] as const;
        expect(
          await simulate("submitBatch", [
            ...args.slice(0, 2),
            tampered(tree, proof.leaves),
            ...args.slice(3),
          ]),
        ).toEqual(revert("MarginHub_InvalidProof"));
        expect(
          await simulate("submitBatch", [...args.slice(0, 2), proof.leaves.slice(1), ...args.slice(3)]),
        ).toEqual(revert("MarginHub_LeafCountMismatch", n, BigInt(n - 1)));

        await writeAndWait(anvil, {
          address: hub.address,
          abi: marginHubAbi,
          functionName: "submitBatch",
          args,
        });
        await expectCredited(leaves);
        expect(
          await anvil.publicClient.readContract({
            address: hub.address,
            abi: marginHubAbi,
            functionName: "batchSubmitted",
            args: [guid],
          }),
        ).toBe(true);
        expect(await simulate("submitBatch", [...args])).toEqual(
          revert("MarginHub_BatchAlreadySubmitted", guid),
        );
      }),
      { numRuns: n === 100 ? 3 : 10 },
    );
  });
});

describe("lazy batches: leafProof is accepted by applyLeaf after submitRoot", () => {
  it.each(SIZES)("%i leaves", async (n) => {
    const sourceBlock = await latestBlock();
    await fc.assert(
      fc.asyncProperty(leavesArb(n, sourceBlock), async (leaves) => {
        const {
          tree,
          packet,
          guid,
          signatures,
          sourceTimestamp: signedAt,
        } = await attest(leaves, sourceBlock);
        await writeAndWait(anvil, {
          address: hub.address,
          abi: marginHubAbi,
          functionName: "submitRoot",
          args: [packet, signatures],
        });
        const [root, srcEid, sourceTimestamp] = await anvil.publicClient.readContract({
          address: hub.address,
          abi: marginHubAbi,
          functionName: "batchRoot",
          args: [guid],
        });
        expect({ root, srcEid, sourceTimestamp }).toEqual({
          root: tree.root,
          srcEid: SRC_EID,
          sourceTimestamp: signedAt,
        });

        const [first, second] = leaves;
        if (first && second) {
          // Another leaf's proof does not prove this leaf.
          const other = leafProof(tree, second);
          expect(await simulate("applyLeaf", [guid, first, other])).toEqual(revert("MarginHub_InvalidProof"));
        }
        if (first) {
          expect(
            await simulate("applyLeaf", [
              guid,
              { ...first, balance: first.balance ^ 1n },
              leafProof(tree, first),
            ]),
          ).toEqual(revert("MarginHub_InvalidProof"));
          expect(await simulate("applyLeaf", [UNKNOWN_GUID, first, leafProof(tree, first)])).toEqual(
            revert("MarginHub_UnknownRoot", UNKNOWN_GUID),
          );
        }

        for (const leaf of leaves) {
          await writeAndWait(anvil, {
            address: hub.address,
            abi: marginHubAbi,
            functionName: "applyLeaf",
            args: [guid, leaf, leafProof(tree, leaf)],
          });
        }
        await expectCredited(leaves);
      }),
      { numRuns: n === 100 ? 2 : 5 },
    );
  });
});
