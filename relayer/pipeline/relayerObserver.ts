import type { Hex } from "viem";
import type { RouteBacklog } from "../discovery/findPendingWork.js";
import type { Claim } from "../types.js";

/**
 * What the relayer did, as typed events (Hyperlane's `RelayerObserver` pattern): the processors
 * emit them, and metrics, logs and health subscribe. `route` is `"<src>-><dst>"` (`routeLabel`).
 */
export type RelayerEvent =
  | {
      type: "started";
      /** Base URL of the HTTP server. */
      url: string;
      chains: number[];
      attesters: number;
      prefix: string;
    }
  | { type: "stopped" }
  | {
      /** A discovery round finished (the reconcile job, a trigger, or `relayer.reconcile()`). */
      type: "roundCompleted";
      /** When it finished (ms since epoch). */
      at: number;
      batches: number;
      leaves: number;
      packets: number;
      /** What waits per route. */
      routes: ReadonlyMap<string, RouteBacklog>;
    }
  | {
      /** A triggered discovery round failed; the next trigger runs another. */
      type: "roundFailed";
      at: number;
      /** First line of the error's message. */
      error: string;
      cause: unknown;
    }
  | {
      /** A quorum signed the claim; it is queued for delivery. */
      type: "attested";
      route: string;
      kind: Claim["kind"];
      guid: Hex;
      /** Discovery → quorum. */
      latencySeconds: number;
    }
  | {
      /** A delivery transaction (or a replacement of it with higher fees) went out. */
      type: "transactionSent";
      chainId: number;
      route: string;
      kind: Claim["kind"];
      guid: Hex;
      nonce: number;
      hash: Hex;
      /** Transactions this delivery has sent so far: more than one means its fee was bumped. */
      sent: number;
      /** EIP-1559 fee caps of this transaction, in wei. */
      maxFeePerGas: bigint;
      maxPriorityFeePerGas: bigint;
      /** The recorded transaction broadcast a second time, after a restart, because the node had lost it. */
      again?: boolean;
    }
  | {
      /** This job's transaction applied the claim on its destination. */
      type: "delivered";
      chainId: number;
      route: string;
      kind: Claim["kind"];
      guid: Hex;
      txHash: Hex | undefined;
      gasUsed: bigint;
      /** Updates applied: a batch's leaves, else 1. */
      updates: number;
      /** Quorum → receipt. */
      latencySeconds: number;
      /** Source block time → receipt, when the source time is known. */
      creditLatencySeconds: number | undefined;
    }
  | {
      /** The claim was applied on its destination already (another relayer, an earlier try). */
      type: "alreadyDelivered";
      chainId: number;
      route: string;
      kind: Claim["kind"];
      guid: Hex;
    }
  | {
      /** The keeper read a route's damage limit at the hub (USD with 18 decimals). */
      type: "limitRead";
      chainId: number;
      srcEid: number;
      capacityUsd: bigint;
      availableUsd: bigint;
      /** Keys queued at the hub behind the limit. */
      waiting: bigint;
    }
  | {
      /** The keeper applied waiting leaves of a route (`MarginHub.applyWaiting`). */
      type: "limitDrained";
      chainId: number;
      srcEid: number;
      applied: number;
      txHash: Hex;
    }
  | {
      /** The keeper read a vault's release limit of one token (token units). */
      type: "releaseLimitRead";
      chainId: number;
      token: Hex;
      symbol: string;
      decimals: number;
      capacity: bigint;
      /** What the bucket holds now (2^256 − 1 without a limit). */
      available: bigint;
      queuedEntries: bigint;
      queuedAmount: bigint;
    }
  | {
      /** The keeper paid queued releases of a token (`CollateralVault.processReleases`). */
      type: "releasesProcessed";
      chainId: number;
      token: Hex;
      symbol: string;
      /** Token units paid (transferred, or recorded as claims). */
      released: bigint;
      txHash: Hex;
    }
  | {
      /** The keeper could not read or drain a limit (of route `srcEid → chainId`); the next round tries again. */
      type: "limitDrainFailed";
      chainId: number;
      srcEid: number;
      error: string;
      cause: unknown;
    }
  | {
      /** An ordered packet arrived before its predecessor was applied: parked until it is (no attempt used). */
      type: "deliveryParked";
      chainId: number;
      route: string;
      kind: Claim["kind"];
      guid: Hex;
      /** This packet's nonce and the one its destination applies next. */
      nonce: bigint;
      waitingFor: bigint;
    }
  | {
      /** A job attempt failed with a retryable error; BullMQ retries it after a backoff. */
      type: "attemptFailed";
      queue: string;
      jobId: string | undefined;
      /** This attempt's number (1 = the first). */
      attempt: number;
      /** The error's name. */
      reason: string;
      /** First line of the error's message. */
      error: string;
    }
  | {
      /** A job failed for good and went to the dead-letter queue. */
      type: "deadLettered";
      queue: string;
      jobId: string | undefined;
      /** A decoded revert name, else the error's name. */
      reason: string;
      message: string;
    }
  | {
      /** Reconciliation brought back the job of an undelivered packet that BullMQ had given up on (`reviveStranded`). */
      type: "jobRevived";
      queue: string;
      jobId: string;
      /** Why it had stopped: BullMQ's failure reason, or what was missing. */
      reason: string | undefined;
    }
  | {
      /** A BullMQ worker reported an error outside any job (Redis trouble, a vanished job). */
      type: "workerError";
      queue: string;
      error: string;
    };

