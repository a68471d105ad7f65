import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, type Hex, parseUnits } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { asTimelockOwner } from "../kit/asTimelockOwner.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { flowsDevnet } from "../kit/flowsDevnet.js";
import { pollUntil } from "../kit/pollUntil.js";
import { relayerLogLines, waitForLogLine } from "../kit/relayerLogLines.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

// Issue 20, "dead letters": a delivery that can never pass lands in `dead-letter` through a
// running relayer, `crossmargin status` shows it (job, chain, reason), and `crossmargin retry`
// brings it back once the cause is gone. The cause is real chain state: the vault chain's attester
// set is rotated (by its timelock owner) to keys the relayer's attesters do not hold, so the hub's
// APPROVE/REJECT command reverts with QuorumVerifier_UnknownSigner, which no retry can fix.
// Rotating the original set back makes the same signatures valid again (the digest has no epoch).

// Ports of this file only: 29550–29552.
const BASE_PORT = 29_550;
const SHARED_REDIS = "redis://127.0.0.1:6379";
const PREFIX = `cmdeadletter${process.pid}`;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let net: IndexedDevnet;
let dir: string;
let configPath: string;
let relayer: RelayerProcess | undefined;
const flows = flowsDevnet(() => net, { reconcileIntervalMs: 1_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-deadletter-"));
  configPath = join(dir, "relayer.json");
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    schema: `cm_deadletter_${process.pid}`,
    finalityDepth: 1,
  });
  await Promise.all(
    [net.hub, ...net.vaults].map((chain) => chain.testClient.setIntervalMining({ interval: 1 })),
  );
  relayer = await startRelayerProcess({
    config: {
      ...net.devnet.manifest,
      apiUrl: net.indexer.url,
      redisUrl: SHARED_REDIS,
      relayer: { queuePrefix: PREFIX, port: 0, reconcileIntervalMs: 1_000, batchWindowMs: 200 },
    },
    configPath,
    // Empty keys: the manifest's demo relayer and attester keys, whatever this shell exports.
    env: { REDIS_URL: SHARED_REDIS, LOG_LEVEL: "info", RELAYER_PRIVATE_KEY: "", ATTESTER_PRIVATE_KEYS: "" },
    readyTimeoutMs: 90_000,
  });
});

afterEach((context) => {
  if (context.task.result?.state === "fail")
    console.error(`relayer logs (last 100k):\n${relayer?.logs().slice(-100_000)}`);
});

afterAll(async () => {
  await relayer?.kill("SIGKILL");
  await clearRedisPrefix(SHARED_REDIS, PREFIX).catch(() => undefined);
  await net?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Runs `crossmargin <args> --config <the relayer's config>` to completion, as an operator would. */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/crossmargin.js", ...args, "--config", configPath], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, REDIS_URL: SHARED_REDIS },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Rotates the chain's vault to an attester set (its owner is the devnet's timelock). */
function rotateVaultAttesters(chain: ChainClients, attesters: readonly Address[], threshold: number) {
  const sorted = [...attesters].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  return asTimelockOwner(chain, net.accounts.deployer.privateKey, {
    address: chain.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "rotateAttesters",
    args: [sorted, threshold],
  });
}

const inboundNonce = (chain: ChainClients) =>
  chain.publicClient.readContract({
    address: chain.chain.contracts.vault,
    abi: collateralVaultAbi,
    functionName: "inboundNonce",
  });

/** `CommandApplied` events of one command on the chain's vault. */
const commandsApplied = (chain: ChainClients, guid: Hex) =>
  chain.publicClient.getContractEvents({
    address: chain.chain.contracts.vault,
    abi: collateralVaultAbi,
    eventName: "CommandApplied",
    args: { guid },
    fromBlock: 0n,
  });

test("a command the vault's attester set refuses is dead-lettered, shown by `status`, and delivered once by `retry` after the set is restored", async () => {
  if (relayer === undefined) throw new Error("no relayer");
  const vault = net.vaults[0];
  const vaultId = vault.chain.chainId;
  const hubId = net.hub.chain.chainId;
  const trader = flows.trader(0);
  const token = tokenAddress(vault, "USDC");
  await flows.depositAndWait(trader, [{ chain: vault, token, amount: parseUnits("100", 6) }]);

  // The vault's owner rotates to a set whose keys the relayer's attesters do not hold.
  const { threshold, addresses } = net.devnet.config.attesters;
  const strangers = addresses.map(() => privateKeyToAccount(generatePrivateKey()).address);
  await rotateVaultAttesters(vault, strangers, threshold);
  const nonceBefore = await inboundNonce(vault);
  const offset = relayer.logs().length;
  await flows.requestWithdrawal(vault, trader, token, parseUnits("10", 6));

  // The hub answers the request; its command to the vault can never verify: a dead letter.
  const letter = await waitForLogLine(
    () => relayer?.logs().slice(offset) ?? "",
    (line) => line.at === "relayer.deadLetter",
    { timeoutMs: 90_000, what: "the hub's command dead-lettered" },
  );
  const jobId = String(letter.jobId);
  const commandGuid = jobId.replace(/^packet-/, "") as Hex;
  expect(letter).toMatchObject({ queue: `deliver-${vaultId}`, reason: "QuorumVerifier_UnknownSigner" });
  expect(jobId).toMatch(/^packet-0x[0-9a-f]{64}$/);

  // `status` names the job, its route and chain, the reason, and how to retry it.
  const status = cli("status");
  expect(status.code).toBe(0);
  const deadSection = status.stdout.slice(status.stdout.indexOf("Dead letters"));
  expect(deadSection).toMatch(/^Dead letters: 1;/);
  console.info(`crossmargin status, dead letters:\n${deadSection}`);
  for (const expected of [
    `\n${jobId}\n`,
    `in deliver-${vaultId} (delivering to chain ${vaultId} "${vault.chain.name}")`,
    `on route ${hubId}->${vaultId}`,
    "reason     QuorumVerifier_UnknownSigner",
    "error      Delivery reverted: QuorumVerifier_UnknownSigner(index: 0, signer: 0x",
    `retry      crossmargin retry ${jobId}`,
  ])
    expect(deadSection).toContain(expected);
  expect(deadSection).toMatch(/work {7}(approve|reject)_withdrawal on route/);
  // Nothing was applied: the request stays pending on the vault.
  expect(await inboundNonce(vault)).toBe(nonceBefore);
  expect((await flows.keyState(vault, trader.address, token)).vault.pending).toBe(parseUnits("10", 6));

  // The owner restores the set; the operator retries the dead letter, and it is delivered once.
  await rotateVaultAttesters(vault, addresses, threshold);
  const retried = cli("retry", jobId);
  expect(retried.stderr).toBe("");
  expect(retried.code).toBe(0);
  expect(retried.stdout).toContain(`retried ${jobId} in deliver-${vaultId} (was dead-letter`);
  await pollUntil(
    async () => ({
      nonce: await inboundNonce(vault),
      state: await flows.keyState(vault, trader.address, token),
    }),
    ({ nonce, state }) => nonce === nonceBefore + 1n && state.vault.pending === 0n,
    { timeoutMs: 60_000, what: "the retried command applied on the vault" },
  );
  expect(await commandsApplied(vault, commandGuid)).toHaveLength(1);
  const deliveries = relayerLogLines(relayer.logs()).filter(
    (line) => line.msg === "delivered" && line.guid === commandGuid,
  );
  expect(deliveries).toMatchObject([{ status: "delivered" }]);
  const after = cli("status");
  expect(after.code).toBe(0);
  expect(after.stdout).toContain("Dead letters: none");
}, 180_000);
