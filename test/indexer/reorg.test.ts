import { and, createClient, eq } from "@ponder/client";
import { type Address, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MarginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import * as schema from "../../indexer/ponder.schema.js";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { assertAggregateMatchesRows } from "../kit/assertMargins.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { getJson } from "../kit/indexerApi.js";
import type { IndexedDevnet } from "../kit/startIndexedDevnet.js";
import { startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";

// Ports of this file only: 25545–25547. PGlite in a temp directory.
const BASE_PORT = 25545;
/**
 * Every chain's finality depth here: deeper than the 4-block reorg below.
 */
const FINALITY_DEPTH = 5;
const WAD = 10n ** 18n;
const usd = (dollars: bigint) => dollars * WAD;

let net: IndexedDevnet;
let failed = false;

beforeAll(async () => {
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_reorg_${process.pid}`,
    finalityDepth: FINALITY_DEPTH,
  });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

// ------------------------------------------------------------------ helpers

const sql = () => createClient(`${net.indexer.url}/sql`, { schema }).db;

/** The account's `collateral_balance` row on the chain for the token, over SQL. */
const balanceRow = (chain: ChainClients, account: Address, token: Address) =>
  sql()
    .select()
    .from(schema.collateralBalance)
    .where(
      and(
        eq(schema.collateralBalance.chainId, chain.chain.chainId),
        eq(schema.collateralBalance.account, lowerHex(account)),
        eq(schema.collateralBalance.token, lowerHex(token)),
      ),
    )
    .then((rows) => rows[0]);

const depositsOf = (account: Address) =>
  sql()
    .select()
    .from(schema.deposit)
    .where(eq(schema.deposit.account, lowerHex(account)))
    .orderBy(schema.deposit.blockNumber);

const marginOf = (account: Address) =>
  getJson<MarginAnswer>(`${net.indexer.url}/accounts/${account}/margin`).then((r) => r.body);

/** Waits until every chain is indexed up to its head (the hub's rows price the collaterals); returns the heads. */
const indexedUpToHead = () =>
  waitForIndexedHeads({ indexerUrl: net.indexer.url, chains: [net.hub, ...net.vaults] });

/** Ponder's "Reorged block" log lines for the chain (info level, JSON). */
function reorgLogs(chainId: number): { number: number }[] {
  const found: { number: number }[] = [];
  for (const line of net.indexer.logs().split("\n")) {
    if (!line.includes("Reorged block")) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (
        typeof parsed === "object" &&
        parsed !== null &&
        "chain_id" in parsed &&
        parsed.chain_id === chainId &&
        "number" in parsed &&
        typeof parsed.number === "number"
      ) {
        found.push({ number: parsed.number });
      }
    } catch {
      // Not a JSON line.
    }
  }
  return found;
}

// ------------------------------------------------------------------ tests

describe("reorgs on the devnet, indexed on PGlite", () => {
  test("a deposit that a reorg removes disappears from the balance, the deposits and the aggregate", async () => {
    const trader = net.accounts.traders[0]!;
    const chainX = net.vaults[0];
    const usdc = tokenAddress(chainX, "USDC");
    const amountA = parseUnits("1000", 6);
    const amountB = parseUnits("500", 6);

    // A: mined and indexed.
    const receiptA = await depositCollateral(chainX, {
      key: trader.privateKey,
      token: usdc,
      amount: amountA,
    });
    await indexedUpToHead();
    const rowA = await balanceRow(chainX, trader.address, usdc);
    expect(rowA).toMatchObject({
      balance: amountA,
      pending: 0n,
      seq: 1n,
      sourceBlock: receiptA.blockNumber,
      sourceTxHash: receiptA.transactionHash,
    });
    const { rows: afterA } = await assertAggregateMatchesRows(net.indexer.url, trader.address);
    expect(afterA.stored?.collateralUsd).toBe(usd(1_000n));

    // B: deposited after a snapshot, plus one block on top; indexed.
    const snapshot = await chainX.testClient.snapshot();
    const receiptB = await depositCollateral(chainX, {
      key: trader.privateKey,
      token: usdc,
      amount: amountB,
    });
    await chainX.testClient.mine({ blocks: 1 });
    const oldHeads = await indexedUpToHead();
    const oldHead = oldHeads.get(chainX.chain.chainId) ?? 0n;
    expect(await balanceRow(chainX, trader.address, usdc)).toMatchObject({
      balance: amountA + amountB,
      seq: 2n,
      sourceBlock: receiptB.blockNumber,
      // 1 block deep, finality depth 5: the relayer would not have carried it.
    });
    expect((await depositsOf(trader.address)).map((d) => d.amount)).toEqual([amountA, amountB]);
    const { rows: withB } = await assertAggregateMatchesRows(net.indexer.url, trader.address);
    expect(withB.stored?.collateralUsd).toBe(usd(1_500n));
    expect((await marginOf(trader.address)).totals.collateralUsd).toBe(usd(1_500n).toString());

    // The reorg: back to A's block, then a longer chain without B (4 blocks replace 3).
    await chainX.testClient.revert({ id: snapshot });
    expect(await chainX.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(receiptA.blockNumber);
    const replaced = Number(oldHead - receiptA.blockNumber);
    await chainX.testClient.mine({ blocks: replaced + 1 });
    await expect(
      chainX.publicClient.getTransactionReceipt({ hash: receiptB.transactionHash }),
    ).rejects.toThrow();
    const newHeads = await indexedUpToHead();
    expect(newHeads.get(chainX.chain.chainId)).toBe(oldHead + 1n);
    // Ponder saw it as a reorg (not a restart), at or below B's block.
    const reorgs = reorgLogs(chainX.chain.chainId);
    expect(reorgs.length).toBeGreaterThanOrEqual(1);
    expect(reorgs.some((r) => BigInt(r.number) < receiptB.blockNumber)).toBe(true);

    // B is gone from the chain and from every table; A is still there.
    const [onChainBalance, , onChainSeq] = await chainX.publicClient.readContract({
      address: chainX.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [trader.address, usdc],
    });
    expect([onChainBalance, onChainSeq]).toEqual([amountA, 1n]);
    // Exactly A's row, still not final (4 blocks deep < 5).
    expect(await balanceRow(chainX, trader.address, usdc)).toEqual(rowA);
    const deposits = await depositsOf(trader.address);
    expect(deposits.map((d) => [d.amount, d.txHash, d.seq])).toEqual([
      [amountA, receiptA.transactionHash, 1n],
    ]);
    const { rows: afterReorg } = await assertAggregateMatchesRows(net.indexer.url, trader.address);
    // The aggregate is exactly what it was after A.
    expect(afterReorg.stored).toEqual(afterA.stored);
    expect(afterReorg.stored).toMatchObject({
      collateralUsd: usd(1_000n),
      adjustedUsd: usd(980n),
      chainCount: 1,
    });
    const rest = await marginOf(trader.address);
    expect(rest.totals.collateralUsd).toBe(usd(1_000n).toString());
    expect(rest.collaterals).toEqual([
      expect.objectContaining({
        chainId: chainX.chain.chainId,
        balance: amountA.toString(),
        seq: "1",
      }),
    ]);
  });
});
