import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { withTimeout } from "./withTimeout.js";

/** Histogram buckets in seconds, from 50 ms to 2 minutes (a devnet round trip to a slow chain). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120,
];

/** Job states the `crossmargin_queue_jobs` gauge reports (what BullMQ's `getJobCounts()` returns). */
export const QUEUE_JOB_STATES = [
  "waiting",
  "active",
  "delayed",
  "failed",
  "completed",
  "prioritized",
  "waiting-children",
] as const;

/** Names of the relayer's own metrics: a contract with the Grafana dashboard and the README. */
export const RELAYER_METRIC_NAMES = {
  queueJobs: "crossmargin_queue_jobs",
  attestLatency: "crossmargin_attest_latency_seconds",
  deliverLatency: "crossmargin_deliver_latency_seconds",
  creditLatency: "crossmargin_credit_latency_seconds",
  gasUsed: "crossmargin_gas_used_total",
  updatesDelivered: "crossmargin_updates_delivered_total",
  failures: "crossmargin_failures_total",
  routeLag: "crossmargin_route_lag_seconds",
  routeInFlight: "crossmargin_route_in_flight",
  routeLimitAvailable: "crossmargin_route_limit_available_usd",
  routeLimitWaiting: "crossmargin_route_limit_waiting",
  routeLimitApplied: "crossmargin_route_limit_applied_total",
  releaseQueued: "crossmargin_release_queued",
  releaseQueuedAmount: "crossmargin_release_queued_amount",
} as const;

/** Job counts of one queue, by state (BullMQ `Queue.getJobCounts()`). */
export type QueueDepth = { queue: string; counts: Record<string, number> };

/** Where the queue-depth gauge reads from on every scrape. */
export type QueueDepthSource = () => Promise<QueueDepth[]>;

/** Options of {@link createRelayerMetrics}. */
export type CreateRelayerMetricsParameters = {
  /** Told when the queue-depth source fails or times out during a scrape (the scrape still succeeds). */
  onCollectError?: ((error: unknown) => void) | undefined;
  /** How long a scrape waits for the queue-depth source (default 3 s). */
  collectTimeoutMs?: number | undefined;
};

/**
 * The relayer's Prometheus metrics, in their own registry. Label `route` is
 * `"<srcChainId>-><dstChainId>"` ({@link routeLabel}); `kind` is a claim kind
 * (`balance_batch`, `withdrawal_request`, `approve_withdrawal`, `reject_withdrawal`, `seize`).
 */
export type RelayerMetrics = {
  /** The registry holding these metrics and the default process metrics; serve `registry.metrics()`. */
  registry: Registry;
  /** `crossmargin_queue_jobs{queue,state}`: jobs per queue and state, read at scrape time. */
  queueJobs: Gauge<"queue" | "state">;
  /** `crossmargin_attest_latency_seconds{route,kind}`: discovery → quorum of signatures. */
  attestLatency: Histogram<"route" | "kind">;
  /** `crossmargin_deliver_latency_seconds{route,kind}`: quorum → destination receipt. */
  deliverLatency: Histogram<"route" | "kind">;
  /** `crossmargin_credit_latency_seconds{route,kind}`: source block time → destination receipt. */
  creditLatency: Histogram<"route" | "kind">;
  /** `crossmargin_gas_used_total{chain,kind}`: gas of the relayer's transactions, by destination chain id. */
  gasUsed: Counter<"chain" | "kind">;
  /** `crossmargin_updates_delivered_total{route,kind}`: updates delivered (a batch counts its leaves). */
  updatesDelivered: Counter<"route" | "kind">;
  /** `crossmargin_failures_total{queue,reason}`: failed job attempts, by queue and error name. */
  failures: Counter<"queue" | "reason">;
  /** `crossmargin_route_lag_seconds{route}`: age of the oldest undelivered work on the route (0 when none). */
  routeLag: Gauge<"route">;
  /** `crossmargin_route_in_flight{route}`: work items discovered and not yet delivered. */
  routeInFlight: Gauge<"route">;
  /** `crossmargin_route_limit_available_usd{route}`: what the hub's damage-limit bucket of a vault → hub route holds, in USD. */
  routeLimitAvailable: Gauge<"route">;
  /** `crossmargin_route_limit_waiting{route}`: keys whose rise waits for the bucket. */
  routeLimitWaiting: Gauge<"route">;
  /** `crossmargin_route_limit_applied_total{route}`: waiting leaves the keeper applied. */
  routeLimitApplied: Counter<"route">;
  /** `crossmargin_release_queued{chain,token}`: releases waiting in a vault's queue for the token's release limit. */
  releaseQueued: Gauge<"chain" | "token">;
  /** `crossmargin_release_queued_amount{chain,token}`: what they still owe, in whole tokens. */
  releaseQueuedAmount: Gauge<"chain" | "token">;
  /**
   * Sets where `crossmargin_queue_jobs` reads from on each scrape (replacing any earlier source);
   * `undefined` stops reporting queue depths.
   */
  setQueueDepthSource(source: QueueDepthSource | undefined): void;
};

