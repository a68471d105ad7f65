import {
  type Address,
  getAddress,
  type Hex,
  keccak256,
  parseUnits,
  type TransactionReceipt,
  toHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  bulkDepositorAbi,
  bulkDepositorBytecode,
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
} from "../../shared/abis/generated.js";
import { batchNonce } from "../../shared/codec/batchNonce.js";
import { encodeWithdrawalDecision, encodeWithdrawalRequest } from "../../shared/codec/encodeMessage.js";
import { encodePacket } from "../../shared/codec/encodePacket.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { recoverAttester } from "../../shared/eip712/recoverAttester.js";
import { sortSignatures } from "../../shared/eip712/sortSignatures.js";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { buildBalanceTree } from "../../shared/merkle/buildBalanceTree.js";
import { fullBatchProof } from "../../shared/merkle/fullBatchProof.js";
import { type BuildBatchClaimParameters, buildBatchClaim } from "../../test/kit/buildBatchClaim.js";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { revertDeploylessCalls } from "../../test/kit/revertDeploylessCalls.js";
import { sentPacketClaims } from "../../test/kit/sentPacketClaims.js";
import {
  type AttesterDevnet,
  startAttesterDevnet,
  type TestChain,
} from "../../test/kit/startAttesterDevnet.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import { createPublicClients } from "../createPublicClients.js";
import { leafFromJson } from "../leafJson.js";
import type { BalanceBatchClaim, Claim, SentPacketClaim } from "../types.js";
import { createLocalAttester } from "./createLocalAttester.js";
import { AttestationNotFinalError, AttestationRefusedError, RpcUnavailableError } from "./errors.js";
import type { Attester } from "./types.js";
import { verifyClaim } from "./verifyClaim.js";

const FINALITY_DEPTH = 2;
/** A contract that is nobody's vault or hub (the devnet deploys each chain's vault at the same address). */
const IMPOSTOR = getAddress(`0x${"5a".repeat(20)}`);

let net: AttesterDevnet;
let vaultA: TestChain;
let hubAddress: Address;
let usdc: Address;
let attesters: Attester[];
/** The trader's WITHDRAWAL_REQUEST (final by the time tests run). */
let request: SentPacketClaim;
/** Honest leaves of two traders at `sourceBlock` (final). */
let honestLeaves: BalanceLeaf[];
let sourceBlock: bigint;
let sourceTimestamp: bigint;

const verify = (claim: Claim) => verifyClaim({ config: net.config, clients: net.clients, claim });

async function refusal(claim: Claim): Promise<AttestationRefusedError> {
  const error = await verify(claim).then(
    () => new Error("expected the claim to be refused, but it verified"),
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AttestationRefusedError)) throw error;
  expect(isRetryable(error)).toBe(false);
  return error;
}

function batch(overrides: Partial<BuildBatchClaimParameters> = {}): BalanceBatchClaim {
  return buildBatchClaim({
    srcChainId: vaultA.chain.chainId,
    hubChainId: net.hub.chain.chainId,
    sender: vaultA.chain.contracts.vault,
    receiver: hubAddress,
    leaves: honestLeaves,
    sourceBlock,
    sourceTimestamp,
    ...overrides,
  });
}

async function readLeaf(
  chain: TestChain,
  account: Address,
  token: Address,
  block: bigint,
): Promise<BalanceLeaf> {
  const [balance, , seq, inboundNonce] = await chain.publicClient.readContract({
    address: chain.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "accountState",
    args: [account, token],
    blockNumber: block,
  });
  return {
    chainId: BigInt(chain.chain.chainId),
    vault: chain.chain.contracts.vault,
    account,
    token,
    balance,
    seq,
    inboundNonce,
    sourceBlock: block,
  };
}

async function deposit(
  chain: TestChain,
  key: Hex,
  token: Address,
  amount: bigint,
): Promise<TransactionReceipt> {
  const wallet = { publicClient: chain.publicClient, walletClient: chain.walletFor(key) };
  const vault = chain.chain.contracts.vault;
  await writeAndWait(wallet, {
    address: token,
    abi: mockErc20Abi,
    functionName: "approve",
    args: [vault, amount],
  });
  return writeAndWait(wallet, {
    address: vault,
    abi: collateralVaultAbi,
    functionName: "deposit",
    args: [token, amount],
  });
}

