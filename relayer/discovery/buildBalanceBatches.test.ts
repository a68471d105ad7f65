import { Redis } from "ioredis";
import { parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tokenAddress } from "../../test/kit/chainClients.js";
import { clearRedisPrefix } from "../../test/kit/clearRedisPrefix.js";
import { depositCollateral } from "../../test/kit/depositCollateral.js";
import { type AttesterDevnet, startAttesterDevnet } from "../../test/kit/startAttesterDevnet.js";
import { createLocalAttester } from "../attester/createLocalAttester.js";
import { deliverClaim } from "../deliver/deliverClaim.js";
import { gatherSignatures } from "../pipeline/gatherSignatures.js";
import { buildBalanceBatches } from "./buildBalanceBatches.js";
import type { BalanceCandidate } from "./findPendingWork.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const PREFIX = `cmbatches${process.pid}`;
let net: AttesterDevnet;
let redis: Redis;

/** The attester devnet's client for a chain (it has one for every configured chain). */
function clientOf(chainId: number) {
  const client = net.clients.get(chainId);
  if (client === undefined) throw new Error(`no client for chain ${chainId}`);
  return client;
}

beforeAll(async () => {
  net = await startAttesterDevnet({ finalityDepth: 0 });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  for (const suffix of ["a", "b", "c", "d", "e"]) await clearRedisPrefix(REDIS_URL, `${PREFIX}${suffix}`);
  await net?.stop();
});

describe("buildBalanceBatches", () => {
  test("claims each leaf once, and after a Redis reset skips a batch index the hub already took", async () => {
    const [vault] = net.vaults;
    const trader = net.accounts.traders[1];
    if (trader === undefined) throw new Error("no trader");
    const usdc = tokenAddress(vault, "USDC");
    await depositCollateral(vault, { key: trader.privateKey, token: usdc, amount: parseUnits("5", 6) });
    const sourceBlock = await vault.publicClient.getBlockNumber();
    const { timestamp } = await vault.publicClient.getBlock({ blockNumber: sourceBlock });
    const candidate: BalanceCandidate = {
      chainId: vault.chain.chainId,
      account: trader.address,
      token: usdc,
      indexedSeq: 1n,
      creditedSeq: -1n,
      sourceTimestamp: timestamp,
    };
    const build = (prefix: string, candidates = [candidate]) =>
      buildBalanceBatches({
        config: net.config,
        client: clientOf(vault.chain.chainId),
        hubClient: clientOf(net.hub.chain.chainId),
        redis,
        prefix,
        chainId: vault.chain.chainId,
        candidates,
        sourceBlock,
        sourceTimestamp: timestamp,
      });

    const [first] = await build(`${PREFIX}a`);
    expect(first?.jobId).toBe(`batch-${vault.chain.chainId}-${sourceBlock}-0`);
    expect(first?.claim.leaves).toHaveLength(1);
    // Claimed: another round (or another relayer) on the same Redis leaves it alone.
    expect(await build(`${PREFIX}a`)).toEqual([]);

    // Deliver it, as the pipeline does.
    if (first === undefined) throw new Error("no batch");
    const attesters = net.accounts.attesters.map((a) =>
      createLocalAttester({ config: net.config, clients: net.clients, privateKey: a.privateKey }),
    );
    const signatures = await gatherSignatures({
      attesters,
      claim: first.claim,
      threshold: 2,
      timeoutMs: 10_000,
    });
    const result = await deliverClaim({
      config: net.config,
      publicClient: clientOf(net.hub.chain.chainId),
      walletClient: net.hub.walletFor(net.accounts.relayer.privateKey),
      claim: first.claim,
      signatures,
      onSent: async () => undefined,
    });
    expect(result.status).toBe("delivered");

    // A fresh prefix (or a flushed Redis) restarts the index counter at 0, whose guid the hub has:
    // the batch takes index 1 instead of colliding.
    const [again] = await build(`${PREFIX}b`);
    expect(again?.jobId).toBe(`batch-${vault.chain.chainId}-${sourceBlock}-1`);
    expect(again?.claim.guid).not.toBe(first.claim.guid);
  });

  test("skips keys not ahead of the hub, seq-0 keys and tokens the chain does not list", async () => {
    const [, vault] = net.vaults;
    const trader = net.accounts.traders[2];
    if (trader === undefined) throw new Error("no trader");
    const usdc = tokenAddress(vault, "USDC");
    await depositCollateral(vault, { key: trader.privateKey, token: usdc, amount: parseUnits("7", 6) });
    const sourceBlock = await vault.publicClient.getBlockNumber();
    const base = {
      chainId: vault.chain.chainId,
      account: trader.address,
      indexedSeq: 1n,
      sourceTimestamp: 0n,
    };
    const build = (prefix: string, candidates: BalanceCandidate[]) =>
      buildBalanceBatches({
        config: net.config,
        client: clientOf(vault.chain.chainId),
        hubClient: clientOf(net.hub.chain.chainId),
        redis,
        prefix,
        chainId: vault.chain.chainId,
        candidates,
        sourceBlock,
        sourceTimestamp: 0n,
      });
    // Already credited at seq 1.
    expect(await build(`${PREFIX}c`, [{ ...base, token: usdc, creditedSeq: 1n }])).toEqual([]);
    // The final state has seq 0 (a deposit the indexer shows but the final block does not hold).
    expect(
      await build(
        `${PREFIX}c`,
        [{ ...base, token: usdc, creditedSeq: -1n }].map((c) => ({
          ...c,
          account: net.accounts.liquidator.address,
        })),
      ),
    ).toEqual([]);
    // Not a listed token.
    expect(
      await build(`${PREFIX}d`, [{ ...base, token: net.accounts.deployer.address, creditedSeq: -1n }]),
    ).toEqual([]);
  });

  test("more leaves than batchMaxLeaves: consecutive batch indexes, each leaf in exactly one batch", async () => {
    const [vault] = net.vaults;
    const usdc = tokenAddress(vault, "USDC");
    const traders = net.accounts.traders; // three: one batch of 2 and one of 1
    for (const trader of traders) {
      await depositCollateral(vault, { key: trader.privateKey, token: usdc, amount: parseUnits("3", 6) });
    }
    const sourceBlock = await vault.publicClient.getBlockNumber();
    const planned = await buildBalanceBatches({
      config: { ...net.config, relayer: { ...net.config.relayer, batchMaxLeaves: 2 } },
      client: clientOf(vault.chain.chainId),
      hubClient: clientOf(net.hub.chain.chainId),
      redis,
      prefix: `${PREFIX}e`,
      chainId: vault.chain.chainId,
      candidates: traders.map((trader) => ({
        chainId: vault.chain.chainId,
        account: trader.address,
        token: usdc,
        indexedSeq: 1n,
        creditedSeq: -1n,
        sourceTimestamp: 0n,
      })),
      sourceBlock,
      sourceTimestamp: 0n,
    });
    expect(planned.map((batch) => batch.jobId)).toEqual([
      `batch-${vault.chain.chainId}-${sourceBlock}-0`,
      `batch-${vault.chain.chainId}-${sourceBlock}-1`,
    ]);
    expect(new Set(planned.map((batch) => batch.claim.guid)).size).toBe(2);
    expect(planned.flatMap((batch) => batch.claim.leaves.map((leaf) => leaf.account)).sort()).toEqual(
      traders.map((trader) => trader.address).sort(),
    );
  });
});
