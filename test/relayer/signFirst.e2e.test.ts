import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hex, keccak256, parseTransaction, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { deliverQueueName } from "../../relayer/jobIds.js";
import { openRelayerQueues } from "../../relayer/ops/openRelayerQueues.js";
import type { DeliverJobData } from "../../relayer/types.js";
import type { Config } from "../../shared/config/schema.js";
import { tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { pollUntil } from "../kit/pollUntil.js";
import { isSynced, readKeyState } from "../kit/readKeyState.js";
import { relayerLogLines, waitForLogLine } from "../kit/relayerLogLines.js";
import { type RpcProxy, startRpcProxy } from "../kit/rpcProxy.js";
import { SEND_TEST_RELAYER_SETTINGS } from "../kit/sendTestSettings.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// Issue 20, "crash between send and receipt", its narrowest gap: the hub's node has accepted the
// relayer's transaction but the relayer never hears back (an RPC proxy withholds the answer to
// `eth_sendRawTransaction`) and is SIGKILLed. The job must already know the transaction (signed
// and recorded before the broadcast), so the successor resumes it — same nonce — rather than
// sending a second one with the next nonce that would revert as "already applied".

// Ports of this file only: 29555–29557.
const BASE_PORT = 29_555;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const PREFIX = `cmsignfirst${process.pid}`;
const AMOUNT = parseUnits("25", 6);

let net: IndexedDevnet;
let dir: string;
let hubProxy: RpcProxy;
const relayers: RelayerProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-signfirst-"));
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_signfirst_${process.pid}`,
    finalityDepth: 1,
  });
  const hub = net.devnet.config.chains[String(net.hub.chain.chainId)];
  if (hub === undefined) throw new Error("no hub chain in the devnet config");
  hubProxy = await startRpcProxy({ target: hub.rpcUrl, dropRate: 0, delayRate: 0 });
  // Real block times: a block a second on every chain.
  await Promise.all(
    [net.hub, ...net.vaults].map((chain) => chain.testClient.setIntervalMining({ interval: 1 })),
  );
}, 180_000);

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs:\n${relayers.map((r) => r.logs()).join("\n")}`.slice(-100_000));
});

