import { pino } from "pino";
import { type Address, parseUnits } from "viem";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { pollUntil } from "../kit/pollUntil.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";

// Two relayer processes' worth of relayers (in one test process) on one Redis and one queue prefix.
const PREFIX = `cmscale${process.pid}`;
let net: IndexedDevnet;
const relayers: Relayer[] = [];

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: 26645, schema: `cm_scale_${process.pid}`, finalityDepth: 1 });
  const config = {
    ...net.devnet.config,
    relayer: { ...net.devnet.config.relayer, queuePrefix: PREFIX, port: 0, batchWindowMs: 100 },
  };
  const attesters = net.accounts.attesters.map((a) => a.privateKey);
  // Each relayer sends with its own key, as the README asks; both share the attester keys.
  for (const sender of [net.accounts.relayer.privateKey, net.accounts.liquidator.privateKey]) {
    relayers.push(
      await startRelayer({
        config,
        keys: { relayer: sender, attesters },
        apiUrl: net.indexer.url,
        logger: pino({ level: "warn" }),
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(relayers.map((r) => r.stop()));
  await clearRedisPrefix("redis://127.0.0.1:6379", PREFIX);
  await net?.stop();
});

test("two relayers on one Redis, no leader: every deposit credited once, hub credit equals the vault", async () => {
  const keys: { chain: (typeof net.vaults)[number]; account: Address; token: Address }[] = [];
  for (const vault of net.vaults) {
    for (const trader of net.accounts.traders) {
      for (const symbol of ["USDC", "wstETH"]) {
        const token = tokenAddress(vault, symbol);
        const amount = symbol === "USDC" ? parseUnits("250", 6) : parseUnits("1", 18);
        await depositCollateral(vault, { key: trader.privateKey, token, amount });
        await depositCollateral(vault, { key: trader.privateKey, token, amount });
        keys.push({ chain: vault, account: trader.address, token });
      }
    }
    await vault.testClient.mine({ blocks: 2 });
  }
  for (const key of keys) {
    const [balance, , seq] = await key.chain.publicClient.readContract({
      address: key.chain.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [key.account, key.token],
    });
    const credited = await pollUntil(
      () =>
        net.hub.publicClient.readContract({
          address: net.hub.chain.contracts.hub as Address, // the hub chain has a hub
          abi: marginHubAbi,
          functionName: "creditedBalance",
          args: [key.account, BigInt(key.chain.chain.chainId), key.token],
        }),
      ([, creditedSeq]) => creditedSeq >= seq,
      { timeoutMs: 90_000, what: `credit of ${key.account} on ${key.chain.chain.chainId}` },
    );
    expect(credited).toEqual([balance, seq]);
  }
  // Both relayers stayed healthy and nothing was dead-lettered.
  for (const relayer of relayers) {
    const metrics = await fetch(`${relayer.url}/metrics`).then((r) => r.text());
    expect(metrics).not.toMatch(/crossmargin_queue_jobs\{queue="dead-letter",state="waiting"\} [1-9]/);
  }
});
