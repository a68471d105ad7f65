import { describe, expect, it } from "vitest";
import {
  createRelayerMetrics,
  LATENCY_BUCKETS_SECONDS,
  type QueueDepth,
  RELAYER_METRIC_NAMES,
  routeLabel,
} from "./metrics.js";

describe("createRelayerMetrics", () => {
  it("exposes every relayer metric with the values observed", async () => {
    const metrics = createRelayerMetrics();
    const route = routeLabel(31338, 31337);
    metrics.attestLatency.observe({ route, kind: "balance_batch" }, 0.3);
    metrics.deliverLatency.observe({ route, kind: "balance_batch" }, 1.5);
    metrics.creditLatency.observe({ route, kind: "balance_batch" }, 4);
    metrics.gasUsed.inc({ chain: "31337", kind: "balance_batch" }, 123_456);
    metrics.updatesDelivered.inc({ route, kind: "balance_batch" }, 200);
    metrics.failures.inc({ queue: "deliver-31337", reason: "MarginHub_AttestationExpired" });
    metrics.routeLag.set({ route }, 7);
    metrics.routeInFlight.set({ route }, 3);
    metrics.setQueueDepthSource(
      async (): Promise<QueueDepth[]> => [
        { queue: "attest", counts: { waiting: 5, active: 1 } },
        { queue: "dead-letter", counts: { waiting: 2 } },
      ],
    );
    const text = await metrics.registry.metrics();

    for (const name of Object.values(RELAYER_METRIC_NAMES)) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('crossmargin_queue_jobs{queue="attest",state="waiting"} 5');
    expect(text).toContain('crossmargin_queue_jobs{queue="attest",state="active"} 1');
    expect(text).toContain('crossmargin_queue_jobs{queue="dead-letter",state="waiting"} 2');
    expect(text).toContain(
      'crossmargin_attest_latency_seconds_bucket{le="0.5",route="31338->31337",kind="balance_batch"} 1',
    );
    expect(text).toContain(
      'crossmargin_attest_latency_seconds_bucket{le="0.25",route="31338->31337",kind="balance_batch"} 0',
    );
    expect(text).toContain(
      'crossmargin_deliver_latency_seconds_sum{route="31338->31337",kind="balance_batch"} 1.5',
    );
    expect(text).toContain(
      'crossmargin_credit_latency_seconds_count{route="31338->31337",kind="balance_batch"} 1',
    );
    expect(text).toContain('crossmargin_gas_used_total{chain="31337",kind="balance_batch"} 123456');
    expect(text).toContain(
      'crossmargin_updates_delivered_total{route="31338->31337",kind="balance_batch"} 200',
    );
    expect(text).toContain(
      'crossmargin_failures_total{queue="deliver-31337",reason="MarginHub_AttestationExpired"} 1',
    );
    expect(text).toContain('crossmargin_route_lag_seconds{route="31338->31337"} 7');
    expect(text).toContain('crossmargin_route_in_flight{route="31338->31337"} 3');
    // Default process metrics are in the same registry.
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(LATENCY_BUCKETS_SECONDS[0]).toBe(0.05);
    expect(LATENCY_BUCKETS_SECONDS.at(-1)).toBe(120);
  });

  it("keeps registries apart, so two relayers in one process do not collide", async () => {
    const a = createRelayerMetrics();
    const b = createRelayerMetrics();
    a.failures.inc({ queue: "attest", reason: "X" });
    expect(await a.registry.metrics()).toContain('crossmargin_failures_total{queue="attest",reason="X"} 1');
    expect(await b.registry.metrics()).not.toContain('reason="X"');
  });

  it("re-reads queue depths on every scrape and drops queues that vanished", async () => {
    const metrics = createRelayerMetrics();
    let waiting = 1;
    let queues = ["attest", "reconcile"];
    metrics.setQueueDepthSource(async () => queues.map((queue) => ({ queue, counts: { waiting } })));
    expect(await metrics.registry.metrics()).toContain(
      'crossmargin_queue_jobs{queue="reconcile",state="waiting"} 1',
    );
    waiting = 9;
    queues = ["attest"];
    const text = await metrics.registry.metrics();
    expect(text).toContain('crossmargin_queue_jobs{queue="attest",state="waiting"} 9');
    expect(text).not.toContain('queue="reconcile"');
  });

  it("still serves the other metrics when the queue-depth source fails or hangs, and says why", async () => {
    const errors: unknown[] = [];
    const metrics = createRelayerMetrics({ onCollectError: (e) => errors.push(e), collectTimeoutMs: 100 });
    metrics.routeLag.set({ route: "1->2" }, 1);
    metrics.setQueueDepthSource(async () => {
      throw new Error("redis down");
    });
    const failed = await metrics.registry.metrics();
    expect(failed).toContain('crossmargin_route_lag_seconds{route="1->2"} 1');
    expect(failed).not.toContain("crossmargin_queue_jobs{");
    metrics.setQueueDepthSource(() => new Promise(() => {}));
    await metrics.registry.metrics();
    expect(errors.map((e) => (e instanceof Error ? e.message : String(e)))).toEqual([
      "redis down",
      expect.stringContaining("Timed out"),
    ]);
  });
});