afterAll(async () => {
  for (const relayer of relayers) await relayer.kill("SIGKILL");
  await hubProxy?.stop();
  await clearRedisPrefix(SHARED_REDIS, PREFIX).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The relayers' config: the hub through the proxy, the indexer direct. */
function relayerConfig(): Config {
  const base = net.devnet.config;
  const hubId = String(net.hub.chain.chainId);
  const hub = base.chains[hubId];
  if (hub === undefined) throw new Error(`no hub chain ${hubId} in the devnet config`);
  return {
    ...base,
    chains: { ...base.chains, [hubId]: { ...hub, rpcUrl: hubProxy.url } },
    apiUrl: net.indexer.url,
    redisUrl: SHARED_REDIS,
    relayer: {
      ...base.relayer,
      ...SEND_TEST_RELAYER_SETTINGS,
      queuePrefix: PREFIX,
    },
  };
}

async function startRelayer(name: string): Promise<RelayerProcess> {
  const relayer = await startRelayerProcess({
    config: { ...net.devnet.manifest, ...relayerConfig() },
    configPath: join(dir, `relayer-${name}.json`),
    env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "debug", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 90_000,
  });
  relayers.push(relayer);
  return relayer;
}

/** What the hub's delivery job of a batch recorded in Redis. */
async function recordedSends(guid: unknown): Promise<DeliverJobData["sent"]> {
  const opened = await openRelayerQueues({ config: relayerConfig() });
  try {
    const queue = opened.queues.get(deliverQueueName(net.hub.chain.chainId));
    const jobs = (await queue?.getJobs(["active", "waiting", "delayed", "completed"])) ?? [];
    return jobs.find((job) => (job?.data as DeliverJobData | undefined)?.claim.guid === guid)?.data.sent;
  } finally {
    await opened.close();
  }
}

/** The relayer's transactions on the hub in blocks `from`..latest. */
async function relayerTransactionsSince(from: bigint): Promise<Hex[]> {
  const relayer = net.accounts.relayer.address.toLowerCase();
  const latest = await net.hub.publicClient.getBlockNumber();
  const hashes: Hex[] = [];
  for (let number = from; number <= latest; number++) {
    const block = await net.hub.publicClient.getBlock({ blockNumber: number, includeTransactions: true });
    for (const tx of block.transactions) if (tx.from.toLowerCase() === relayer) hashes.push(tx.hash);
  }
  return hashes;
}

test("killed after the node accepted its transaction and before hearing back, the relayer's successor sends no second transaction", async () => {
  const trader = net.accounts.traders[0];
  if (trader === undefined) throw new Error("no trader 0");
  const vault = net.vaults[0];
  const token = tokenAddress(vault, "USDC");
  const relayerAddress = net.accounts.relayer.address;
  const first = await startRelayer("first");
  const before = await readKeyState({ hub: net.hub, chain: vault, account: trader.address, token });
  const nonceBefore = await net.hub.publicClient.getTransactionCount({ address: relayerAddress });
  const blockBefore = await net.hub.publicClient.getBlockNumber();

  // The hub mines nothing for now, so the accepted transaction stays pending across the kill.
  await net.hub.testClient.setIntervalMining({ interval: 0 });
  const held = hubProxy.holdAnswer("eth_sendRawTransaction");
  await depositCollateral(vault, { key: trader.privateKey, token, amount: AMOUNT });
  const { call, answer } = await held;
  await first.kill("SIGKILL");

  const raw = (call.params as Hex[])[0] as Hex;
  const hash = keccak256(raw);
  expect(answer).toMatchObject({ result: hash });
  expect(parseTransaction(raw).nonce).toBe(nonceBefore);
  expect((await net.hub.publicClient.getTransaction({ hash })).blockNumber).toBeNull();
  expect(relayerLogLines(first.logs()).filter((line) => line.msg === "transaction sent")).toEqual([]);

  const successor = await startRelayer("successor");
  const route = `${vault.chain.chainId}->${net.hub.chain.chainId}`;
  const resent = await waitForLogLine(
    successor.logs,
    (line) => line.at === "relayer.deliver" && line.route === route && typeof line.txHash === "string",
    { timeoutMs: 90_000, what: "the successor sending for the batch" },
  );
  await net.hub.testClient.setIntervalMining({ interval: 1 });
  const delivered = await waitForLogLine(
    successor.logs,
    (line) => line.msg === "delivered" && line.guid === resent.guid,
    { timeoutMs: 60_000, what: "the successor finishing the delivery" },
  );
  await pollUntil(
    () => readKeyState({ hub: net.hub, chain: vault, account: trader.address, token }),
    (state) => isSynced(state) && state.vault.balance === before.vault.balance + AMOUNT,
    { timeoutMs: 30_000, what: "the deposit credited on the hub" },
  );

  // Every send of the successor for the batch used the nonce of the transaction the node accepted.
  const sends = relayerLogLines(successor.logs()).filter(
    (line) => line.guid === resent.guid && typeof line.txHash === "string" && line.msg !== "delivered",
  );
  expect(sends.map((line) => line.nonce)).toEqual(sends.map(() => nonceBefore));
  // Exactly one transaction of the relayer mined for the work, and it delivered (not "already").
  const mined = await relayerTransactionsSince(blockBefore + 1n);
  expect(mined).toEqual([delivered.txHash]);
  expect(await net.hub.publicClient.getTransactionCount({ address: relayerAddress })).toBe(nonceBefore + 1);
  expect(delivered.status).toBe("delivered");
  // The job had recorded the accepted transaction before the node answered.
  expect((await recordedSends(resent.guid))?.hashes[0]).toBe(hash);
}, 240_000);
