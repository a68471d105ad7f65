import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type Hex, parseUnits, type Transaction } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { deliverQueueName } from "../../relayer/jobIds.js";
import { openRelayerQueues } from "../../relayer/ops/openRelayerQueues.js";
import type { DeliverJobData } from "../../relayer/types.js";
import type { Config } from "../../shared/config/schema.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { pollUntil } from "../kit/pollUntil.js";
import { isSynced, readKeyState } from "../kit/readKeyState.js";
import { type RelayerLogLine, relayerLogLines, waitForLogLine } from "../kit/relayerLogLines.js";
import { SEND_TEST_RELAYER_SETTINGS } from "../kit/sendTestSettings.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// Issue 20, "crash between send and receipt": a relayer child process delivers a balance batch to
// the hub while every chain mines a block a second (interval mining, not automine). The hub stops
// mining while a delivery is in flight, so its transaction is sent and not yet mined when the
// relayer is SIGKILLed; the successor must finish the work from the hash recorded in the job
// (never a second transaction of its own for it), and a transaction left pending must be
// replaced with the same nonce and fees at least 10 % higher, by the relayer process itself.
// (Anvil drops, rather than keeps, a pending transaction whose max fee falls below the base fee,
// so a stopped hub is what keeps one pending here.)

// Ports of this file only: 29545–29547.
const BASE_PORT = 29_545;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const PREFIX = `cmsendrcpt${process.pid}`;
/** How long a sent transaction may stay unmined before the relayer bumps its fees. */
const RECEIPT_TIMEOUT_MS = SEND_TEST_RELAYER_SETTINGS.receiptTimeoutMs;
const AMOUNT = parseUnits("25", 6);

let net: IndexedDevnet;
let dir: string;
let relayer: RelayerProcess | undefined;
/** The relayer process running now. */
const running = (): RelayerProcess => {
  if (relayer === undefined) throw new Error("no relayer running");
  return relayer;
};
/** Output of the relayers killed so far, printed with the running one's when a test fails. */
let earlierLogs = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-sendrcpt-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_sendrcpt_${process.pid}`,
    finalityDepth: 1,
  });
  // Real block times from here on: a block every second on every chain.
  await Promise.all(allChains().map((chain) => chain.testClient.setIntervalMining({ interval: 1 })));
  relayer = await startRelayer("first");
});

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs (last 100k):\n${`${earlierLogs}${relayer?.logs() ?? ""}`.slice(-100_000)}`);
});

