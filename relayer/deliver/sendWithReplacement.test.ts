import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { mockErc20Abi, mockErc20Bytecode } from "../../shared/abis/generated.js";
import { anvilKey, type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { deploy } from "../../test/kit/deploy.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import { createLock } from "../pipeline/createLock.js";
import { DeliveryRevertedError, NonceTakenError, TransactionStuckError } from "./errors.js";
import { type DeliveryRequest, type SentTransactions, sendWithReplacement } from "./sendWithReplacement.js";

let anvil: StartAnvilReturnType;
let token: Address;

beforeAll(async () => {
  anvil = await startAnvil();
  ({ address: token } = await deploy(anvil, {
    abi: mockErc20Abi,
    bytecode: mockErc20Bytecode,
    args: ["Test", "TST", 18],
  }));
});

afterAll(async () => {
  await anvil?.stop();
});

afterEach(async () => {
  // Leave the chain automining and the pool empty for the next test.
  await anvil.testClient.setAutomine(true);
  await anvil.testClient.mine({ blocks: 1 });
});

/** A wallet of anvil's default account `index` (each test uses its own, so nonces never mix). */
function walletOf(index: number): WalletClient<Transport, Chain, Account> {
  return createWalletClient({
    chain: anvil.chain,
    transport: http(anvil.rpcUrl, { retryCount: 0 }),
    account: privateKeyToAccount(anvilKey(index)),
  });
}

/** The settings most tests send with: anvil, a 5 s receipt timeout, no fee bump. */
function sendOnce(wallet: WalletClient<Transport, Chain, Account>, request: DeliveryRequest) {
  return {
    publicClient: anvil.publicClient,
    walletClient: wallet,
    request,
    receiptTimeoutMs: 5_000,
    feeBumpPercent: 25,
    maxFeeBumps: 0,
  };
}

/** `token.mint(to, amount)`, simulated, with the full ABI (as `deliverClaim` passes its call). */
async function mintRequest(
  wallet: WalletClient<Transport, Chain, Account>,
  amount: bigint,
): Promise<DeliveryRequest> {
  const { request } = await anvil.publicClient.simulateContract({
    address: token,
    abi: mockErc20Abi,
    functionName: "mint",
    args: [wallet.account.address, amount],
    account: wallet.account,
  });
  return { ...request, abi: mockErc20Abi };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function hasReceipt(hash: Hex): Promise<boolean> {
  return anvil.publicClient.getTransactionReceipt({ hash }).then(
    () => true,
    () => false,
  );
}

describe("sendWithReplacement", () => {
  test("sends, reports the hash before waiting, and returns the receipt", async () => {
    const wallet = walletOf(1);
    const seen: SentTransactions[] = [];
    const expectedNonce = await anvil.publicClient.getTransactionCount({ address: wallet.account.address });
    const receipt = await sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: wallet,
      request: await mintRequest(wallet, 5n),
      receiptTimeoutMs: 5_000,
      feeBumpPercent: 25,
      maxFeeBumps: 2,
      onSent: async (sent) => {
        seen.push(sent);
      },
    });
    expect(receipt.status).toBe("success");
    expect(seen).toMatchObject([{ nonce: expectedNonce, hashes: [receipt.transactionHash] }]);
    const balance = await anvil.publicClient.readContract({
      address: token,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [wallet.account.address],
    });
    expect(balance).toBe(5n);
  });

  test("replaces a stuck transaction with higher fees and the same nonce; the replacement mines", async () => {
    const wallet = walletOf(2);
    await anvil.testClient.setAutomine(false);
    const seen: SentTransactions[] = [];
    const sending = sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: wallet,
      request: await mintRequest(wallet, 7n),
      receiptTimeoutMs: 1_000,
      feeBumpPercent: 25,
      maxFeeBumps: 3,
      pollingIntervalMs: 50,
      onSent: async (sent) => {
        seen.push(sent);
      },
    });
    await until(() => seen.length === 1);
    const [first] = seen[0]?.hashes ?? [];
    if (first === undefined) throw new Error("no first hash");
    const tx1 = await anvil.publicClient.getTransaction({ hash: first });
    if (tx1.maxFeePerGas === undefined || tx1.maxPriorityFeePerGas === undefined)
      throw new Error("not EIP-1559");

    // The next block's base fee above the transaction's cap: it cannot be included.
    await anvil.testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: tx1.maxFeePerGas * 4n });
    await anvil.testClient.mine({ blocks: 1 });
    expect(await hasReceipt(first)).toBe(false);

    await until(() => seen.length === 2);
    await anvil.testClient.mine({ blocks: 1 });
    const receipt = await sending;

    const second = seen[1]?.hashes[1];
    expect(seen[1]).toMatchObject({ nonce: tx1.nonce, hashes: [first, second] });
    expect(receipt.transactionHash).toBe(second);
    expect(receipt.status).toBe("success");
    const tx2 = await anvil.publicClient.getTransaction({ hash: receipt.transactionHash });
    expect(tx2.nonce).toBe(tx1.nonce);
    expect(tx2.maxFeePerGas).toBeGreaterThanOrEqual((tx1.maxFeePerGas * 125n) / 100n);
    expect(tx2.maxPriorityFeePerGas).toBeGreaterThanOrEqual((tx1.maxPriorityFeePerGas * 125n) / 100n);
    expect(await hasReceipt(first)).toBe(false);
  });

  test("gives up after maxFeeBumps with TransactionStuckError, and a retry resumes the same nonce", async () => {
    const wallet = walletOf(3);
    await anvil.testClient.setAutomine(false);
    const request = await mintRequest(wallet, 9n);
    const seen: SentTransactions[] = [];
    const onSent = async (sent: SentTransactions) => {
      seen.push(sent);
    };
    const settings = { receiptTimeoutMs: 300, feeBumpPercent: 10, maxFeeBumps: 1, pollingIntervalMs: 50 };
    const stuck = await sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: wallet,
      request,
      ...settings,
      onSent,
    }).catch((error: unknown) => error);
    expect(stuck).toBeInstanceOf(TransactionStuckError);
    expect(stuck).toMatchObject({ reason: "TransactionStuck", retryable: true });
    const previous = seen.at(-1);
    if (previous === undefined) throw new Error("nothing sent");
    expect(previous.hashes).toHaveLength(2);

    // The job is retried with what it recorded: same nonce, fees bumped over the pending one.
    const resumed = sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: wallet,
      request,
      ...settings,
      receiptTimeoutMs: 5_000,
      previous,
      onSent,
    });
    await until(() => seen.length === 3);
    await anvil.testClient.mine({ blocks: 1 });
    const receipt = await resumed;
    expect(seen[2]).toMatchObject({
      nonce: previous.nonce,
      hashes: [...previous.hashes, receipt.transactionHash],
    });
    const tx = await anvil.publicClient.getTransaction({ hash: receipt.transactionHash });
    expect(tx.nonce).toBe(previous.nonce);
  });

  test("a retried job whose transaction mined returns its receipt without sending", async () => {
    const wallet = walletOf(4);
    const request = await mintRequest(wallet, 1n);
    const first = await sendWithReplacement({
      ...sendOnce(wallet, request),
      onSent: async () => {},
    });
    const count = await anvil.publicClient.getTransactionCount({ address: wallet.account.address });
    let called = false;
    const again = await sendWithReplacement({
      ...sendOnce(wallet, request),
      previous: { nonce: count - 1, hashes: [first.transactionHash] },
      onSent: async () => {
        called = true;
      },
    });
    expect(again.transactionHash).toBe(first.transactionHash);
    expect(called).toBe(false);
    expect(await anvil.publicClient.getTransactionCount({ address: wallet.account.address })).toBe(count);
  });

  test("a recorded transaction the node never received is broadcast again as signed, and reported as such", async () => {
    const wallet = walletOf(8);
    const request = await mintRequest(wallet, 1n);
    let recorded: SentTransactions | undefined;
    // The process dies after recording the signed transaction and before broadcasting it.
    const crashed = await sendWithReplacement({
      ...sendOnce(wallet, request),
      onSent: async (sent) => {
        recorded = sent;
        throw new Error("killed before the broadcast");
      },
    }).catch((error: unknown) => error);
    expect(String(crashed)).toContain("killed before the broadcast");
    if (recorded === undefined) throw new Error("nothing was recorded");
    const broadcasts: { hash: Hex | undefined; again: boolean | undefined }[] = [];
    const receipt = await sendWithReplacement({
      ...sendOnce(wallet, request),
      previous: recorded,
      onSent: async () => {
        throw new Error("a resumed job with its transaction in hand signs nothing new");
      },
      onBroadcast: (sent, again) => broadcasts.push({ hash: sent.hashes.at(-1), again }),
    });
    expect(receipt.transactionHash).toBe(recorded.hashes[0]);
    expect(broadcasts).toEqual([{ hash: recorded.hashes[0], again: true }]);
  });

  test("a nonce used by a transaction that is not ours → NonceTakenError (retryable)", async () => {
    const wallet = walletOf(5);
    const mined = await sendWithReplacement({
      ...sendOnce(wallet, await mintRequest(wallet, 1n)),
      onSent: async () => {},
    });
    const tx = await anvil.publicClient.getTransaction({ hash: mined.transactionHash });
    const error = await sendWithReplacement({
      ...sendOnce(wallet, await mintRequest(wallet, 1n)),
      previous: { nonce: tx.nonce, hashes: [keccak256(toHex("never sent"))] },
      onSent: async () => {},
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonceTakenError);
    expect(error).toMatchObject({ reason: "NonceTaken", retryable: true, nonce: tx.nonce });
  });

  test("a transaction that reverts on-chain is explained by replaying it at its block", async () => {
    const relayer = walletOf(6);
    const rival = walletOf(7);
    const client = { publicClient: anvil.publicClient };
    await writeAndWait(
      { ...client, walletClient: relayer },
      {
        address: token,
        abi: mockErc20Abi,
        functionName: "mint",
        args: [relayer.account.address, 100n],
      },
    );
    await writeAndWait(
      { ...client, walletClient: relayer },
      {
        address: token,
        abi: mockErc20Abi,
        functionName: "approve",
        args: [rival.account.address, 100n],
      },
    );
    const { request: simulated } = await anvil.publicClient.simulateContract({
      address: token,
      abi: mockErc20Abi,
      functionName: "transfer",
      args: [rival.account.address, 100n],
      account: relayer.account,
    });
    // The full ABI, so that the token's custom errors decode.
    const request = { ...simulated, abi: mockErc20Abi };
    await anvil.testClient.setAutomine(false);
    const seen: SentTransactions[] = [];
    const sending = sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: relayer,
      request,
      receiptTimeoutMs: 10_000,
      feeBumpPercent: 25,
      maxFeeBumps: 0,
      pollingIntervalMs: 50,
      onSent: async (sent) => {
        seen.push(sent);
      },
    }).catch((error: unknown) => error);
    await until(() => seen.length === 1);
    // The rival drains the balance first in the same block (a much higher tip).
    const fees = await anvil.publicClient.estimateFeesPerGas();
    await rival.writeContract({
      address: token,
      abi: mockErc20Abi,
      functionName: "transferFrom",
      args: [relayer.account.address, rival.account.address, 100n],
      gas: 200_000n,
      maxFeePerGas: fees.maxFeePerGas * 10n,
      maxPriorityFeePerGas: fees.maxFeePerGas * 5n,
    });
    await anvil.testClient.mine({ blocks: 1 });
    const error = await sending;
    expect(error).toBeInstanceOf(DeliveryRevertedError);
    expect(error).toMatchObject({
      reason: "ERC20InsufficientBalance",
      outcome: "fatal",
      retryable: false,
      txHash: seen[0]?.hashes[0],
    });
  });

  test("settings out of range are refused with the field named", async () => {
    const wallet = walletOf(8);
    const error = await sendWithReplacement({
      publicClient: anvil.publicClient,
      walletClient: wallet,
      request: await mintRequest(wallet, 1n),
      receiptTimeoutMs: 0,
      feeBumpPercent: 25,
      maxFeeBumps: -1,
      onSent: async () => {},
    }).catch((e: unknown) => e);
    expect(String(error)).toContain(
      "relayer.receiptTimeoutMs: expected a positive number of milliseconds, got 0",
    );
    expect(String(error)).toContain("relayer.maxFeeBumps: expected a non-negative integer, got -1");
  });
});

