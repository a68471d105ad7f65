import { Writable } from "node:stream";
import { Queue } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestRedisPrefix,
} from "../../test/kit/testRedisPrefix.js";
import { type RelayerHttpServer, startRelayerHttpServer } from "./createHttpServer.js";
import { createLogger } from "./createLogger.js";
import { getQueueDepths } from "./getQueueDepths.js";
import { createRelayerMetrics } from "./metrics.js";

describe("startRelayerHttpServer", () => {
  let redis: TestRedisPrefix;
  let queues: Queue[];
  let server: RelayerHttpServer | undefined;
  let healthy: boolean;
  const lines: string[] = [];
  const logger = createLogger({
    name: "test",
    level: "info",
    destination: new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });

  beforeEach(async () => {
    redis = createTestRedisPrefix();
    healthy = true;
    queues = ["attest", "deliver-31337", "dead-letter"].map(
      (name) => new Queue(name, { connection: { url: TEST_REDIS_URL }, prefix: redis.prefix }),
    );
    await queues[0]!.add("attest", { n: 1 }, { jobId: "job-a" });
    await queues[0]!.add("attest", { n: 2 }, { jobId: "job-b" });
    const metrics = createRelayerMetrics();
    metrics.setQueueDepthSource(() => getQueueDepths(queues));
    server = await startRelayerHttpServer({
      port: 0,
      metrics,
      queues,
      logger,
      health: () => ({ ok: healthy, details: { redis: healthy ? "up" : "down" } }),
    });
  });

  afterEach(async () => {
    await server?.stop();
    await Promise.all(queues.map((queue) => queue.close()));
    await redis.cleanup();
  });

  it("binds a free port when asked for port 0 and reports it", () => {
    expect(server!.port).toBeGreaterThan(0);
    expect(server!.url).toBe(`http://127.0.0.1:${server!.port}`);
  });

  it("answers /healthz with 200 when healthy and 503 with the details when not", async () => {
    const ok = await fetch(`${server!.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, details: { redis: "up" } });
    healthy = false;
    const bad = await fetch(`${server!.url}/healthz`);
    expect(bad.status).toBe(503);
    expect(await bad.json()).toEqual({ ok: false, details: { redis: "down" } });
  });

  it("answers /healthz with 503 when the health check throws", async () => {
    const metrics = createRelayerMetrics();
    const throwing = await startRelayerHttpServer({
      port: 0,
      metrics,
      queues: [],
      logger,
      health: () => {
        throw new Error("indexer gone");
      },
    });
    try {
      const response = await fetch(`${throwing.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ ok: false, details: { error: "indexer gone" } });
    } finally {
      await throwing.stop();
    }
  });

  it("serves Prometheus text at /metrics with live queue depths", async () => {
    const response = await fetch(`${server!.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    expect(text).toContain('crossmargin_queue_jobs{queue="attest",state="waiting"} 2');
    expect(text).toContain('crossmargin_queue_jobs{queue="deliver-31337",state="waiting"} 0');
    expect(text).toContain("# TYPE crossmargin_deliver_latency_seconds histogram");
  });

  it("serves Bull Board's HTML, its static assets and its API under /admin/queues", async () => {
    for (const path of ["/admin/queues", "/admin/queues/"]) {
      const page = await fetch(`${server!.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      const base = /<base href="([^"]+)"/.exec(html)?.[1];
      expect(base).toBe("/admin/queues/");
      const scripts = [...html.matchAll(/<script defer src="([^"]+\.js)"/g)].map((m) => m[1]!);
      const styles = [...html.matchAll(/<link href="([^"]+\.css)"/g)].map((m) => m[1]!);
      expect(scripts.length).toBeGreaterThan(0);
      expect(styles.length).toBeGreaterThan(0);
      for (const asset of [scripts[0]!, styles[0]!]) {
        const response = await fetch(new URL(asset, `${server!.url}${base}`));
        expect(response.status, asset).toBe(200);
        expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
    }
    const missing = await fetch(`${server!.url}/admin/queues/static/js/nope.js`);
    expect(missing.status).toBe(404);

    const api = await fetch(`${server!.url}/admin/queues/api/queues`);
    expect(api.status).toBe(200);
    const body = z
      .object({ queues: z.array(z.object({ name: z.string(), counts: z.record(z.string(), z.number()) })) })
      .parse(await api.json());
    expect(body.queues.map((q) => q.name).sort()).toEqual(["attest", "dead-letter", "deliver-31337"]);
    expect(body.queues.find((q) => q.name === "attest")?.counts.waiting).toBe(2);
  });

  it("guards Bull Board with basic auth and read-only mode when asked, and leaves /healthz and /metrics open", async () => {
    const guarded = await startRelayerHttpServer({
      port: 0,
      metrics: createRelayerMetrics(),
      queues,
      logger,
      health: () => ({ ok: true, details: {} }),
      readOnlyBoard: true,
      boardAuth: { username: "ops", password: "s3cret" },
    });
    try {
      for (const path of ["/admin/queues", "/admin/queues/", "/admin/queues/api/queues"])
        expect((await fetch(`${guarded.url}${path}`)).status, path).toBe(401);
      const wrong = { authorization: `Basic ${Buffer.from("ops:nope").toString("base64")}` };
      expect((await fetch(`${guarded.url}/admin/queues/api/queues`, { headers: wrong })).status).toBe(401);
      const right = { authorization: `Basic ${Buffer.from("ops:s3cret").toString("base64")}` };
      const api = await fetch(`${guarded.url}/admin/queues/api/queues`, { headers: right });
      expect(api.status).toBe(200);
      const body = z
        .object({ queues: z.array(z.object({ name: z.string(), readOnlyMode: z.boolean() })) })
        .parse(await api.json());
      expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
      expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });

  it("refuses a port that is taken, naming it", async () => {
    await expect(
      startRelayerHttpServer({
        port: server!.port,
        metrics: createRelayerMetrics(),
        queues: [],
        logger,
        health: () => ({ ok: true, details: {} }),
      }),
    ).rejects.toThrow(
      `Invalid port: expected a free port on 127.0.0.1, got "${server!.port}, which is already in use"`,
    );
    await expect(
      startRelayerHttpServer({
        port: 70_000,
        metrics: createRelayerMetrics(),
        queues: [],
        logger,
        health: () => ({ ok: true, details: {} }),
      }),
    ).rejects.toThrow("Invalid port: expected an integer from 0 to 65535 (0 = any free port), got 70000");
  });

  it("stops: the port is closed afterwards", async () => {
    const { url } = server!;
    await server!.stop();
    server = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(lines.some((line) => JSON.parse(line).at === "httpServer.stop")).toBe(true);
  });
});