afterAll(async () => {
  await relayer?.kill("SIGKILL");
  await clearRedisPrefix(SHARED_REDIS, PREFIX).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

const allChains = (): ChainClients[] => [net.hub, ...net.vaults];
const relayerAddress = (): Address => net.accounts.relayer.address;

/** The config the relayer processes run (and the test reads their queues with). */
function relayerConfig(): Config {
  const base = net.devnet.config;
  return {
    ...base,
    apiUrl: net.indexer.url,
    redisUrl: SHARED_REDIS,
    relayer: {
      ...base.relayer,
      ...SEND_TEST_RELAYER_SETTINGS,
      queuePrefix: PREFIX,
    },
  };
}

/** A relayer child process (debug logs: they carry every send and fee bump). */
function startRelayer(name: string): Promise<RelayerProcess> {
  return startRelayerProcess({
    config: { ...net.devnet.manifest, ...relayerConfig() },
    configPath: join(dir, `relayer-${name}.json`),
    // Empty keys: the manifest's demo relayer and attester keys, whatever this shell exports.
    env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "debug", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 90_000,
  });
}

/** SIGKILLs the running relayer: no drain, no cleanup. */
async function killRelayer(): Promise<void> {
  await running().kill("SIGKILL");
  earlierLogs += running().logs();
  relayer = undefined;
}

/** Starts the successor of a killed relayer. */
async function startSuccessor(name: string): Promise<RelayerProcess> {
  relayer = await startRelayer(name);
  return relayer;
}

/** The hub stops mining (its pending transactions stay in the pool) / mines a block a second again. */
const haltHub = () => net.hub.testClient.setIntervalMining({ interval: 0 });
const resumeHub = () => net.hub.testClient.setIntervalMining({ interval: 1 });

/** The relayer's transactions mined on the hub so far (its `latest` nonce). */
const minedNonce = () =>
  net.hub.publicClient.getTransactionCount({ address: relayerAddress(), blockTag: "latest" });

/** A transaction as the hub's node has it, or undefined once it is gone from pool and chain. */
const findTransaction = (hash: Hex): Promise<Transaction | undefined> =>
  net.hub.publicClient.getTransaction({ hash }).catch(() => undefined);

/** The relayer's `deliver` log lines for one batch guid. */
const linesOf = (logs: string, guid: unknown): RelayerLogLine[] =>
  relayerLogLines(logs).filter((line) => line.at === "relayer.deliver" && line.guid === guid);

/**
 * A trader deposits on the first vault chain; resolves with the relayer's first send of the batch
 * that carries it (a debug `"transaction sent"` line of a balance batch to the hub).
 */
async function depositAndAwaitSend(relayerProcess: RelayerProcess, trader: number) {
  const key = net.accounts.traders[trader];
  if (key === undefined) throw new Error(`no trader ${trader}`);
  const vault = net.vaults[0];
  const token = tokenAddress(vault, "USDC");
  const before = await readKeyState({ hub: net.hub, chain: vault, account: key.address, token });
  const offset = relayerProcess.logs().length;
  await depositCollateral(vault, { key: key.privateKey, token, amount: AMOUNT });
  const route = `${vault.chain.chainId}->${net.hub.chain.chainId}`;
  const sent = await waitForLogLine(
    () => relayerProcess.logs().slice(offset),
    (line) => line.msg === "transaction sent" && line.kind === "balance_batch" && line.route === route,
    { what: `the relayer sending the batch of trader ${trader}'s deposit` },
  );
  return {
    guid: sent.guid as Hex,
    hash: sent.txHash as Hex,
    nonce: Number(sent.nonce),
    expectCredited: () =>
      pollUntil(
        () => readKeyState({ hub: net.hub, chain: vault, account: key.address, token }),
        (state) => isSynced(state) && state.vault.balance === before.vault.balance + AMOUNT,
        { timeoutMs: 30_000, what: `trader ${trader}'s deposit credited on the hub` },
      ),
  };
}

/** What the delivery job of a batch recorded in Redis (`DeliverJobData.sent`). */
async function recordedSends(guid: Hex): Promise<DeliverJobData["sent"]> {
  const relayerQueues = await openRelayerQueues({ config: relayerConfig() });
  try {
    const queue = relayerQueues.queues.get(deliverQueueName(net.hub.chain.chainId));
    const jobs = (await queue?.getJobs(["active", "waiting", "delayed", "completed"])) ?? [];
    const job = jobs.find((j) => (j?.data as DeliverJobData | undefined)?.claim.guid === guid);
    return (job?.data as DeliverJobData | undefined)?.sent;
  } finally {
    await relayerQueues.close();
  }
}

/** A replacement's fee caps are each at least 10 % above the replaced transaction's (nodes' minimum bump). */
function expectBumped(original: Transaction, replacement: Transaction) {
  expect(replacement.nonce).toBe(original.nonce);
  expect(replacement.from.toLowerCase()).toBe(original.from.toLowerCase());
  const atLeast10Percent = (next: bigint | undefined, previous: bigint | undefined) =>
    (next ?? 0n) * 100n >= (previous ?? 0n) * 110n && (previous ?? 0n) > 0n;
  expect({
    maxFeePerGas: atLeast10Percent(replacement.maxFeePerGas, original.maxFeePerGas),
    maxPriorityFeePerGas: atLeast10Percent(replacement.maxPriorityFeePerGas, original.maxPriorityFeePerGas),
  }).toEqual({ maxFeePerGas: true, maxPriorityFeePerGas: true });
}

// ------------------------------------------------------------------ tests

describe("a relayer killed between send and receipt (interval mining)", () => {
  test("the transaction mines while it is down: its successor finds the recorded hash and sends nothing", async () => {
    const nonceBefore = await minedNonce();
    await haltHub();
    const sent = await depositAndAwaitSend(running(), 0);
    // Sent, recorded in the job, pending in the hub's pool: the relayer dies now.
    expect(await recordedSends(sent.guid)).toMatchObject({ nonce: sent.nonce, hashes: [sent.hash] });
    expect((await findTransaction(sent.hash))?.blockNumber).toBeNull();
    expect(sent.nonce).toBe(nonceBefore);
    await killRelayer();
    await resumeHub();
    const receipt = await net.hub.publicClient.waitForTransactionReceipt({
      hash: sent.hash,
      timeout: 30_000,
    });
    expect(receipt.status).toBe("success");
    const successor = await startSuccessor("after-mined");

    // The successor resumes the job from its recorded hash: delivered with that transaction.
    const delivered = await waitForLogLine(
      successor.logs,
      (line) => line.msg === "delivered" && line.guid === sent.guid,
      { timeoutMs: 90_000, what: "the successor finishing the delivery" },
    );
    expect(delivered).toMatchObject({ status: "delivered", txHash: sent.hash });
    expect(linesOf(successor.logs(), sent.guid).filter((l) => l.msg !== "delivered")).toEqual([]);
    await sent.expectCredited();
    // One transaction of the relayer for the work, the one the first process sent.
    expect(await minedNonce()).toBe(nonceBefore + 1);
  }, 150_000);

  test("the transaction is still pending: its successor replaces it (same nonce, fees +10 % or more) and it lands once", async () => {
    const nonceBefore = await minedNonce();
    await haltHub();
    const sent = await depositAndAwaitSend(running(), 1);
    const original = await findTransaction(sent.hash);
    expect(original?.blockNumber).toBeNull();
    expect(await recordedSends(sent.guid)).toMatchObject({ nonce: sent.nonce, hashes: [sent.hash] });
    await killRelayer();
    const successor = await startSuccessor("while-pending");

    // The hub still mines nothing: the successor finds the pending transaction and outbids it.
    const replaced = await waitForLogLine(
      successor.logs,
      (line) => line.msg === "transaction replaced (fee bumped)" && line.guid === sent.guid,
      { timeoutMs: 90_000, what: "the successor replacing the pending transaction" },
    );
    const replacement = await findTransaction(replaced.txHash as Hex);
    await resumeHub();
    if (original === undefined || replacement === undefined) throw new Error("transactions not in the pool");
    expect(replaced.nonce).toBe(sent.nonce);
    expectBumped(original, replacement);

    const delivered = await waitForLogLine(
      successor.logs,
      (line) => line.msg === "delivered" && line.guid === sent.guid,
      { timeoutMs: 30_000, what: "the replacement delivered" },
    );
    const recorded = await recordedSends(sent.guid);
    expect(recorded?.hashes[0]).toBe(sent.hash);
    expect(recorded?.hashes.at(-1)).toBe(delivered.txHash);
    const landed = await findTransaction(delivered.txHash as Hex);
    if (landed === undefined) throw new Error("the delivered transaction is not on the hub");
    expectBumped(original, landed);
    // The original was replaced in the pool, never mined; one transaction of the relayer for the work.
    expect(await findTransaction(sent.hash)).toBeUndefined();
    await sent.expectCredited();
    expect(await minedNonce()).toBe(nonceBefore + 1);
  }, 150_000);

  test("a transaction stuck while the relayer runs is replaced after receiptTimeoutMs, by that process, and lands once", async () => {
    const current = running();
    const nonceBefore = await minedNonce();
    await haltHub();
    const sent = await depositAndAwaitSend(current, 2);
    const original = await findTransaction(sent.hash);
    const replaced = await waitForLogLine(
      current.logs,
      (line) => line.msg === "transaction replaced (fee bumped)" && line.guid === sent.guid,
      { timeoutMs: RECEIPT_TIMEOUT_MS * 5, what: "the running relayer bumping the stuck transaction" },
    );
    const replacement = await findTransaction(replaced.txHash as Hex);
    await resumeHub();
    if (original === undefined || replacement === undefined) throw new Error("transactions not in the pool");
    expect(original.blockNumber).toBeNull();
    expectBumped(original, replacement);
    const delivered = await waitForLogLine(
      current.logs,
      (line) => line.msg === "delivered" && line.guid === sent.guid,
      { timeoutMs: 30_000, what: "the replacement delivered" },
    );
    expect(delivered.status).toBe("delivered");
    expect(delivered.txHash).not.toBe(sent.hash);
    expect(await findTransaction(sent.hash)).toBeUndefined();
    await sent.expectCredited();
    expect(await minedNonce()).toBe(nonceBefore + 1);
  }, 90_000);
});
