import type { RelayerEvent, RelayerObserver } from "../pipeline/relayerObserver.js";
import { type RelayerMetrics, routeLabel } from "./metrics.js";

/**
 * Moves the relayer's metrics from its events: latencies, gas and updates on `attested` /
 * `delivered`, `crossmargin_failures_total` on `attemptFailed` / `deadLettered`, the route gauges
 * on `roundCompleted` (replaced as a whole: a route with nothing pending drops out).
 *
 * @param observer the relayer's events
 * @param metrics the metrics to move
 * @returns the unsubscribe function
 * @example
 * observeMetrics(observer, createRelayerMetrics());
 */
export function observeMetrics(observer: RelayerObserver, metrics: RelayerMetrics): () => void {
  return observer.on((event) => recordMetrics(metrics, event));
}

function recordMetrics(metrics: RelayerMetrics, event: RelayerEvent): void {
  switch (event.type) {
    case "attested":
      metrics.attestLatency.observe({ route: event.route, kind: event.kind }, event.latencySeconds);
      return;
    case "delivered": {
      const labels = { route: event.route, kind: event.kind };
      metrics.deliverLatency.observe(labels, event.latencySeconds);
      if (event.creditLatencySeconds !== undefined)
        metrics.creditLatency.observe(labels, event.creditLatencySeconds);
      metrics.gasUsed.inc({ chain: String(event.chainId), kind: event.kind }, Number(event.gasUsed));
      metrics.updatesDelivered.inc(labels, event.updates);
      return;
    }
    case "attemptFailed":
    case "deadLettered":
      metrics.failures.inc({ queue: event.queue, reason: event.reason });
      return;
    case "roundCompleted": {
      const now = BigInt(Math.floor(event.at / 1000));
      metrics.routeLag.reset();
      metrics.routeInFlight.reset();
      for (const [route, backlog] of event.routes) {
        metrics.routeInFlight.set({ route }, backlog.pending);
        metrics.routeLag.set(
          { route },
          Number(now > backlog.oldestTimestamp ? now - backlog.oldestTimestamp : 0n),
        );
      }
      return;
    }
    case "limitRead": {
      const route = routeLabel(event.srcEid, event.chainId);
      if (event.capacityUsd === 0n && event.waiting === 0n) {
        metrics.routeLimitAvailable.remove({ route });
        metrics.routeLimitWaiting.remove({ route });
        return;
      }
      metrics.routeLimitAvailable.set({ route }, Number(event.availableUsd) / 1e18);
      metrics.routeLimitWaiting.set({ route }, Number(event.waiting));
      return;
    }
    case "releaseLimitRead": {
      const labels = { chain: String(event.chainId), token: event.symbol };
      if (event.capacity === 0n && event.queuedEntries === 0n) {
        metrics.releaseQueued.remove(labels);
        metrics.releaseQueuedAmount.remove(labels);
        return;
      }
      metrics.releaseQueued.set(labels, Number(event.queuedEntries));
      metrics.releaseQueuedAmount.set(labels, Number(event.queuedAmount) / 10 ** event.decimals);
      return;
    }
    case "limitDrained":
      metrics.routeLimitApplied.inc({ route: routeLabel(event.srcEid, event.chainId) }, event.applied);
      return;
    default:
      return;
  }
}