/** One of the {@link RelayerEvent} types. */
export type RelayerEventType = RelayerEvent["type"];

/** A subscriber; called synchronously, in subscription order. */
export type RelayerListener = (event: RelayerEvent) => void;

/** Parameters of {@link createRelayerObserver}. */
export type CreateRelayerObserverParameters = {
  /** Told when a listener throws (or its promise rejects); the other listeners still run. Default: ignored. */
  onListenerError?: ((error: unknown, event: RelayerEvent) => void) | undefined;
};

/** Return type of {@link createRelayerObserver}. */
export type RelayerObserver = {
  /** Subscribes; returns the unsubscribe function. */
  on: (listener: RelayerListener) => () => void;
  /** Tells every listener, in subscription order; never throws. */
  emit: (event: RelayerEvent) => void;
};

/**
 * A typed event bus for the relayer. A listener that throws does not reach the emitter: the
 * error goes to `onListenerError` and the remaining listeners still run, so a broken metric or
 * log line can never fail (and so retry or dead-letter) a job whose work is already done.
 *
 * @param parameters what to do with a listener's error
 * @returns `on` and `emit`
 * @example
 * const observer = createRelayerObserver({ onListenerError: (err) => logger.warn({ err }, "listener failed") });
 * observeMetrics(observer, metrics);
 * observer.emit({ type: "stopped" });
 */
export function createRelayerObserver(parameters: CreateRelayerObserverParameters = {}): RelayerObserver {
  const listeners: RelayerListener[] = [];
  const report = (error: unknown, event: RelayerEvent) => {
    try {
      parameters.onListenerError?.(error, event);
    } catch {
      // The error reporter itself failed: nothing sensible is left to tell.
    }
  };
  return {
    on: (listener) => {
      // A wrapper per subscription, so the same function subscribed twice unsubscribes once.
      const entry: RelayerListener = (event) => listener(event);
      listeners.push(entry);
      return () => {
        const index = listeners.indexOf(entry);
        if (index >= 0) listeners.splice(index, 1);
      };
    },
    emit: (event) => {
      for (const listener of [...listeners]) {
        try {
          // A listener typed `void` may still be async: a rejection is reported, not left unhandled.
          const result: unknown = listener(event);
          if (result instanceof Promise) result.catch((error: unknown) => report(error, event));
        } catch (error) {
          report(error, event);
        }
      }
    },
  };
}