/**
 * Creates the relayer's metrics in a registry of their own (not prom-client's global one, so
 * tests and several relayers in one process never collide), with the default process metrics.
 *
 * @param parameters what to do when the queue-depth source fails, and how long to wait for it
 * @returns the metrics and their registry
 * @example
 * const metrics = createRelayerMetrics();
 * metrics.setQueueDepthSource(() => getQueueDepths(queues));
 * metrics.attestLatency.observe({ route: routeLabel(31338, 31337), kind: "balance_batch" }, 0.8);
 */
export function createRelayerMetrics(parameters: CreateRelayerMetricsParameters = {}): RelayerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const timeoutMs = parameters.collectTimeoutMs ?? 3_000;
  let source: QueueDepthSource | undefined;

  const queueJobs: Gauge<"queue" | "state"> = new Gauge({
    name: RELAYER_METRIC_NAMES.queueJobs,
    help: "Jobs in each relayer queue, by state (read from Redis at scrape time)",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      queueJobs.reset();
      if (source === undefined) return;
      try {
        const depths = await withTimeout(source(), timeoutMs, "reading queue depths");
        for (const depth of depths)
          for (const [state, count] of Object.entries(depth.counts))
            queueJobs.set({ queue: depth.queue, state }, count);
      } catch (error) {
        // A scrape must not fail because Redis is slow: the other metrics are still worth having.
        parameters.onCollectError?.(error);
      }
    },
  });
  const histogram = (name: string, help: string) =>
    new Histogram({
      name,
      help,
      labelNames: ["route", "kind"] as const,
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers: [registry],
    });
  return {
    registry,
    queueJobs,
    attestLatency: histogram(
      RELAYER_METRIC_NAMES.attestLatency,
      "Seconds from discovering work to a quorum of attester signatures",
    ),
    deliverLatency: histogram(
      RELAYER_METRIC_NAMES.deliverLatency,
      "Seconds from a quorum of signatures to the destination transaction's receipt",
    ),
    creditLatency: histogram(
      RELAYER_METRIC_NAMES.creditLatency,
      "Seconds from the source block's timestamp to the destination transaction's receipt",
    ),
    gasUsed: new Counter({
      name: RELAYER_METRIC_NAMES.gasUsed,
      help: "Gas used by the relayer's transactions, by destination chain id and claim kind",
      labelNames: ["chain", "kind"],
      registers: [registry],
    }),
    updatesDelivered: new Counter({
      name: RELAYER_METRIC_NAMES.updatesDelivered,
      help: "Updates delivered to their destination (a balance batch counts each of its leaves)",
      labelNames: ["route", "kind"],
      registers: [registry],
    }),
    failures: new Counter({
      name: RELAYER_METRIC_NAMES.failures,
      help: "Failed job attempts, by queue and reason (the error's name)",
      labelNames: ["queue", "reason"],
      registers: [registry],
    }),
    routeLag: new Gauge({
      name: RELAYER_METRIC_NAMES.routeLag,
      help: "Age in seconds of the oldest undelivered work on the route (0 when nothing is pending)",
      labelNames: ["route"],
      registers: [registry],
    }),
    routeInFlight: new Gauge({
      name: RELAYER_METRIC_NAMES.routeInFlight,
      help: "Work items discovered on the route and not yet delivered",
      labelNames: ["route"],
      registers: [registry],
    }),
    routeLimitAvailable: new Gauge({
      name: RELAYER_METRIC_NAMES.routeLimitAvailable,
      help: "USD the hub's damage-limit bucket of the route holds now (routes with a limit only)",
      labelNames: ["route"],
      registers: [registry],
    }),
    routeLimitWaiting: new Gauge({
      name: RELAYER_METRIC_NAMES.routeLimitWaiting,
      help: "Keys whose credit rise waits for the route's damage-limit bucket at the hub",
      labelNames: ["route"],
      registers: [registry],
    }),
    routeLimitApplied: new Counter({
      name: RELAYER_METRIC_NAMES.routeLimitApplied,
      help: "Waiting leaves the relayer's keeper applied (MarginHub.applyWaiting)",
      labelNames: ["route"],
      registers: [registry],
    }),
    releaseQueued: new Gauge({
      name: RELAYER_METRIC_NAMES.releaseQueued,
      help: "Releases (withdrawals, seizes) waiting in a vault's queue for the token's release limit",
      labelNames: ["chain", "token"],
      registers: [registry],
    }),
    releaseQueuedAmount: new Gauge({
      name: RELAYER_METRIC_NAMES.releaseQueuedAmount,
      help: "What the queued releases of a token still owe, in whole tokens",
      labelNames: ["chain", "token"],
      registers: [registry],
    }),
    setQueueDepthSource(next) {
      source = next;
    },
  };
}

/**
 * The `route` label of a path between two chains.
 *
 * @param srcChainId source chain id
 * @param dstChainId destination chain id
 * @returns e.g. `"31338->31337"` (the same key the indexer's `/routes` uses)
 */
export function routeLabel(srcChainId: number, dstChainId: number): string {
  return `${srcChainId}->${dstChainId}`;
}