async function signAll(claim: Claim, signers: Attester[]): Promise<Hex> {
  const signed = await Promise.all(
    signers.map(async (attester) => ({ signer: attester.address, signature: await attester.attest(claim) })),
  );
  return sortSignatures(signed);
}

beforeAll(async () => {
  net = await startAttesterDevnet({ finalityDepth: FINALITY_DEPTH });
  vaultA = net.vaults[0];
  hubAddress = net.hub.chain.contracts.hub ?? "0x";
  usdc = vaultA.chain.tokens.USDC?.address ?? "0x";
  attesters = net.accounts.attesters.map((account) =>
    createLocalAttester({ config: net.config, clients: net.clients, privateKey: account.privateKey }),
  );
  const [alice, bob] = net.accounts.traders;
  if (alice === undefined || bob === undefined) throw new Error("expected two demo traders");
  await deposit(vaultA, alice.privateKey, usdc, parseUnits("1000", 6));
  await deposit(vaultA, bob.privateKey, usdc, parseUnits("500", 6));
  const receipt = await writeAndWait(
    { publicClient: vaultA.publicClient, walletClient: vaultA.walletFor(alice.privateKey) },
    {
      address: vaultA.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "requestWithdrawal",
      args: [usdc, parseUnits("100", 6)],
    },
  );
  const [claim] = sentPacketClaims(receipt, { kind: "withdrawal_request", srcChainId: vaultA.chain.chainId });
  if (claim === undefined) throw new Error("requestWithdrawal emitted no PacketSent");
  request = claim;
  await net.mineEverywhere(FINALITY_DEPTH);
  sourceBlock = receipt.blockNumber;
  sourceTimestamp = (await vaultA.publicClient.getBlock({ blockNumber: sourceBlock })).timestamp;
  honestLeaves = await Promise.all(
    [alice, bob].map((trader) => readLeaf(vaultA, trader.address, usdc, sourceBlock)),
  );
});

afterAll(async () => {
  await net?.stop();
});

