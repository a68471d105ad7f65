import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRelayerObserver } from "../pipeline/relayerObserver.js";
import { observeHealth } from "./observeHealth.js";
import { observeLogs } from "./observeLogs.js";

const GUID = `0x${"ef".repeat(32)}` as const;

function capture(level = "info") {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

describe("observeLogs", () => {
  it("writes the lines operators and tests read: running, work enqueued, delivered, stopped", () => {
    const { lines, logger } = capture();
    const observer = createRelayerObserver();
    observeLogs(observer, logger);
    observer.emit({
      type: "started",
      url: "http://127.0.0.1:9464",
      chains: [31337],
      attesters: 2,
      prefix: "p",
    });
    const round = { type: "roundCompleted", at: 0, routes: new Map() } as const;
    observer.emit({ ...round, batches: 0, leaves: 0, packets: 0 }); // nothing enqueued: no line
    observer.emit({ ...round, batches: 1, leaves: 5, packets: 2 });
    const delivery = { chainId: 31337, route: "31338->31337", kind: "balance_batch", guid: GUID } as const;
    observer.emit({
      type: "delivered",
      ...delivery,
      txHash: GUID,
      gasUsed: 1n,
      updates: 5,
      latencySeconds: 1,
      creditLatencySeconds: 2,
    });
    observer.emit({ type: "alreadyDelivered", ...delivery });
    observer.emit({ type: "stopped" });

    expect(lines.map((line) => line.msg)).toEqual([
      "relayer running",
      "work enqueued",
      "delivered",
      "delivered",
      "relayer stopped",
    ]);
    expect(lines[0]).toMatchObject({ at: "relayer.start", url: "http://127.0.0.1:9464", chains: [31337] });
    expect(lines[1]).toMatchObject({ at: "relayer.reconcile", batches: 1, leaves: 5, packets: 2 });
    expect(lines[2]).toMatchObject({ at: "relayer.deliver", status: "delivered", txHash: GUID, guid: GUID });
    expect(lines[3]).toMatchObject({ at: "relayer.deliver", status: "already" });
    expect(lines[3]).not.toHaveProperty("txHash");
  });

  it("warns on retries and failed rounds, errors on dead letters, and tells a vanished job from a worker error", () => {
    const { lines, logger } = capture();
    const observer = createRelayerObserver();
    observeLogs(observer, logger);
    observer.emit({
      type: "attemptFailed",
      queue: "attest",
      jobId: "j",
      attempt: 2,
      reason: "E",
      error: "rpc down",
    });
    observer.emit({ type: "roundFailed", at: 1, error: "indexer down", cause: new Error("indexer down") });
    observer.emit({
      type: "deadLettered",
      queue: "deliver-31337",
      jobId: "j",
      reason: "R",
      message: "reverted",
    });
    observer.emit({ type: "workerError", queue: "attest", error: "Missing key for job j" });
    observer.emit({ type: "workerError", queue: "attest", error: "boom" });
    observer.emit({ type: "workerError", queue: "reconcile", error: "boom" });

    expect(lines.map((line) => [line.level, line.at, line.msg])).toEqual([
      [40, "relayer.retry", "attempt failed; will retry"],
      [40, "relayer.discover", "discovery round failed; will retry"],
      [50, "relayer.deadLetter", "reverted"],
      [40, "relayer.worker", "a job vanished from Redis (flushed?)"],
      [50, "relayer.worker", "worker error"],
      [50, "relayer.reconcile", "reconcile worker error"],
    ]);
    expect(lines[0]).toMatchObject({ queue: "attest", jobId: "j", attempt: 2, err: "rpc down" });
    expect(lines[1]).not.toHaveProperty("stack"); // only at debug
  });

  it("logs sends and fee bumps at debug, a transaction broadcast again at info", () => {
    const info = capture();
    const debug = capture("debug");
    const observer = createRelayerObserver();
    observeLogs(observer, info.logger);
    observeLogs(observer, debug.logger);
    const sent = {
      chainId: 31337,
      route: "31338->31337",
      kind: "seize",
      guid: GUID,
      nonce: 4,
      hash: GUID,
      maxFeePerGas: 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    } as const;
    observer.emit({ type: "transactionSent", ...sent, sent: 1 });
    observer.emit({ type: "transactionSent", ...sent, sent: 2 });
    expect(info.lines).toEqual([]);
    expect(debug.lines.map((line) => line.msg)).toEqual([
      "transaction sent",
      "transaction replaced (fee bumped)",
    ]);
    expect(debug.lines[1]).toMatchObject({ maxFeePerGas: "2000000000", maxPriorityFeePerGas: "1000000000" });
    // A lost transaction broadcast again after a restart is a recovery: shown at info.
    observer.emit({ type: "transactionSent", ...sent, sent: 1, again: true });
    expect(info.lines.map((line) => line.msg)).toEqual([
      "recorded transaction broadcast again (the node had lost it)",
    ]);
    expect(info.lines[0]).toMatchObject({ nonce: 4, txHash: GUID, route: "31338->31337" });
  });
});

describe("observeLogs with RPC URLs", () => {
  it("names the chain of an RPC an error quotes, and hides its key", () => {
    const { lines, logger } = capture();
    const observer = createRelayerObserver();
    const url = "https://eth.example.com/v2/AbCdEf0123456789_xyz-KEY";
    observeLogs(observer, logger, { rpcs: [{ chainId: 31338, url }] });
    observer.emit({
      type: "attemptFailed",
      queue: "deliver-31338",
      jobId: "packet-0x1",
      attempt: 1,
      reason: "HttpRequestError",
      error: `HTTP request failed. URL: ${url}`,
    });
    observer.emit({ type: "roundFailed", at: 1, error: `fetch failed: ${url}`, cause: undefined });
    expect(lines.map((line) => line.err)).toEqual([
      "HTTP request failed. URL: https://eth.example.com/v2/*** (chain 31338)",
      "fetch failed: https://eth.example.com/v2/*** (chain 31338)",
    ]);
  });
});

describe("observeHealth", () => {
  it("is unhealthy after a failed round until a round completes, and while Redis is not ready", () => {
    const observer = createRelayerObserver();
    const redis = { status: "ready" };
    const health = observeHealth(observer, { redis, attesters: [{ address: "0xa" }] });
    expect(health()).toEqual({
      ok: true,
      details: {
        redis: "ready",
        lastDiscoveryAt: 0,
        lastDiscoveryError: null,
        attesters: ["0xa"],
        problems: [],
      },
    });
    observer.emit({ type: "roundFailed", at: 5, error: "indexer down", cause: undefined });
    expect(health()).toMatchObject({
      ok: false,
      details: { lastDiscoveryAt: 5, lastDiscoveryError: "indexer down" },
    });
    observer.emit({ type: "roundCompleted", at: 9, batches: 0, leaves: 0, packets: 0, routes: new Map() });
    expect(health()).toMatchObject({ ok: true, details: { lastDiscoveryAt: 9, lastDiscoveryError: null } });
    redis.status = "reconnecting";
    expect(health().ok).toBe(false);
  });

  it("is unhealthy while the periodic start-check finds a problem, and names it", () => {
    const observer = createRelayerObserver();
    let problems: { path: string; message: string }[] = [];
    const health = observeHealth(observer, {
      redis: { status: "ready" },
      attesters: [],
      problems: () => problems,
    });
    expect(health().ok).toBe(true);
    problems = [
      { path: "chains.31338.rpcUrl", message: "expected an RPC answering eth_chainId at http://x" },
    ];
    expect(health()).toMatchObject({
      ok: false,
      details: { problems: ["chains.31338.rpcUrl: expected an RPC answering eth_chainId at http://x"] },
    });
  });
});
