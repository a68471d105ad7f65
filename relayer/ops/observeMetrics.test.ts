import { describe, expect, it } from "vitest";
import { createRelayerObserver } from "../pipeline/relayerObserver.js";
import { createRelayerMetrics } from "./metrics.js";
import { observeMetrics } from "./observeMetrics.js";

const GUID = `0x${"cd".repeat(32)}` as const;
const ROUTE = "31338->31337";

describe("observeMetrics", () => {
  it("moves the latency, gas and update metrics on attested and delivered", async () => {
    const observer = createRelayerObserver();
    const metrics = createRelayerMetrics();
    observeMetrics(observer, metrics);
    observer.emit({ type: "attested", route: ROUTE, kind: "balance_batch", guid: GUID, latencySeconds: 0.3 });
    observer.emit({
      type: "delivered",
      chainId: 31337,
      route: ROUTE,
      kind: "balance_batch",
      guid: GUID,
      txHash: undefined,
      gasUsed: 123_456n,
      updates: 200,
      latencySeconds: 1.5,
      creditLatencySeconds: 4,
    });
    const text = await metrics.registry.metrics();

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
  });

  it("leaves the credit latency alone when the source time is unknown, and ignores already-applied claims", async () => {
    const observer = createRelayerObserver();
    const metrics = createRelayerMetrics();
    observeMetrics(observer, metrics);
    observer.emit({
      type: "delivered",
      chainId: 31338,
      route: "31337->31338",
      kind: "seize",
      guid: GUID,
      txHash: undefined,
      gasUsed: 50_000n,
      updates: 1,
      latencySeconds: 2,
      creditLatencySeconds: undefined,
    });
    observer.emit({
      type: "alreadyDelivered",
      chainId: 31338,
      route: "31337->31338",
      kind: "seize",
      guid: GUID,
    });
    const text = await metrics.registry.metrics();

    expect(text).toContain('crossmargin_deliver_latency_seconds_count{route="31337->31338",kind="seize"} 1');
    expect(text).not.toContain('crossmargin_credit_latency_seconds_count{route="31337->31338"');
    expect(text).toContain('crossmargin_updates_delivered_total{route="31337->31338",kind="seize"} 1');
  });

  it("counts retried attempts and dead letters under crossmargin_failures_total", async () => {
    const observer = createRelayerObserver();
    const metrics = createRelayerMetrics();
    observeMetrics(observer, metrics);
    const retry = { queue: "attest", jobId: "j", attempt: 1, reason: "QuorumNotReachedError", error: "x" };
    observer.emit({ type: "attemptFailed", ...retry });
    observer.emit({ type: "attemptFailed", ...retry, attempt: 2 });
    observer.emit({
      type: "deadLettered",
      queue: "deliver-31337",
      jobId: "j",
      reason: "MarginHub_AttestationExpired",
      message: "expired",
    });
    const text = await metrics.registry.metrics();

    expect(text).toContain('crossmargin_failures_total{queue="attest",reason="QuorumNotReachedError"} 2');
    expect(text).toContain(
      'crossmargin_failures_total{queue="deliver-31337",reason="MarginHub_AttestationExpired"} 1',
    );
  });

  it("replaces the route gauges with each round's backlog", async () => {
    const observer = createRelayerObserver();
    const metrics = createRelayerMetrics();
    observeMetrics(observer, metrics);
    const at = 1_700_000_010_500;
    const round = { type: "roundCompleted", at, batches: 1, leaves: 2, packets: 0 } as const;
    observer.emit({
      ...round,
      routes: new Map([
        [ROUTE, { pending: 3, oldestTimestamp: 1_700_000_003n }],
        ["31339->31337", { pending: 1, oldestTimestamp: 1_700_000_020n }], // a clock ahead of ours: 0
      ]),
    });
    let text = await metrics.registry.metrics();
    expect(text).toContain('crossmargin_route_in_flight{route="31338->31337"} 3');
    expect(text).toContain('crossmargin_route_lag_seconds{route="31338->31337"} 7');
    expect(text).toContain('crossmargin_route_lag_seconds{route="31339->31337"} 0');

    observer.emit({
      ...round,
      routes: new Map([["31339->31337", { pending: 1, oldestTimestamp: 1_700_000_000n }]]),
    });
    text = await metrics.registry.metrics();
    expect(text).not.toContain('route="31338->31337"');
    expect(text).toContain('crossmargin_route_lag_seconds{route="31339->31337"} 10');
  });

  it("stops moving metrics once unsubscribed", async () => {
    const observer = createRelayerObserver();
    const metrics = createRelayerMetrics();
    const off = observeMetrics(observer, metrics);
    off();
    observer.emit({
      type: "attemptFailed",
      queue: "attest",
      jobId: "j",
      attempt: 1,
      reason: "X",
      error: "x",
    });
    expect(await metrics.registry.metrics()).not.toContain('reason="X"');
  });
});
