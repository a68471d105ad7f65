import type { Address, PublicClient } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import type { RedisClient } from "../createRedisClient.js";
import { type SendWithReplacementParameters, sendWithReplacement } from "../deliver/sendWithReplacement.js";
import type { RelayerWallet } from "./createWallets.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Waiting leaves one `applyWaiting` applies at most, and queued releases one `processReleases` pays (bounds their gas). */
export const DRAIN_MAX_ENTRIES = 32n;

/** Parameters of {@link createLimitKeeper}. */
export type CreateLimitKeeperParameters = {
  config: Config;
  clients: ReadonlyMap<number, PublicClient>;
  wallets: ReadonlyMap<number, RelayerWallet>;
  /** The per-chain send locks the delivery workers use (one nonce sequence per account and chain). */
  locks: ReadonlyMap<number, <T>(fn: () => Promise<T>) => Promise<T>>;
  redis: RedisClient;
  /** Redis key prefix (the queue prefix). */
  prefix: string;
  observer: RelayerObserver;
};

/** The keeper: `run` starts one pass in the background unless one is still going; `pass` runs one and resolves after it. */
export type LimitKeeper = { run: () => void; pass: () => Promise<void> };

/**
 * The relayer's keeper of the damage limits: after each discovery round it reads the hub's
 * `routeLimit` of every vault chain and each vault's `releaseLimit` of every configured token
 * (`limitRead` / `releaseLimitRead`, for metrics) and sends `MarginHub.applyWaiting(srcEid, 32)`
 * when a simulation shows it applies whole waiting leaves or the bucket is full (a rise larger
 * than the capacity is then paid in part), and `CollateralVault.processReleases(token, 32)` when
 * the bucket covers the whole queue or is full (`limitDrained` / `releasesProcessed`). One pass
 * at a time per process and one per reconcile interval across processes (a Redis lock); a failure
 * is reported (`limitDrainFailed`) and the next round tries again. Both calls are permissionless
 * and idempotent in effect, so two keepers racing only waste gas.
 *
 * @param parameters config, clients, wallets, locks, Redis, observer
 * @returns `run` (fire and forget) and `pass` (awaitable)
 */
export function createLimitKeeper(parameters: CreateLimitKeeperParameters): LimitKeeper {
  const { config, redis, prefix, observer } = parameters;
  const hub = hubChain(config);
  let running = false;
  const partialNotBefore = new Map<number, number>();

  const on = (chainId: number) => ({
    client: parameters.clients.get(chainId) as PublicClient, // every configured chain has one
    wallet: parameters.wallets.get(chainId) as RelayerWallet, // and a wallet
  });
  const send = (chainId: number, request: SendWithReplacementParameters["request"]) => {
    const { client, wallet } = on(chainId);
    return sendWithReplacement({
      publicClient: client,
      walletClient: wallet,
      request,
      receiptTimeoutMs: config.relayer.receiptTimeoutMs,
      feeBumpPercent: config.relayer.feeBumpPercent,
      maxFeeBumps: config.relayer.maxFeeBumps,
      onSent: async () => undefined,
      exclusive: parameters.locks.get(chainId),
    });
  };

  const drainRoute = async (srcEid: number): Promise<void> => {
    const contract = { address: hub.contracts.hub, abi: marginHubAbi } as const;
    const { client, wallet } = on(hub.chainId);
    const [capacityUsd, refillPerSecondUsd, availableUsd, waiting] = await client.readContract({
      ...contract,
      functionName: "routeLimit",
      args: [srcEid],
    });
    observer.emit({ type: "limitRead", chainId: hub.chainId, srcEid, capacityUsd, availableUsd, waiting });
    if (waiting === 0n) return;
    const request = { ...contract, functionName: "applyWaiting", args: [srcEid, DRAIN_MAX_ENTRIES] } as const;
    const { result } = await client.simulateContract({ ...request, account: wallet.account });
    // Whole leaves to apply, or a full bucket to pay part of a rise larger than it (at most once
    // per refill: a head that cannot be priced would otherwise cost a transaction every round).
    const full = capacityUsd !== 0n && availableUsd >= capacityUsd;
    if (result === 0n && (!full || Date.now() < (partialNotBefore.get(srcEid) ?? 0))) return;
    if (result === 0n && refillPerSecondUsd !== 0n)
      partialNotBefore.set(srcEid, Date.now() + Number((capacityUsd * 1000n) / refillPerSecondUsd));
    const receipt = await send(hub.chainId, request);
    const applied = Number(result);
    observer.emit({
      type: "limitDrained",
      chainId: hub.chainId,
      srcEid,
      applied,
      txHash: receipt.transactionHash,
    });
  };

  const drainReleases = async (
    chainId: number,
    vault: Address,
    token: { symbol: string; address: Address; decimals: number },
  ) => {
    const contract = { address: vault, abi: collateralVaultAbi } as const;
    const { client, wallet } = on(chainId);
    const [capacity, , available, queuedEntries, queuedAmount] = await client.readContract({
      ...contract,
      functionName: "releaseLimit",
      args: [token.address],
    });
    observer.emit({
      type: "releaseLimitRead",
      chainId,
      token: token.address,
      symbol: token.symbol,
      decimals: token.decimals,
      capacity,
      available,
      queuedEntries,
      queuedAmount,
    });
    // Pays when the bucket covers the whole queue or is full: a refill at a time, not a trickle per round.
    if (queuedEntries === 0n || (available < queuedAmount && available < capacity)) return;
    const request = {
      ...contract,
      functionName: "processReleases",
      args: [token.address, DRAIN_MAX_ENTRIES],
    } as const;
    const { result } = await client.simulateContract({ ...request, account: wallet.account });
    if (result === 0n) return;
    const receipt = await send(chainId, request);
    observer.emit({
      type: "releasesProcessed",
      chainId,
      token: token.address,
      symbol: token.symbol,
      released: result,
      txHash: receipt.transactionHash,
    });
  };

  const failed = (chainId: number, srcEid: number) => (error: unknown) => {
    const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    observer.emit({ type: "limitDrainFailed", chainId, srcEid, error: message, cause: error });
  };

  const pass = async (): Promise<void> => {
    // One pass per reconcile interval across processes.
    const key = `${prefix}:limits:keeper`;
    const taken = await redis.set(key, String(process.pid), "PX", config.relayer.reconcileIntervalMs, "NX");
    if (taken !== "OK") return;
    for (const chain of vaultChains(config)) {
      await drainRoute(chain.chainId).catch(failed(hub.chainId, chain.chainId));
      for (const [symbol, token] of Object.entries(chain.tokens)) {
        const target = { symbol, address: token.address, decimals: token.decimals };
        await drainReleases(chain.chainId, chain.contracts.vault, target).catch(
          failed(chain.chainId, hub.chainId),
        );
      }
    }
  };

  return {
    pass,
    run: () => {
      if (running) return;
      running = true;
      pass()
        .catch(failed(hub.chainId, 0))
        .finally(() => {
          running = false;
        });
    },
  };
}
