import type { PublicClient } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import type { RedisClient } from "../createRedisClient.js";
import { sendWithReplacement } from "../deliver/sendWithReplacement.js";
import type { RelayerWallet } from "./createWallets.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Waiting leaves one `applyWaiting` call applies at most (bounds its gas). */
export const DRAIN_MAX_LEAVES = 32n;

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

/** The keeper: `run` starts one pass in the background unless one is still going. */
export type LimitKeeper = { run: () => void; pass: () => Promise<void> };

/**
 * The relayer's keeper of the hub's route limits: after each discovery round it reads every vault
 * chain's `routeLimit` (reported as `limitRead`, for metrics) and, where leaves wait and the
 * bucket holds something, sends `applyWaiting(srcEid, 32)` when a simulation shows it applies
 * one or more (`limitDrained`). One pass at a time per process, and one per round across
 * processes (a Redis lock of one reconcile interval); a failure is reported (`limitDrainFailed`)
 * and the next round tries again. `applyWaiting` is permissionless and idempotent in effect, so
 * two keepers racing only waste gas.
 *
 * @param parameters config, clients, wallets, locks, Redis, observer
 * @returns `run` (fire and forget) and `pass` (awaitable, for tests)
 */
export function createLimitKeeper(parameters: CreateLimitKeeperParameters): LimitKeeper {
  const { config, redis, prefix, observer } = parameters;
  const hub = hubChain(config);
  const publicClient = parameters.clients.get(hub.chainId) as PublicClient; // every chain has one
  const walletClient = parameters.wallets.get(hub.chainId) as RelayerWallet;
  const lock = parameters.locks.get(hub.chainId);
  let running = false;

  const drainRoute = async (srcEid: number): Promise<void> => {
    const contract = { address: hub.contracts.hub, abi: marginHubAbi } as const;
    const [capacityUsd, , availableUsd, waiting] = await publicClient.readContract({
      ...contract,
      functionName: "routeLimit",
      args: [srcEid],
    });
    observer.emit({ type: "limitRead", chainId: hub.chainId, srcEid, capacityUsd, availableUsd, waiting });
    if (waiting === 0n) return;
    const request = { ...contract, functionName: "applyWaiting", args: [srcEid, DRAIN_MAX_LEAVES] } as const;
    const { result } = await publicClient.simulateContract({ ...request, account: walletClient.account });
    if (result === 0n) return;
    const receipt = await sendWithReplacement({
      publicClient,
      walletClient,
      request,
      receiptTimeoutMs: config.relayer.receiptTimeoutMs,
      feeBumpPercent: config.relayer.feeBumpPercent,
      maxFeeBumps: config.relayer.maxFeeBumps,
      onSent: async () => undefined,
      exclusive: lock,
    });
    observer.emit({
      type: "limitDrained",
      chainId: hub.chainId,
      srcEid,
      applied: Number(result),
      txHash: receipt.transactionHash,
    });
  };

  const pass = async (): Promise<void> => {
    // One pass per reconcile interval across processes.
    const key = `${prefix}:limits:keeper`;
    const taken = await redis.set(key, String(process.pid), "PX", config.relayer.reconcileIntervalMs, "NX");
    if (taken !== "OK") return;
    for (const chain of vaultChains(config)) {
      try {
        await drainRoute(chain.chainId);
      } catch (error) {
        const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        observer.emit({
          type: "limitDrainFailed",
          chainId: hub.chainId,
          srcEid: chain.chainId,
          error: message,
          cause: error,
        });
      }
    }
  };

  return {
    pass,
    run: () => {
      if (running) return;
      running = true;
      pass()
        .catch((error: unknown) => {
          const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
          observer.emit({
            type: "limitDrainFailed",
            chainId: hub.chainId,
            srcEid: 0,
            error: message,
            cause: error,
          });
        })
        .finally(() => {
          running = false;
        });
    },
  };
}