describe("sendWithReplacement under the worker's per-chain lock", () => {
  test("holds the lock for the nonce read and the broadcast only: gas and fees are read before it", async () => {
    let held = false;
    const inLock: string[] = [];
    const onFetchRequest = async (request: Request) => {
      const body = (await request.clone().json()) as { method: string };
      if (held) inLock.push(body.method);
    };
    const publicClient = createPublicClient({
      chain: anvil.chain,
      transport: http(anvil.rpcUrl, { onFetchRequest }),
    });
    const wallet = createWalletClient({
      chain: anvil.chain,
      transport: http(anvil.rpcUrl, { retryCount: 0, onFetchRequest }),
      account: privateKeyToAccount(anvilKey(8)),
    });
    const receipt = await sendWithReplacement({
      publicClient,
      walletClient: wallet,
      request: await mintRequest(wallet, 1n),
      receiptTimeoutMs: 10_000,
      feeBumpPercent: 25,
      maxFeeBumps: 0,
      onSent: async () => undefined,
      exclusive: async (fn) => {
        held = true;
        try {
          return await fn();
        } finally {
          held = false;
        }
      },
      pollingIntervalMs: 20,
    });
    expect(receipt.status).toBe("success");
    expect(inLock).toEqual(["eth_getTransactionCount", "eth_sendRawTransaction"]);
  });

  test("overlapping deliveries of one account take consecutive nonces and share a block", async () => {
    const wallet = walletOf(9);
    const exclusive = createLock();
    await anvil.testClient.setAutomine(false);
    const start = await anvil.publicClient.getTransactionCount({
      address: wallet.account.address,
      blockTag: "pending",
    });
    const sent: SentTransactions[] = [];
    const deliveries = [1n, 2n, 3n].map(async (amount) =>
      sendWithReplacement({
        publicClient: anvil.publicClient,
        walletClient: wallet,
        request: await mintRequest(wallet, amount),
        receiptTimeoutMs: 10_000,
        feeBumpPercent: 25,
        maxFeeBumps: 0,
        onSent: async (s) => {
          sent.push(s);
        },
        exclusive,
        pollingIntervalMs: 20,
      }),
    );
    await until(() => sent.length === 3);
    expect(sent.map((s) => s.nonce).sort()).toEqual([start, start + 1, start + 2]);
    await anvil.testClient.mine({ blocks: 1 });
    const receipts = await Promise.all(deliveries);
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    expect(new Set(receipts.map((r) => r.blockNumber)).size).toBe(1);
  });
});
