import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseEventLogs,
  type TestClient,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { DevnetAccounts } from "../../scripts/devnet/accounts.js";
import { PortInUseError } from "../../scripts/devnet/errors.js";
import { freePort } from "../../scripts/devnet/freePort.js";
import { type StartDevnetReturnType, startDevnet } from "../../scripts/devnet/startDevnet.js";
import { collateralVaultAbi, marginHubAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { attestationDomain } from "../../shared/eip712/attestationDomain.js";
import { signAttestation } from "../../shared/eip712/signAttestation.js";
import { sortSignatures } from "../../shared/eip712/sortSignatures.js";
import { isRetryable } from "../../shared/errors/isRetryable.js";
import type { BalanceLeaf } from "../../shared/merkle/balanceLeaf.js";
import { buildBalanceTree } from "../../shared/merkle/buildBalanceTree.js";
import { fullBatchProof } from "../../shared/merkle/fullBatchProof.js";
import { attestBalanceBatch } from "../../test/kit/attestBalanceBatch.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import { leafFromJson, leafToJson } from "../leafJson.js";
import type { BalanceBatchClaim, Claim, SentPacketClaim, SentPacketKind } from "../types.js";
import { deliverClaim } from "./deliverClaim.js";
import {
  ClientChainMismatchError,
  DeliveryRevertedError,
  InvalidClaimError,
  NotYetDeliverableError,
} from "./errors.js";
import type { SentTransactions } from "./sendWithReplacement.js";

/** viem clients of one devnet chain. */
type Clients = {
  chain: ChainConfig;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  wallet: (key: Hex) => WalletClient<Transport, Chain, Account>;
};

let dir: string;
let devnet: StartDevnetReturnType;
let config: Config;
let accounts: DevnetAccounts;
let hub: Clients;
let vault: Clients;
let hubAddress: Address;
let usdc: Address;
let trader: Address;
let traderKey: Hex;
let attesterKeys: Hex[];
let relayerOnHub: WalletClient<Transport, Chain, Account>;
let relayerOnVault: WalletClient<Transport, Chain, Account>;
let batchIndex = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-deliver-"));
  devnet = await startDevnetOnFreePorts(dir);
  config = devnet.config;
  accounts = devnet.manifest.accounts;
  hub = clientsOf(hubChain(config));
  const [vaultChain] = vaultChains(config, { includeHub: false });
  if (vaultChain === undefined) throw new Error("expected a vault chain");
  vault = clientsOf(vaultChain);
  hubAddress = hubChain(config).contracts.hub;
  const token = vault.chain.tokens.USDC;
  if (token === undefined) throw new Error("the vault chain lists no USDC");
  usdc = token.address;
  const [first] = accounts.traders;
  if (first === undefined) throw new Error("no traders");
  trader = first.address;
  traderKey = first.privateKey;
  attesterKeys = accounts.attesters.slice(0, config.attesters.threshold).map((a) => a.privateKey);
  relayerOnHub = hub.wallet(accounts.relayer.privateKey);
  relayerOnVault = vault.wallet(accounts.relayer.privateKey);
});

