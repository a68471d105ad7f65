import { Queue } from "bullmq";
import { pino } from "pino";
import { parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { ATTEST_QUEUE, deliverQueueName } from "../../relayer/jobIds.js";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { Config } from "../../shared/config/schema.js";
import { approveVault } from "../kit/approveVault.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { pollUntil } from "../kit/pollUntil.js";
import { readBalanceCredits } from "../kit/readBalanceCredits.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// End-to-end test 5 of the relayer: a reorg of a vault chain before finality. One devnet (hub +
// two vault chains, automine), one PGlite indexer and one in-process relayer for the file.

// Ports of this file only: 28345–28347.
const BASE_PORT = 28_345;
/** Every chain's finality depth: deeper than the 2-block reorg below. */
const FINALITY_DEPTH = 5;
const REDIS_URL = "redis://127.0.0.1:6379";

let net: IndexedDevnet;
let relayer: Relayer;
let config: Config;
const lines: string[] = [];

beforeAll(async () => {
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_rreorg_${process.pid}`,
    finalityDepth: FINALITY_DEPTH,
  });
  for (const vault of net.vaults) {
    await approveVault(vault, { payers: net.accounts.traders.map((t) => t.privateKey), symbols: ["USDC"] });
  }
  const base = net.devnet.config;
  config = {
    ...base,
    redisUrl: REDIS_URL,
    relayer: {
      ...base.relayer,
      queuePrefix: `reorg${process.pid}`,
      port: 0,
      reconcileIntervalMs: 1_000,
      claimTtlMs: 5_000,
      batchWindowMs: 100,
    },
  };
  relayer = await startRelayer({
    config,
    keys: resolveKeys(config, {}),
    apiUrl: net.indexer.url,
    logger: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }),
  });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") console.error(`relayer logs:\n${lines.join("").slice(-30_000)}`);
});

afterAll(async () => {
  await relayer?.stop();
  if (config !== undefined)
    await clearRedisPrefix(REDIS_URL, config.relayer.queuePrefix).catch(() => undefined);
  await net?.stop();
});

// ------------------------------------------------------------------ helpers

/** Deposits `amount` of `token` (vault approved) and returns the receipt. */
const deposit = (chain: ChainClients, key: `0x${string}`, token: `0x${string}`, amount: bigint) =>
  writeAndWait(
    { publicClient: chain.publicClient, walletClient: chain.walletFor(key) },
    {
      address: chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "deposit",
      args: [token, amount],
    },
  );

const credited = (account: `0x${string}`, chain: ChainClients, token: `0x${string}`) =>
  net.hub.publicClient
    .readContract({
      address: net.hub.chain.contracts.hub as `0x${string}`, // the hub chain's config always has the hub
      abi: marginHubAbi,
      functionName: "creditedBalance",
      args: [account, BigInt(chain.chain.chainId), token],
    })
    .then(([balance, seq]) => ({ balance, seq: BigInt(seq) }));

const vaultState = (account: `0x${string}`, chain: ChainClients, token: `0x${string}`) =>
  chain.publicClient
    .readContract({
      address: chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [account, token],
    })
    .then(([balance, , seq]) => ({ balance, seq: BigInt(seq) }));

/** A raw JSON-RPC call (anvil_reorg is not in viem's typed test actions). */
async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } }; // a JSON-RPC answer
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Jobs the relayer's attest and hub-delivery queues ever held (kept after completion) and still hold. */
async function queueCounts(): Promise<{ total: number; open: number }> {
  const prefix = config.relayer.queuePrefix;
  const queues = [ATTEST_QUEUE, deliverQueueName(net.hub.chain.chainId)].map(
    (name) => new Queue(name, { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix }),
  );
  try {
    const counts = await Promise.all(
      queues.map((q) => q.getJobCounts("waiting", "active", "delayed", "prioritized", "completed", "failed")),
    );
    const total = counts.reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
    const open = counts.reduce(
      (n, c) => n + (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0),
      0,
    );
    return { total, open };
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

// ------------------------------------------------------------------ test

test("a deposit a reorg removes before finality is never credited; the deposit that survived is", async () => {
  const [chainX] = net.vaults;
  const usdc = tokenAddress(chainX, "USDC");
  const [trader, other] = net.accounts.traders;
  if (trader === undefined || other === undefined) throw new Error("expected two demo traders");
  const amountA = parseUnits("1000", 6);
  const amountB = parseUnits("500", 6);
  const amountC = parseUnits("250", 6);

  // A (trader) survives; B (trader again) and C (another account) are in the two blocks above it.
  const receiptA = await deposit(chainX, trader.privateKey, usdc, amountA);
  const receiptB = await deposit(chainX, trader.privateKey, usdc, amountB);
  const receiptC = await deposit(chainX, other.privateKey, usdc, amountC);
  expect(receiptC.blockNumber - receiptA.blockNumber).toBe(2n);

  // The indexer shows all three (not final); the relayer relays none of it, whatever rounds it runs.
  await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [chainX] });
  for (let round = 0; round < 3; round += 1) await relayer.reconcile();
  expect(await queueCounts()).toEqual({ total: 0, open: 0 });

  // The reorg: the two blocks above A are replaced by two empty ones (depth 2 < finality depth 5).
  const head = await chainX.publicClient.getBlockNumber({ cacheTime: 0 });
  expect(head).toBe(receiptC.blockNumber);
  await rpc(chainX.chain.rpcUrl, "anvil_reorg", [2, []]);
  expect(await chainX.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(head);
  for (const receipt of [receiptB, receiptC]) {
    await expect(
      chainX.publicClient.getTransactionReceipt({ hash: receipt.transactionHash }),
    ).rejects.toThrow();
  }
  expect(await vaultState(trader.address, chainX, usdc)).toEqual({ balance: amountA, seq: 1n });
  expect(await vaultState(other.address, chainX, usdc)).toEqual({ balance: 0n, seq: 0n });

  // Past finality: A is credited, exactly as the vault holds it.
  await chainX.testClient.mine({ blocks: FINALITY_DEPTH });
  const creditA = await pollUntil(
    () => credited(trader.address, chainX, usdc),
    (c) => c.seq > 0n,
    { timeoutMs: 60_000, what: "A credited on the hub" },
  );
  expect(creditA).toEqual({ balance: amountA, seq: 1n });

  // More rounds once the indexer has caught up with the reorg: still nothing more.
  await waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [chainX] });
  for (let round = 0; round < 3; round += 1) await relayer.reconcile();
  await pollUntil(queueCounts, (c) => c.open === 0, {
    timeoutMs: 30_000,
    what: "the relayer's queues to drain",
  });
  expect(await credited(trader.address, chainX, usdc)).toEqual({ balance: amountA, seq: 1n });
  expect(await credited(other.address, chainX, usdc)).toEqual({ balance: 0n, seq: 0n });

  // Never: the hub's whole credit history has A once, and neither B nor C.
  const history = (await readBalanceCredits(net.hub)).filter(
    (c) => c.chainId === BigInt(chainX.chain.chainId),
  );
  expect(history.map((c) => [c.account, c.balance, c.seq])).toEqual([[trader.address, amountA, 1n]]);
}, 180_000);
