import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import type { IServerAdapter } from "@bull-board/api/typings/app";
import { HonoAdapter } from "@bull-board/hono";
import { getRequestListener } from "@hono/node-server";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Queue } from "bullmq";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { InvalidParameterError } from "./errors.js";
import type { RelayerMetrics } from "./metrics.js";
import { withTimeout } from "./withTimeout.js";

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = "/admin/queues";

/** How long `/healthz` waits for the health check before answering 503. */
const HEALTH_TIMEOUT_MS = 5_000;

/** What a health check reports: `ok` decides 200 or 503; `details` is shown as it is. */
export type HealthReport = { ok: boolean; details: Record<string, unknown> };

/** Parameters of {@link startRelayerHttpServer}. */
export type StartRelayerHttpServerParameters = {
  /** TCP port; 0 picks any free port (the real one is returned). */
  port: number;
  /**
   * Interface to listen on (default `127.0.0.1`). Bull Board can retry, promote and remove jobs
   * and has no login: expose it beyond localhost only behind an authenticating proxy.
   */
  host?: string | undefined;
  /** The relayer's metrics, served at `/metrics`. */
  metrics: RelayerMetrics;
  /** Queues shown in Bull Board. */
  queues: readonly Queue[];
  /** Health check behind `/healthz` (a throw, or no answer within 5 s, counts as unhealthy). */
  health: () => HealthReport | Promise<HealthReport>;
  /** Logger for request errors and start/stop. */
  logger: Logger;
  /** Bull Board without its mutating actions (retry, clean, remove, pause…). Default false. */
  readOnlyBoard?: boolean | undefined;
  /** HTTP basic auth in front of Bull Board (its UI and API). Default: none. */
  boardAuth?: { username: string; password: string } | undefined;
};

/** A running operator HTTP server. */
export type RelayerHttpServer = {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops listening and closes open connections. */
  stop(): Promise<void>;
};

/**
 * Starts the relayer's operator HTTP server: `GET /healthz` (200 or 503 with details),
 * `GET /metrics` (Prometheus text), Bull Board at `/admin/queues` (API under
 * `/admin/queues/api/*`), and `GET /` listing them.
 *
 * @param parameters port, host, metrics, queues, health check, logger
 * @returns the server's URL and port and a `stop()`
 * @throws {InvalidParameterError} for a port outside 0–65535
 * @example
 * const server = await startRelayerHttpServer({ port: config.relayer.port, metrics, queues, health, logger });
 * // … on SIGTERM:
 * await server.stop();
 */
export async function startRelayerHttpServer(
  parameters: StartRelayerHttpServerParameters,
): Promise<RelayerHttpServer> {
  const { port, logger } = parameters;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidParameterError("port", "an integer from 0 to 65535 (0 = any free port)", port);
  const host = parameters.host ?? "127.0.0.1";
  const app = createApp(parameters);
  const server = createServer(getRequestListener(app.fetch));
  await listen(server, port, host);
  // `listen` on a TCP port always yields an AddressInfo (a string only for pipes).
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  logger.info({ at: "httpServer.start", url }, "operator HTTP server listening");
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: bound,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).then(() => logger.info({ at: "httpServer.stop", url }, "operator HTTP server stopped"));
      return stopping;
    },
  };
}

function createApp(parameters: StartRelayerHttpServerParameters): Hono {
  const { metrics, logger } = parameters;
  // Not strict: `/admin/queues/` (the UI's own base href) serves the board as `/admin/queues` does.
  const app = new Hono({ strict: false });
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse(); // basic auth's 401, with its challenge
    logger.error({ at: "httpServer.request", path: c.req.path, err: error }, "request failed");
    return c.json({ error: error.message }, 500);
  });
  app.get("/", (c) =>
    c.json({ endpoints: ["/healthz", "/metrics", `${BULL_BOARD_PATH}/`, `${BULL_BOARD_PATH}/api/queues`] }),
  );
  app.get("/healthz", async (c) => {
    let report: HealthReport;
    try {
      report = await withTimeout(
        Promise.resolve(parameters.health()),
        HEALTH_TIMEOUT_MS,
        "running the health check",
      );
    } catch (error) {
      logger.warn({ at: "httpServer.healthz", err: error }, "health check threw");
      report = { ok: false, details: { error: error instanceof Error ? error.message : String(error) } };
    }
    return c.json({ ok: report.ok, details: report.details }, report.ok ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { "Content-Type": metrics.registry.contentType });
  });
  if (parameters.boardAuth !== undefined) {
    const auth = basicAuth({ ...parameters.boardAuth, realm: "crossmargin relayer" });
    app.use(BULL_BOARD_PATH, auth);
    app.use(`${BULL_BOARD_PATH}/*`, auth);
  }
  const board = new HonoAdapter(serveStatic);
  board.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: parameters.queues.map(
      (queue) => new BullMQAdapter(queue, { readOnlyMode: parameters.readOnlyBoard ?? false }),
    ),
    // @bull-board/hono 9.10.1 pins @bull-board/api 9.10.1 (nested copy) while the root has 9.10.2: the
    // same interface declared twice, whose private fields make TypeScript call them incompatible.
    // At run time the adapter never touches its nested copy (it needs only ejs, hono and node:path).
    serverAdapter: board as unknown as IServerAdapter,
  });
  app.route(BULL_BOARD_PATH, board.registerPlugin());
  return app;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "is already in use"
          : `cannot be bound (${error.code ?? error.message})`;
      reject(new InvalidParameterError("port", `a free port on ${host}`, `${port}, which ${why}`));
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
