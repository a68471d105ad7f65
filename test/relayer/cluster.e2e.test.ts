import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { getRelayerStatus } from "../../relayer/ops/getRelayerStatus.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import { approveVault } from "../kit/approveVault.js";
import { expectCreditedOnce, waitUntilCredited } from "../kit/expectCreditedOnce.js";
import { planDeposits, TEST_DEPOSIT_TOKENS } from "../kit/planDeposits.js";
import { runDepositWaves } from "../kit/runDepositWaves.js";
import { seededRandom } from "../kit/seededRandom.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type StartedRedisCluster, startRedisCluster } from "../kit/startRedisCluster.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// The relayer on a three-node Redis Cluster the test starts itself (BullMQ's hash-tag prefix
// pattern): deposits credited exactly once, every key of the relayer in one slot, and a prefix
// without a hash tag refused at start.

// Ports of this file only: devnet 31550–31552, Redis Cluster 31561–31563 (buses 31571–31573).
const BASE_PORT = 31_550;
const CLUSTER_PORTS = [31_561, 31_562, 31_563];
const FINALITY_DEPTH = 2;
const SEED = 0xc105_7e12;
const TOKENS = TEST_DEPOSIT_TOKENS;

let net: IndexedDevnet;
let cluster: StartedRedisCluster;
let dir: string;
const running: RelayerProcess[] = [];
let logs: () => string = () => "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-cluster-"));
  cluster = await startRedisCluster(CLUSTER_PORTS);
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_cluster_${process.pid}`,
    finalityDepth: FINALITY_DEPTH,
  });
  for (const vault of net.vaults)
    await approveVault(vault, { payers: payers(), symbols: TOKENS.map((t) => t.symbol) });
});

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs (last 200k):\n${logs().slice(-200_000)}`);
  logs = () => "";
});

afterAll(async () => {
  await Promise.all(running.map((relayer) => relayer.kill("SIGKILL")));
  await net?.stop();
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const payers = () => net.accounts.traders.map((t) => t.privateKey);

/**
 * The devnet manifest as a cluster config: `redisCluster`, the seed node, `queuePrefix`. Claims
 * outlive the test (no faults here), so the key check below still finds them.
 */
function clusterConfig(queuePrefix: string) {
  return {
    ...net.devnet.manifest,
    apiUrl: net.indexer.url,
    redisUrl: cluster.url,
    redisCluster: true,
    relayer: {
      queuePrefix,
      port: 0,
      claimTtlMs: 600_000,
      reconcileIntervalMs: 1_000,
      batchWindowMs: 200,
      batchMaxLeaves: 10,
    },
  };
}

/** Every key on every master node under `prefix`, with its slot. */
async function keysOnCluster(prefix: string): Promise<{ key: string; slot: number; node: string }[]> {
  const found: { key: string; slot: number; node: string }[] = [];
  for (const node of cluster.client.nodes("master")) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      for (const key of keys)
        found.push({
          key,
          slot: Number(await node.cluster("KEYSLOT", key)),
          node: `${node.options.host}:${node.options.port}`,
        });
      cursor = next;
    } while (cursor !== "0");
  }
  return found;
}

test("a relayer on a three-node Redis Cluster credits every deposit exactly once, all its keys in one slot", async () => {
  const prefix = `{cmcluster${process.pid}}`;
  const config = clusterConfig(prefix);
  const relayer = await startRelayerProcess({
    config,
    configPath: join(dir, "relayer-cluster.json"),
    // REDIS_URL empty: the config's seed node, not a shell's standalone Redis.
    env: { REDIS_URL: "", REDIS_CLUSTER: "", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 120_000,
  });
  running.push(relayer);
  logs = relayer.logs;
  const deposits = planDeposits({
    label: `cluster-${SEED}`,
    count: 100,
    accounts: 25,
    chains: net.vaults,
    tokens: TOKENS,
    random: seededRandom(SEED),
  });
  await runDepositWaves({
    chains: net.vaults,
    payers: payers(),
    deposits,
    waves: 5,
    pauseMs: 300,
    afterWave: async () =>
      void (await Promise.all(net.vaults.map((vault) => vault.testClient.mine({ blocks: FINALITY_DEPTH })))),
  });
  const chains = { hub: net.hub, chains: net.vaults };
  const result = await waitUntilCredited(chains, deposits, 150_000);
  await expectCreditedOnce(chains, deposits, result);

  // BullMQ's keys, the leaf claims and the batch counters all hash to one slot of one node.
  const keys = await keysOnCluster(prefix);
  const kinds = (part: string) => keys.filter((k) => k.key.startsWith(`${prefix}:${part}`)).length;
  expect(kinds("attest:")).toBeGreaterThan(0);
  expect(kinds(`deliver-${net.hub.chain.chainId}:`)).toBeGreaterThan(0);
  expect(kinds("claim:")).toBeGreaterThan(0);
  expect(kinds("batch-index:")).toBeGreaterThan(0);
  expect(new Set(keys.map((k) => k.slot)).size).toBe(1);
  expect(new Set(keys.map((k) => k.node)).size).toBe(1);

  // The operator's status reads the same queues through a cluster client.
  const status = await getRelayerStatus({ config: parseConfig(config) });
  const hubQueue = status.queues.find((q) => q.queue === `deliver-${net.hub.chain.chainId}`);
  expect(hubQueue?.counts.completed).toBeGreaterThan(0);
  expect(status.deadLetters.total).toBe(0);
  expect(await relayer.kill("SIGTERM")).toBe(0);
}, 300_000);

test("a queue prefix without a hash tag on a cluster: the relayer refuses to start and names the field", async () => {
  const start = startRelayerProcess({
    config: clusterConfig(`cmplain${process.pid}`),
    configPath: join(dir, "relayer-plain.json"),
    env: { REDIS_URL: "", REDIS_CLUSTER: "", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 120_000,
  });
  await expect(start).rejects.toThrow(
    /relayer\.queuePrefix: expected a \{hash tag\} prefix such as "\{cmplain\d+\}" on a Redis Cluster \(redisCluster: true\)/,
  );
  // Nothing was written under the plain prefix.
  expect(await keysOnCluster(`cmplain${process.pid}`)).toEqual([]);
}, 180_000);