afterAll(async () => {
  await devnet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startDevnetOnFreePorts(directory: string): Promise<StartDevnetReturnType> {
  for (let attempt = 0; ; attempt++) {
    const basePort = await freePort();
    try {
      return await startDevnet({
        basePort,
        vaultChains: 1,
        blockTimeSeconds: 0,
        dir: directory,
        writeManifest: false,
      });
    } catch (error) {
      // The port after the free one may be taken: try elsewhere.
      if (!(error instanceof PortInUseError) || attempt >= 4) throw error;
    }
  }
}

function clientsOf(chain: ChainConfig): Clients {
  const viemChain = defineLocalChain(chain);
  const transport = http(chain.rpcUrl, { retryCount: 0 });
  return {
    chain,
    publicClient: createPublicClient({ chain: viemChain, transport, pollingInterval: 25 }),
    testClient: createTestClient({ chain: viemChain, transport, mode: "anvil", pollingInterval: 25 }),
    wallet: (key) =>
      createWalletClient({
        chain: viemChain,
        transport,
        account: privateKeyToAccount(key),
        pollingInterval: 25,
      }),
  };
}

/** The trader's balance batch of USDC on the vault chain at its latest block, attested by `signerKeys`. */
async function batchClaim(
  signerKeys: readonly Hex[] = attesterKeys,
): Promise<{ claim: BalanceBatchClaim; signatures: Hex }> {
  const block = await vault.publicClient.getBlock();
  const [balance, , seq, inboundNonce] = await vault.publicClient.readContract({
    address: vault.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "accountState",
    args: [trader, usdc],
    blockNumber: block.number,
  });
  const leaf: BalanceLeaf = {
    chainId: BigInt(vault.chain.chainId),
    vault: vault.chain.contracts.vault,
    account: trader,
    token: usdc,
    balance,
    seq,
    inboundNonce,
    sourceBlock: block.number,
  };
  const batch = await attestBalanceBatch({
    hub: hubAddress,
    hubChainId: hub.chain.chainId,
    srcEid: vault.chain.chainId,
    vault: vault.chain.contracts.vault,
    leaves: [leaf],
    sourceBlock: block.number,
    sourceTimestamp: block.timestamp,
    index: batchIndex++,
    signerKeys,
  });
  return {
    claim: {
      kind: "balance_batch",
      srcChainId: vault.chain.chainId,
      dstChainId: hub.chain.chainId,
      packet: batch.packet,
      guid: batch.guid,
      leaves: [leafToJson(leaf)],
    },
    signatures: batch.signatures,
  };
}

/** The `PacketSent` events of a receipt as claims, with the attesters' signatures for the destination. */
async function sentClaims(
  source: Clients,
  destination: Clients,
  txHash: Hex,
  kind: SentPacketKind,
): Promise<{ claim: SentPacketClaim; signatures: Hex }[]> {
  const receipt = await source.publicClient.getTransactionReceipt({ hash: txHash });
  const abi = source === hub ? marginHubAbi : collateralVaultAbi;
  const events = parseEventLogs({ abi, logs: receipt.logs, eventName: "PacketSent" });
  const receiver = kind === "withdrawal_request" ? hubAddress : destination.chain.contracts.vault;
  return Promise.all(
    events.map(async ({ args }) => ({
      claim: {
        kind,
        srcChainId: source.chain.chainId,
        dstChainId: destination.chain.chainId,
        packet: args.packet,
        guid: args.guid,
        nonce: args.nonce.toString(),
        sourceBlock: receipt.blockNumber.toString(),
        sourceTxHash: txHash,
      },
      signatures: await sign(args.packet, destination.chain.chainId, receiver),
    })),
  );
}

async function sign(packet: Hex, chainId: number, verifyingContract: Address): Promise<Hex> {
  const domain = attestationDomain({ chainId, verifyingContract });
  const signed = await Promise.all(
    attesterKeys.map(async (key) => ({
      signer: getAddress(privateKeyToAccount(key).address),
      signature: await signAttestation(key, domain, packet),
    })),
  );
  return sortSignatures(signed);
}

/** The trader asks to withdraw `amount` USDC on the vault chain; returns the request's claim. */
async function requestWithdrawal(amount: bigint): Promise<{ claim: SentPacketClaim; signatures: Hex }> {
  const receipt = await writeAndWait(
    { publicClient: vault.publicClient, walletClient: vault.wallet(traderKey) },
    {
      address: vault.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "requestWithdrawal",
      args: [usdc, amount],
    },
  );
  const [request] = await sentClaims(vault, hub, receipt.transactionHash, "withdrawal_request");
  if (request === undefined) throw new Error("requestWithdrawal sent no packet");
  return request;
}

/** Delivers on the hub or the vault chain with the relayer's key, recording every `onSent`. */
async function deliver(
  parameters: { claim: Claim; signatures: Hex },
  options: { previous?: SentTransactions; settings?: { receiptTimeoutMs: number; maxFeeBumps: number } } = {},
  seen: SentTransactions[] = [],
) {
  const onHub = parameters.claim.dstChainId === hub.chain.chainId;
  return deliverClaim({
    config,
    publicClient: (onHub ? hub : vault).publicClient,
    walletClient: onHub ? relayerOnHub : relayerOnVault,
    claim: parameters.claim,
    signatures: parameters.signatures,
    previous: options.previous,
    settings: options.settings,
    pollingIntervalMs: 25,
    onSent: async (sent) => {
      seen.push(sent);
    },
  });
}

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function relayerNonce(clients: Clients): Promise<number> {
  return clients.publicClient.getTransactionCount({ address: accounts.relayer.address, blockTag: "pending" });
}

describe("deliverClaim", () => {
  let delivered: { claim: BalanceBatchClaim; signatures: Hex };

  test("delivers a balance batch: the hub credits the deposit", async () => {
    const amount = 1_000_000_000n;
    const walletClient = vault.wallet(traderKey);
    const clients = { publicClient: vault.publicClient, walletClient };
    await writeAndWait(clients, {
      address: usdc,
      abi: mockErc20Abi,
      functionName: "approve",
      args: [vault.chain.contracts.vault, amount],
    });
    await writeAndWait(clients, {
      address: vault.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "deposit",
      args: [usdc, amount],
    });
    delivered = await batchClaim();
    const seen: SentTransactions[] = [];
    const nonce = await relayerNonce(hub);

    const result = await deliver(delivered, {}, seen);

    expect(result.status).toBe("delivered");
    expect(seen).toMatchObject([{ nonce, hashes: [result.txHash] }]);
    const receipt = await hub.publicClient.getTransactionReceipt({ hash: result.txHash ?? "0x" });
    expect(result.blockNumber).toBe(receipt.blockNumber.toString());
    expect(result.gasUsed).toBe(receipt.gasUsed.toString());
    const [credited] = await hub.publicClient.readContract({
      address: hubAddress,
      abi: marginHubAbi,
      functionName: "creditedBalance",
      args: [trader, BigInt(vault.chain.chainId), usdc],
    });
    expect(credited).toBe(BigInt(delivered.claim.leaves[0]?.balance ?? "-1"));
    expect(credited).toBeGreaterThanOrEqual(amount);
  });

  test("delivering the same batch again → already, without sending a transaction", async () => {
    const seen: SentTransactions[] = [];
    const nonce = await relayerNonce(hub);
    expect(await deliver(delivered, {}, seen)).toEqual({ status: "already" });
    expect(seen).toEqual([]);
    expect(await relayerNonce(hub)).toBe(nonce);
  });

  test("a withdrawal request is delivered to the hub, then the hub's APPROVE to the vault", async () => {
    const amount = 100_000_000n;
    const request = await requestWithdrawal(amount);
    const toHub = await deliver(request);
    expect(toHub.status).toBe("delivered");
    expect(
      await hub.publicClient.readContract({
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "inboundNonce",
        args: [vault.chain.chainId],
      }),
    ).toBe(BigInt(request.claim.nonce));

    const [approve] = await sentClaims(hub, vault, toHub.txHash ?? "0x", "approve_withdrawal");
    if (approve === undefined) throw new Error("the hub sent no command");
    const before = await vault.publicClient.readContract({
      address: usdc,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [trader],
    });
    const toVault = await deliver(approve);
    expect(toVault.status).toBe("delivered");
    const inbound = await vault.publicClient.readContract({
      address: vault.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "inboundNonce",
    });
    expect(inbound).toBe(BigInt(approve.claim.nonce));
    const after = await vault.publicClient.readContract({
      address: usdc,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [trader],
    });
    expect(after - before).toBe(amount);
    expect(await deliver(approve)).toEqual({ status: "already" });
  });

  test("an out-of-order request or command waits for the earlier one (NotYetDeliverableError)", async () => {
    const second = await requestWithdrawal(1_000_000n);
    const third = await requestWithdrawal(2_000_000n);
    const early = await deliver(third).catch((error: unknown) => error);
    expect(early).toBeInstanceOf(NotYetDeliverableError);
    expect(early).toMatchObject({ reason: "NotYetDeliverable", waitingFor: BigInt(second.claim.nonce) });
    expect(isRetryable(early)).toBe(true);

    const commands = [];
    for (const request of [second, third]) {
      const result = await deliver(request);
      const [command] = await sentClaims(hub, vault, result.txHash ?? "0x", "approve_withdrawal");
      if (command === undefined) throw new Error("the hub sent no command");
      commands.push(command);
    }
    const [commandA, commandB] = commands;
    if (commandA === undefined || commandB === undefined) throw new Error("two commands expected");
    const seen: SentTransactions[] = [];
    const waiting = await deliver(commandB, {}, seen).catch((error: unknown) => error);
    expect(waiting).toBeInstanceOf(NotYetDeliverableError);
    expect(String(waiting)).toContain(`waiting for nonce ${commandA.claim.nonce}`);
    expect(seen).toEqual([]);
    expect((await deliver(commandA)).status).toBe("delivered");
    expect((await deliver(commandB)).status).toBe("delivered");
  });

  test("a below-quorum signature set → DeliveryRevertedError named after the QuorumVerifier error", async () => {
    const batch = await batchClaim(attesterKeys.slice(0, 1));
    const seen: SentTransactions[] = [];
    const error = await deliver(batch, {}, seen).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRevertedError);
    expect(error).toMatchObject({
      reason: "QuorumVerifier_BelowThreshold",
      outcome: "fatal",
      retryable: false,
    });
    expect(String(error)).toContain("QuorumVerifier_BelowThreshold(signatures: 1, threshold: 2)");
    expect(seen).toEqual([]);
  });

  test("when another relayer's transaction lands first, ours reverts and the result is already", async () => {
    const batch = await batchClaim();
    await hub.testClient.setAutomine(false);
    try {
      const seen: SentTransactions[] = [];
      const delivering = deliver(batch, {}, seen);
      await until(() => seen.length === 1);
      // The rival submits the same batch with a far higher tip: it is ordered first in the block.
      const rival = hub.wallet(accounts.liquidator.privateKey);
      const proof = fullBatchProof(buildBalanceTree(batch.claim.leaves.map(leafFromJson)));
      const fees = await hub.publicClient.estimateFeesPerGas();
      await rival.writeContract({
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "submitBatch",
        args: [batch.claim.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
        gas: 1_000_000n,
        maxFeePerGas: fees.maxFeePerGas * 10n,
        maxPriorityFeePerGas: fees.maxFeePerGas * 5n,
      });
      await hub.testClient.mine({ blocks: 1 });
      expect(await delivering).toEqual({ status: "already" });
      const ours = await hub.publicClient.getTransactionReceipt({ hash: seen[0]?.hashes[0] ?? "0x" });
      expect(ours.status).toBe("reverted");
    } finally {
      await hub.testClient.setAutomine(true);
    }
  });

  test("a stuck delivery is replaced with higher fees; a retried job finds the mined one", async () => {
    const batch = await batchClaim();
    await hub.testClient.setAutomine(false);
    const seen: SentTransactions[] = [];
    let result: Awaited<ReturnType<typeof deliver>>;
    try {
      const delivering = deliver(batch, { settings: { receiptTimeoutMs: 1_000, maxFeeBumps: 3 } }, seen);
      await until(() => seen.length === 1);
      const first = seen[0]?.hashes[0] ?? "0x";
      const tx1 = await hub.publicClient.getTransaction({ hash: first });
      await hub.testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: (tx1.maxFeePerGas ?? 0n) * 4n });
      await hub.testClient.mine({ blocks: 1 });
      await until(() => seen.length === 2);
      await hub.testClient.mine({ blocks: 1 });
      result = await delivering;
      const tx2 = await hub.publicClient.getTransaction({ hash: result.txHash ?? "0x" });
      expect(seen[1]).toMatchObject({ nonce: tx1.nonce, hashes: [first, result.txHash] });
      expect(tx2.nonce).toBe(tx1.nonce);
      expect(tx2.maxFeePerGas).toBeGreaterThan(tx1.maxFeePerGas ?? 0n);
    } finally {
      await hub.testClient.setAutomine(true);
    }
    expect(result.status).toBe("delivered");

    const again: SentTransactions[] = [];
    expect(await deliver(batch, { previous: seen[1] }, again)).toEqual(result);
    expect(again).toEqual([]);
  });

  test("a retried job whose nonce went to another transaction delivers afresh", async () => {
    const batch = await batchClaim();
    const seen: SentTransactions[] = [];
    const stale = { nonce: 0, hashes: [keccak256(toHex("never mined"))] };
    const nonce = await relayerNonce(hub);
    const result = await deliver(batch, { previous: stale }, seen);
    expect(result.status).toBe("delivered");
    expect(seen).toMatchObject([{ nonce, hashes: [result.txHash] }]);
  });

  test("bad job data is refused with the field named, before anything is sent", async () => {
    const { claim, signatures } = await batchClaim();
    const [leaf] = claim.leaves;
    if (leaf === undefined) throw new Error("no leaf");
    const cases: [Claim, string][] = [
      [{ ...claim, dstChainId: 999 }, "claim.dstChainId"],
      [{ ...claim, guid: `0x${"00".repeat(32)}` }, "claim.guid"],
      [{ ...claim, leaves: [{ ...leaf, balance: "-5" }] }, "claim.leaves.0.balance"],
    ];
    for (const [bad, field] of cases) {
      const error = await deliver({ claim: bad, signatures }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidClaimError);
      expect(error).toMatchObject({ field, reason: "InvalidClaim", retryable: false });
    }
    const request = await requestWithdrawal(1n);
    const wrongNonce = await deliver({ ...request, claim: { ...request.claim, nonce: "77" } }).catch(
      (e: unknown) => e,
    );
    expect(wrongNonce).toMatchObject({ field: "claim.nonce" });
    expect(String(wrongNonce)).toContain(`expected the packet's nonce (${request.claim.nonce}), got 77`);

    const wrongClient = await deliverClaim({
      config,
      publicClient: vault.publicClient,
      walletClient: relayerOnHub,
      claim,
      signatures,
      onSent: async () => {},
    }).catch((e: unknown) => e);
    expect(wrongClient).toBeInstanceOf(ClientChainMismatchError);
  });

  test("a batch older than maxAttestationAge → fatal MarginHub_AttestationExpired", async () => {
    const batch = await batchClaim();
    await hub.testClient.increaseTime({ seconds: config.maxAttestationAge + 60 });
    await hub.testClient.mine({ blocks: 1 });
    const seen: SentTransactions[] = [];
    const error = await deliver(batch, {}, seen).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRevertedError);
    expect(error).toMatchObject({ reason: "MarginHub_AttestationExpired", outcome: "fatal" });
    expect(isRetryable(error)).toBe(false);
    expect(seen).toEqual([]);
  });
});
