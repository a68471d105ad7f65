import type { Job, Queue } from "bullmq";
import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import type { RedisClient } from "../createRedisClient.js";
import { checkDeliverable } from "../deliver/checkDeliverable.js";
import { deliverClaim } from "../deliver/deliverClaim.js";
import { NotYetDeliverableError } from "../deliver/errors.js";
import { parseClaim } from "../deliver/parseClaim.js";
import type { SentTransactions } from "../deliver/sendWithReplacement.js";
import { routeLabel } from "../ops/metrics.js";
import type { DeliverJobData, DeliverJobResult } from "../types.js";
import { createLock } from "./createLock.js";
import { type OrderedSlot, parkBehindPredecessor, wakeSuccessor } from "./orderedWait.js";
import type { RelayerObserver } from "./relayerObserver.js";
import { releaseClaims } from "./releaseClaims.js";

/** Parameters of {@link createDeliverProcessor}. */
export type CreateDeliverProcessorParameters = {
  config: Config;
  /** The destination chain this processor serves (one `deliver-<chainId>` queue each). */
  chainId: number;
  publicClient: PublicClient;
  /** The relayer's wallet on that chain. */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The chain's delivery queue, to wake the ordered packet parked behind one just applied. */
  queue: Pick<Queue<DeliverJobData>, "getJob">;
  /** Redis and key prefix: a batch's leaf claims, ordered packets' wake-up keys. */
  redis: RedisClient;
  prefix: string;
  observer: RelayerObserver;
  /** The chain's send lock, shared with other senders of the same account (default: its own). */
  exclusive?: (<T>(fn: () => Promise<T>) => Promise<T>) | undefined;
};

/**
 * A `deliver-<chainId>` queue's processor: `deliverClaim` (already applied? → in order? →
 * simulate → sign → record the tx hash in the job → broadcast → wait, bumping fees), then `delivered` or
 * `alreadyDelivered`. Deliveries overlap; each takes its nonce under one lock per processor. An
 * ordered packet ahead of its destination parks until its predecessor is applied
 * (`parkBehindPredecessor`, no attempt used), and one applied wakes its successor (`wakeSuccessor`).
 *
 * @param parameters config, destination chain and clients, Redis, observer
 * @returns the processor (wrap it with `guardProcessor`)
 * @throws from the processor: whatever `deliverClaim` throws (retryable or not, with a `reason`)
 */
export function createDeliverProcessor(
  parameters: CreateDeliverProcessorParameters,
): (job: Job<DeliverJobData, DeliverJobResult>, token?: string) => Promise<DeliverJobResult> {
  const { config, chainId, publicClient, walletClient, redis, prefix, observer, queue } = parameters;
  const exclusive = parameters.exclusive ?? createLock();
  return async (job, token) => {
    const { claim } = job.data;
    const ordered = parseClaim(config, claim).orderedNonce;
    const slot: OrderedSlot | undefined =
      ordered === undefined
        ? undefined
        : { route: `${claim.srcChainId}-${claim.dstChainId}`, nonce: ordered };
    const route = routeLabel(claim.srcChainId, claim.dstChainId);
    const context = { chainId, route, kind: claim.kind, guid: claim.guid } as const;
    // Recorded before the broadcast (a crash after the node accepted it leaves the hash), logged after.
    const onSent = (sent: SentTransactions) => job.updateData({ ...job.data, sent });
    const onBroadcast = (sent: SentTransactions, again?: boolean) => {
      const hash = sent.hashes.at(-1);
      if (hash !== undefined && sent.last !== undefined)
        observer.emit({
          type: "transactionSent",
          ...context,
          nonce: sent.nonce,
          hash,
          sent: sent.hashes.length,
          maxFeePerGas: BigInt(sent.last.maxFeePerGas),
          maxPriorityFeePerGas: BigInt(sent.last.maxPriorityFeePerGas),
          again: again === true,
        });
    };
    const result = await deliverClaim({
      config,
      publicClient,
      walletClient,
      claim,
      signatures: job.data.signatures,
      previous: job.data.sent,
      exclusive,
      onSent,
      onBroadcast,
    }).catch((error: unknown) => {
      if (!(error instanceof NotYetDeliverableError) || slot === undefined || token === undefined)
        throw error;
      observer.emit({ type: "deliveryParked", ...context, nonce: slot.nonce, waitingFor: error.waitingFor });
      return parkBehindPredecessor({
        job,
        token,
        redis,
        prefix,
        slot,
        deliverable: () => checkDeliverable({ config, client: publicClient, claim }).then(() => true),
      });
    });
    // A failed wake-up only costs the successor its fallback recheck.
    if (slot !== undefined) await wakeSuccessor({ queue, redis, prefix, slot }).catch(() => false);
    if (result.status === "already") {
      // Someone else's batch with this guid: ours may not be on chain, so let reconcile batch it again.
      if (claim.kind === "balance_batch") await releaseClaims(redis, prefix, claim);
      observer.emit({ type: "alreadyDelivered", ...context });
      return result;
    }
    const now = Date.now();
    observer.emit({
      type: "delivered",
      ...context,
      txHash: result.txHash,
      gasUsed: BigInt(result.gasUsed ?? 0),
      updates: claim.kind === "balance_batch" ? claim.leaves.length : 1,
      latencySeconds: (now - job.data.attestedAt) / 1000,
      creditLatencySeconds:
        job.data.sourceTimestamp === undefined
          ? undefined
          : Math.max(0, now / 1000 - job.data.sourceTimestamp),
    });
    return result;
  };
}
