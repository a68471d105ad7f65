import type { Logger } from "pino";
import { RECONCILE_QUEUE } from "../jobIds.js";
import type { RelayerEvent, RelayerObserver } from "../pipeline/relayerObserver.js";
import { labelRpcUrls } from "./redactUrl.js";

/**
 * Writes the relayer's log lines from its events, in the house style (`{ at, ...context }, msg`):
 * start and stop, rounds that enqueued work or failed, deliveries (`"delivered"`, with `status`
 * `delivered` or `already`), retries, dead letters, worker errors; sends, fee bumps and parked
 * ordered packets at debug.
 *
 * @param observer the relayer's events
 * @param logger where the lines go
 * @param options the configured RPC URLs by chain, named and redacted wherever an error quotes them
 * @returns the unsubscribe function
 * @example
 * observeLogs(observer, createLogger({ name: "crossmargin-relayer" }));
 */
export function observeLogs(
  observer: RelayerObserver,
  logger: Logger,
  options: { rpcs?: readonly { chainId: number; url: string }[] } = {},
): () => void {
  const rpcs = options.rpcs ?? [];
  // Errors quote RPC URLs (viem's "URL: …"): shown with their chain, their keys hidden.
  const clean = (text: string) => labelRpcUrls(text, rpcs);
  return observer.on((event) => logEvent(logger, event, clean));
}

function logEvent(logger: Logger, event: RelayerEvent, clean: (text: string) => string): void {
  switch (event.type) {
    case "started": {
      const { url, chains, attesters, prefix } = event;
      logger.info({ at: "relayer.start", url, chains, attesters, prefix }, "relayer running");
      return;
    }
    case "stopped":
      logger.info({ at: "relayer.stop" }, "relayer stopped");
      return;
    case "roundCompleted": {
      const { batches, leaves, packets } = event;
      if (batches > 0 || packets > 0)
        logger.info({ at: "relayer.reconcile", batches, leaves, packets }, "work enqueued");
      return;
    }
    case "roundFailed": {
      const stack =
        logger.isLevelEnabled("debug") && event.cause instanceof Error ? event.cause.stack : undefined;
      logger.warn(
        {
          at: "relayer.discover",
          err: clean(event.error),
          ...(stack === undefined ? {} : { stack: clean(stack) }),
        },
        "discovery round failed; will retry",
      );
      return;
    }
    case "transactionSent": {
      const { chainId, route, kind, guid, nonce, hash, sent } = event;
      // Fees in wei as decimal strings (JSON has no bigint).
      const maxFeePerGas = event.maxFeePerGas.toString();
      const maxPriorityFeePerGas = event.maxPriorityFeePerGas.toString();
      const fields = {
        at: "relayer.deliver",
        ...{ chainId, route, kind, guid, nonce, txHash: hash, sent, maxFeePerGas, maxPriorityFeePerGas },
      };
      // A lost transaction sent again is a recovery an operator should see; the rest is routine.
      if (event.again === true)
        logger.info(fields, "recorded transaction broadcast again (the node had lost it)");
      else logger.debug(fields, sent > 1 ? "transaction replaced (fee bumped)" : "transaction sent");
      return;
    }
    case "delivered":
    case "alreadyDelivered": {
      const { route, kind, guid } = event;
      const status = event.type === "delivered" ? "delivered" : "already";
      const txHash = event.type === "delivered" ? event.txHash : undefined;
      logger.info({ at: "relayer.deliver", route, kind, guid, status, txHash }, "delivered");
      return;
    }
    case "limitDrained": {
      const route = `${event.srcEid}->${event.chainId}`;
      logger.info(
        { at: "relayer.limits", route, applied: event.applied, txHash: event.txHash },
        "applied leaves that waited for the route's damage limit",
      );
      return;
    }
    case "releasesProcessed": {
      const { chainId, symbol, txHash } = event;
      logger.info(
        { at: "relayer.limits", chainId, token: symbol, released: event.released.toString(), txHash },
        "paid releases that waited for the token's release limit",
      );
      return;
    }
    case "limitDrainFailed": {
      const route = `${event.srcEid}->${event.chainId}`;
      logger.warn(
        { at: "relayer.limits", route, err: clean(event.error) },
        "could not drain the route's damage limit",
      );
      return;
    }
    case "deliveryParked": {
      const { route, kind, guid } = event;
      const [nonce, waitingFor] = [event.nonce.toString(), event.waitingFor.toString()];
      logger.debug(
        { at: "relayer.deliver", route, kind, guid, nonce, waitingFor },
        "waiting for the path's earlier packet",
      );
      return;
    }
    case "attemptFailed": {
      const { queue, jobId, attempt } = event;
      logger.warn(
        { at: "relayer.retry", queue, jobId, attempt, err: clean(event.error) },
        "attempt failed; will retry",
      );
      return;
    }
    case "deadLettered": {
      const { queue, jobId, reason } = event;
      logger.error({ at: "relayer.deadLetter", queue, jobId, reason }, clean(event.message));
      return;
    }
    case "jobRevived": {
      const { queue, jobId, reason } = event;
      logger.warn({ at: "relayer.reconcile", queue, jobId, reason }, "brought back a stranded job");
      return;
    }
    case "workerError":
      logWorkerError(logger, event.queue, clean(event.error));
      return;
    default:
      return;
  }
}

function logWorkerError(logger: Logger, queue: string, error: string): void {
  if (queue === RECONCILE_QUEUE) {
    logger.error({ at: "relayer.reconcile", err: error }, "reconcile worker error");
    return;
  }
  // After Redis lost a job under a worker's feet (a flush), BullMQ reports "Missing key"; the
  // work comes back from the indexer at the next round, so it is worth a warning, not an error.
  const lost = error.includes("Missing key");
  logger[lost ? "warn" : "error"](
    { at: "relayer.worker", queue, err: error },
    lost ? "a job vanished from Redis (flushed?)" : "worker error",
  );
}