describe("verifyClaim: balance batches", () => {
  test("an honest batch verifies, and a quorum of local attesters' signatures credits the hub", async () => {
    const claim = batch();
    await verify(claim);
    const quorum = attesters.slice(0, net.config.attesters.threshold);
    const domain = attestationDomain({ chainId: net.hub.chain.chainId, verifyingContract: hubAddress });
    for (const attester of quorum) {
      expect(await recoverAttester(domain, claim.packet, await attester.attest(claim))).toBe(
        attester.address,
      );
    }
    const proof = fullBatchProof(buildBalanceTree(claim.leaves.map(leafFromJson)));
    await writeAndWait(
      {
        publicClient: net.hub.publicClient,
        walletClient: net.hub.walletFor(net.accounts.relayer.privateKey),
      },
      {
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "submitBatch",
        args: [claim.packet, await signAll(claim, quorum), proof.leaves, proof.proof, proof.proofFlags],
      },
    );
    for (const leaf of honestLeaves) {
      const [balance, seq] = await net.hub.publicClient.readContract({
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [leaf.account, BigInt(vaultA.chain.chainId), usdc],
      });
      expect({ balance, seq }).toEqual({ balance: leaf.balance, seq: leaf.seq });
    }
    expect(honestLeaves[0]?.balance).toBe(parseUnits("900", 6));
  });

  test("a batch read at a block that is not final yet is retryable, not refused", async () => {
    const head = await vaultA.publicClient.getBlockNumber();
    const leaves = await Promise.all(honestLeaves.map((leaf) => readLeaf(vaultA, leaf.account, usdc, head)));
    const { timestamp } = await vaultA.publicClient.getBlock({ blockNumber: head });
    const error = await verify(batch({ leaves, sourceBlock: head, sourceTimestamp: timestamp })).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AttestationNotFinalError);
    expect(isRetryable(error)).toBe(true);
    expect(String(error)).toContain(`Block ${head} on chain ${vaultA.chain.chainId} is not final yet`);
  });

  test("a wrong balance is refused, naming the leaf and both values", async () => {
    const [first, ...rest] = honestLeaves;
    if (first === undefined) throw new Error("no leaves");
    const error = await refusal(batch({ leaves: [{ ...first, balance: first.balance + 1n }, ...rest] }));
    expect(error.check).toBe("leaves[0].balance");
    expect(error.message).toContain(`is ${first.balance + 1n} but the vault holds ${first.balance}`);
  });

  test("a wrong seq or inboundNonce is refused", async () => {
    const [first, second] = honestLeaves;
    if (first === undefined || second === undefined) throw new Error("no leaves");
    const seq = await refusal(batch({ leaves: [first, { ...second, seq: second.seq + 5n }] }));
    expect(seq.check).toBe("leaves[1].seq");
    expect(seq.message).toContain(`is ${second.seq + 5n} but the vault holds ${second.seq}`);
    const nonce = await refusal(batch({ leaves: [{ ...first, inboundNonce: 3n }, second] }));
    expect(nonce.check).toBe("leaves[0].inboundNonce");
  });

  test("a root that is not the tree of the leaves is refused", async () => {
    const root = keccak256(toHex("not the root"));
    const error = await refusal(batch({ root }));
    expect(error.check).toBe("root");
    expect(error.message).toContain(root);
  });

  test("a wrong sender, receiver or destination chain is refused", async () => {
    const otherVault = net.vaults[1].chain.contracts.vault;
    const sender = await refusal(batch({ sender: IMPOSTOR }));
    expect(sender.check).toBe("sender");
    expect(sender.message).toContain(`expected the vault of chain ${vaultA.chain.chainId}`);
    const hubChainVault = net.hub.chain.contracts.vault;
    const receiver = await refusal(batch({ receiver: hubChainVault }));
    expect(receiver.check).toBe("receiver");
    const toVaultChain = await refusal(
      batch({ hubChainId: net.vaults[1].chain.chainId, receiver: otherVault }),
    );
    expect(toVaultChain.check).toBe("dstChainId");
    const unknown = await refusal(batch({ srcChainId: 999 }));
    expect(unknown.check).toBe("srcChainId");
    expect(unknown.message).toContain("chain 999 is not configured");
  });

  test("leaves from another vault, chain or block, and duplicate leaves, are refused", async () => {
    const [first, second] = honestLeaves;
    if (first === undefined || second === undefined) throw new Error("no leaves");
    expect((await refusal(batch({ leaves: [first, { ...second, vault: IMPOSTOR }] }))).check).toBe(
      "leaves[1].vault",
    );
    expect((await refusal(batch({ leaves: [{ ...first, chainId: 1n }, second] }))).check).toBe(
      "leaves[0].chainId",
    );
    expect(
      (await refusal(batch({ leaves: [first, { ...second, sourceBlock: sourceBlock - 1n }] }))).check,
    ).toBe("leaves[1].sourceBlock");
    const duplicate = await refusal(batch({ leaves: [first, second, { ...first }] }));
    expect(duplicate.check).toBe("leaves[2]");
    expect(duplicate.message).toContain("is already leaves[0]");
  });

  test("a wrong nonce, leaf count, timestamp or guid is refused", async () => {
    expect((await refusal(batch({ nonce: 5n }))).check).toBe("nonce");
    expect((await refusal(batch({ nonce: batchNonce(sourceBlock - 1n, 0) }))).check).toBe("sourceBlock");
    expect((await refusal(batch({ leafCount: 3 }))).check).toBe("leafCount");
    const time = await refusal(batch({ sourceTimestamp: sourceTimestamp + 1n }));
    expect(time.check).toBe("sourceTimestamp");
    expect(time.message).toContain(`has timestamp ${sourceTimestamp}`);
    const guid = await refusal({ ...batch(), guid: keccak256(toHex("other")) });
    expect(guid.check).toBe("guid");
    const tampered = batch();
    // Flip one bit of the guid inside the packet: the header no longer hashes to it.
    const flipped = `${tampered.packet.slice(0, 2 + 81 * 2)}${tampered.packet[2 + 81 * 2] === "0" ? "1" : "0"}${tampered.packet.slice(3 + 81 * 2)}`;
    expect((await refusal({ ...tampered, packet: `0x${flipped.slice(2)}` })).check).toBe("guid");
  });

  test("an RPC that does not answer is retryable", async () => {
    const chains = { ...net.config.chains };
    const entry = chains[String(vaultA.chain.chainId)];
    if (entry === undefined) throw new Error("no vault chain");
    chains[String(vaultA.chain.chainId)] = { ...entry, rpcUrl: "http://127.0.0.1:9" };
    const config = { ...net.config, chains };
    const clients = createPublicClients(config, { retryCount: 0, timeoutMs: 1_000 });
    const error = await verifyClaim({ config, clients, claim: batch() }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect(isRetryable(error)).toBe(true);
  });

  test("a multicall the RPC fails as a whole, even with a revert, is retryable, never a refusal", async () => {
    const real = net.clients.get(vaultA.chain.chainId);
    if (real === undefined) throw new Error("no vault chain client");
    const clients = new Map(net.clients);
    clients.set(vaultA.chain.chainId, revertDeploylessCalls(real));
    const error = await verifyClaim({ config: net.config, clients, claim: batch() }).catch(
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect(isRetryable(error)).toBe(true);
  });

  test("500 leaves verify, and the one forged among them is named", async () => {
    const wallet = {
      publicClient: vaultA.publicClient,
      walletClient: vaultA.walletFor(net.accounts.deployer.privateKey),
    };
    const hash = await wallet.walletClient.deployContract({
      abi: bulkDepositorAbi,
      bytecode: bulkDepositorBytecode,
      args: [vaultA.chain.contracts.vault],
    });
    const bulk = (await vaultA.publicClient.waitForTransactionReceipt({ hash })).contractAddress;
    if (bulk == null) throw new Error("BulkDepositor was not deployed");
    const salt = keccak256(toHex("crossmargin/relayer/attester"));
    let block = 0n;
    for (const start of [0n, 250n]) {
      const receipt = await writeAndWait(wallet, {
        address: bulk,
        abi: bulkDepositorAbi,
        functionName: "depositMany",
        args: [usdc, salt, start, 250n, 7n],
      });
      block = receipt.blockNumber;
    }
    await net.mineEverywhere(FINALITY_DEPTH);
    const { timestamp } = await vaultA.publicClient.getBlock({ blockNumber: block });
    const leaves = Array.from({ length: 500 }, (_, i): BalanceLeaf => {
      return {
        chainId: BigInt(vaultA.chain.chainId),
        vault: vaultA.chain.contracts.vault,
        account: deriveAccount(salt, BigInt(i)),
        token: usdc,
        balance: 7n,
        seq: 1n,
        inboundNonce: 0n,
        sourceBlock: block,
      };
    });
    const claim = batch({ leaves, sourceBlock: block, sourceTimestamp: timestamp });
    await verify(claim); // 500 leaves take 8 multicalls (readAccountStates): none may be lost or misplaced

    const forged = leaves.map((leaf, i) => (i === 437 ? { ...leaf, balance: 8n } : leaf));
    const error = await refusal(batch({ leaves: forged, sourceBlock: block, sourceTimestamp: timestamp }));
    expect(error.check).toBe("leaves[437].balance");
  });
});

describe("verifyClaim: packets sent by a vault or the hub", () => {
  test("an honest withdrawal request verifies, and the hub's answer verifies back at the vault once final", async () => {
    await verify(request);
    await verify({ ...request, sourceTxHash: undefined });
    const quorum = attesters.slice(0, net.config.attesters.threshold);
    const relayer = net.accounts.relayer.privateKey;
    const receipt = await writeAndWait(
      { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(relayer) },
      {
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "receiveWithdrawalRequest",
        args: [request.packet, await signAll(request, quorum)],
      },
    );
    const [approve] = sentPacketClaims(receipt, {
      kind: "approve_withdrawal",
      srcChainId: net.hub.chain.chainId,
    });
    if (approve === undefined) throw new Error("the hub sent no command");
    expect(approve.dstChainId).toBe(vaultA.chain.chainId);

    const early = await verify(approve).catch((thrown: unknown) => thrown);
    expect(early).toBeInstanceOf(AttestationNotFinalError);
    expect(isRetryable(early)).toBe(true);
    expect((await refusal({ ...approve, kind: "reject_withdrawal" })).check).toBe("message.type");

    await net.mineEverywhere(FINALITY_DEPTH);
    await verify(approve);
    const [alice] = net.accounts.traders;
    const before = await vaultA.publicClient.readContract({
      address: vaultA.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [alice?.address ?? "0x", usdc],
    });
    await writeAndWait(
      { publicClient: vaultA.publicClient, walletClient: vaultA.walletFor(relayer) },
      {
        address: vaultA.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "receiveCommand",
        args: [approve.packet, await signAll(approve, quorum)],
      },
    );
    const after = await vaultA.publicClient.readContract({
      address: vaultA.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [alice?.address ?? "0x", usdc],
    });
    expect(before[1]).toBe(parseUnits("100", 6));
    expect(after[1]).toBe(0n);
  });

  test("packet bytes the sender never emitted are refused, with or without the transaction hash", async () => {
    const header = {
      nonce: BigInt(request.nonce),
      srcEid: request.srcChainId,
      sender: vaultA.chain.contracts.vault,
      dstEid: request.dstChainId,
      receiver: hubAddress,
    };
    const [alice] = net.accounts.traders;
    const { packet, guid } = encodePacket({
      ...header,
      message: encodeWithdrawalRequest({
        account: alice?.address ?? "0x",
        token: usdc,
        amount: 1n, // the real request was for 100 USDC
        balanceAfter: parseUnits("999", 6),
        seq: 2n,
        inboundNonce: 0n,
      }),
    });
    expect(guid).toBe(request.guid); // the guid covers the header only
    const withHash = await refusal({ ...request, packet });
    expect(withHash.check).toBe("event.packet");
    expect(withHash.message).toContain(`transaction ${request.sourceTxHash}`);
    const withoutHash = await refusal({ ...request, packet, sourceTxHash: undefined });
    expect(withoutHash.check).toBe("event.packet");
  });

  test("a wrong nonce, block, transaction or route is refused", async () => {
    expect((await refusal({ ...request, nonce: (BigInt(request.nonce) + 1n).toString() })).check).toBe(
      "nonce",
    );
    const otherBlock = (BigInt(request.sourceBlock) - 1n).toString();
    const noEvent = await refusal({ ...request, sourceBlock: otherBlock, sourceTxHash: undefined });
    expect(noEvent.check).toBe("event");
    expect(noEvent.message).toContain(`in block ${otherBlock}`);
    expect((await refusal({ ...request, sourceBlock: otherBlock })).check).toBe("sourceBlock");
    const unknownTx = await refusal({ ...request, sourceTxHash: keccak256(toHex("no such transaction")) });
    expect(unknownTx.check).toBe("sourceTxHash");
    // A request claimed as a hub command: commands come from the hub chain.
    expect((await refusal({ ...request, kind: "seize" })).check).toBe("srcChainId");
    expect((await refusal({ ...request, nonce: "01" })).check).toBe("nonce");
  });

  test("a command whose sender is not the hub is refused", async () => {
    const [alice] = net.accounts.traders;
    const { packet, guid } = encodePacket({
      nonce: 1n,
      srcEid: net.hub.chain.chainId,
      sender: net.hub.chain.contracts.vault, // the hub chain's vault, not the hub
      dstEid: vaultA.chain.chainId,
      receiver: vaultA.chain.contracts.vault,
      message: encodeWithdrawalDecision(true, {
        account: alice?.address ?? "0x",
        token: usdc,
        amount: 1n,
        requestNonce: 1n,
      }),
    });
    const error = await refusal({
      kind: "approve_withdrawal",
      srcChainId: net.hub.chain.chainId,
      dstChainId: vaultA.chain.chainId,
      packet,
      guid,
      nonce: "1",
      sourceBlock: "1",
    });
    expect(error.check).toBe("sender");
    expect(error.message).toContain(`expected the hub ${hubAddress}`);
  });
});
