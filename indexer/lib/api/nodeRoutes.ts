import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";

/*
 * The two hot read routes (`GET /accounts/:address/margin`, `POST /graphql`) answered on node's
 * own request and response, before Ponder's Hono app sees them. Ponder serves its app through
 * @hono/node-server with its metrics and CORS middleware in front; for these routes that stack
 * cost more than the route itself: with it, the indexer used 310–470 µs of CPU and allocated
 * about 55 KB per margin request, without it 220–230 µs and 35 KB (one Ponder process,
 * alternating, BENCHMARKS.md). Every route stays registered in the Hono app, which answers
 * whatever a node route does not take (other methods and paths, the 400s, GraphiQL, a failure
 * before the body was read) and every request in tests that use `app.request`.
 *
 * Ponder creates its HTTP server itself and does not hand it out, so the server is found through
 * node's `http.server.request.start` diagnostics channel, which publishes each request with its
 * server before the server's `request` listeners run: on the first request of a server the
 * listeners (Ponder's Hono adapter) are moved behind one that tries the node routes first.
 */

/** A node route's answer: the HTTP status and the body, sent as JSON. */
export type NodeAnswer = { status: number; body: unknown };

/** A route served before Hono. */
export type NodeRoute = {
  /** The Hono route's path: the `path` label of Ponder's HTTP metrics. */
  path: string;
  /**
   * How to answer this request, or `undefined` to leave it to Hono: a request for another route,
   * or one the Hono route answers differently (a parameter it rejects with 400, say).
   */
  match: (request: IncomingMessage) => (() => Promise<NodeAnswer>) | undefined;
};

type Labels = { method: string; path: string };
type StatusLabels = Labels & { status: string };

/** The part of Ponder's metrics (`PONDER_COMMON.metrics`) its HTTP middleware records. */
export type PonderHttpMetrics = {
  ponder_http_server_active_requests: { inc: (labels: Labels) => void; dec: (labels: Labels) => void };
  ponder_http_server_request_size_bytes: { observe: (labels: StatusLabels, value: number) => void };
  ponder_http_server_response_size_bytes: { observe: (labels: StatusLabels, value: number) => void };
  ponder_http_server_request_duration_ms: { observe: (labels: StatusLabels, value: number) => void };
};

/** Ponder's logger (`PONDER_COMMON.logger`): a server taken over is logged at info, a failure at warn. */
export type NodeRoutesLogger = {
  info: (entry: Record<string, unknown>) => void;
  warn: (entry: Record<string, unknown>) => void;
};

/** Options of {@link serveBeforeHono}. */
export type ServeBeforeHonoOptions = {
  /** Metrics to record each answer in, as Ponder's middleware does (default: Ponder's own, when present). */
  metrics?: PonderHttpMetrics | undefined;
  /** Where failures are logged (default: Ponder's logger, when present). */
  logger?: NodeRoutesLogger | undefined;
};

type State = {
  routes: readonly NodeRoute[];
  metrics: PonderHttpMetrics | undefined;
  logger: NodeRoutesLogger | undefined;
  servers: Map<Server, RequestListener[]>;
  onRequestStart: (message: unknown) => void;
};
type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

const CHANNEL = "http.server.request.start";
/** One state per process: a reloaded API module (`ponder dev`) replaces the routes, not the hook. */
const STATE = Symbol.for("crossmargin.indexer.nodeRoutes");
const holder = globalThis as { [STATE]?: State };

/**
 * Serves `routes` before Hono on every HTTP server of this process from its next request on (in
 * the indexer, Ponder's one server). Calling it again replaces the routes (`ponder dev` reloads
 * the API module). A route's answer is sent as JSON with Ponder's CORS header and recorded in
 * Ponder's HTTP metrics under the Hono route's path. A route that throws before reading the
 * request body hands the request to Hono, which runs its own route and answers (and logs) as
 * Ponder does; after the body was read it is answered with Ponder's 500 text.
 *
 * @param routes the node routes, tried in order
 * @param options metrics and logger (default: Ponder's)
 * @returns a function that stops serving them and gives every server its listeners back
 * @example
 * serveBeforeHono([accountMarginNodeRoute(readMargin, knownChains), graphqlNodeRoute(executeGraphql)]);
 */
export function serveBeforeHono(
  routes: readonly NodeRoute[],
  options: ServeBeforeHonoOptions = {},
): () => void {
  const ponder = (globalThis as { PONDER_COMMON?: { metrics?: unknown; logger?: unknown } }).PONDER_COMMON;
  const metrics = options.metrics ?? (isPonderHttpMetrics(ponder?.metrics) ? ponder.metrics : undefined);
  const logger = options.logger ?? (isLogger(ponder?.logger) ? ponder.logger : undefined);
  const existing = holder[STATE];
  if (existing !== undefined) {
    Object.assign(existing, { routes, metrics, logger });
    return () => stop(existing);
  }
  const state: State = {
    routes,
    metrics,
    logger,
    servers: new Map(),
    onRequestStart: (message) => {
      const server = (message as { server?: Server }).server; // node's documented message shape
      if (server !== undefined && !state.servers.has(server)) takeOver(server, state);
    },
  };
  holder[STATE] = state;
  subscribe(CHANNEL, state.onRequestStart);
  return () => stop(state);
}

function stop(state: State): void {
  if (holder[STATE] !== state) return;
  unsubscribe(CHANNEL, state.onRequestStart);
  delete holder[STATE];
  for (const [server, listeners] of state.servers) {
    server.removeAllListeners("request");
    for (const listener of listeners) server.on("request", listener);
  }
  state.servers.clear();
}

/** Puts the node routes in front of the server's `request` listeners (called before they run). */
function takeOver(server: Server, state: State): void {
  const listeners = server.listeners("request") as RequestListener[]; // node's `request` listener signature
  state.servers.set(server, listeners);
  const toHono: RequestListener = (request, response) => {
    for (const listener of listeners) listener.call(server, request, response);
  };
  server.removeAllListeners("request");
  state.logger?.info({
    msg: "Serving routes ahead of Hono",
    routes: state.routes.map((route) => route.path).join(", "),
  });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    for (const route of state.routes) {
      const answer = route.match(request);
      if (answer !== undefined) {
        void serve(state, route, answer, request, response, toHono);
        return;
      }
    }
    toHono(request, response);
  });
}

async function serve(
  state: State,
  route: NodeRoute,
  answer: () => Promise<NodeAnswer>,
  request: IncomingMessage,
  response: ServerResponse,
  toHono: RequestListener,
): Promise<void> {
  const labels = { method: request.method ?? "GET", path: route.path };
  const { metrics } = state;
  metrics?.ponder_http_server_active_requests.inc(labels);
  const started = performance.now();
  let status: number;
  let size: number;
  try {
    const result = await answer();
    status = result.status;
    size = sendJson(response, result.status, result.body);
  } catch (error) {
    metrics?.ponder_http_server_active_requests.dec(labels);
    if (!request.readableDidRead) {
      toHono(request, response); // Hono runs its route again and answers, and logs, as Ponder does
      return;
    }
    status = 500;
    size = sendFailure(state, request, route, response, error);
    record(metrics, labels, request, status, size, performance.now() - started, false);
    return;
  }
  record(metrics, labels, request, status, size, performance.now() - started, true);
}

function record(
  metrics: PonderHttpMetrics | undefined,
  labels: Labels,
  request: IncomingMessage,
  status: number,
  responseSize: number,
  durationMs: number,
  active: boolean,
): void {
  if (metrics === undefined) return;
  if (active) metrics.ponder_http_server_active_requests.dec(labels);
  const withStatus = { ...labels, status: statusClass(status) };
  metrics.ponder_http_server_request_size_bytes.observe(
    withStatus,
    Number(request.headers["content-length"] ?? 0),
  );
  metrics.ponder_http_server_response_size_bytes.observe(withStatus, responseSize);
  metrics.ponder_http_server_request_duration_ms.observe(withStatus, durationMs);
}

/** Ponder's status label. */
function statusClass(status: number): string {
  if (status >= 200 && status < 300) return "2XX";
  if (status >= 300 && status < 400) return "3XX";
  if (status >= 400 && status < 500) return "4XX";
  return "5XX";
}

/** The JSON answer with the header Ponder's CORS middleware (`origin: "*"`) adds; returns its length. */
function sendJson(response: ServerResponse, status: number, body: unknown): number {
  const text = JSON.stringify(body);
  const length = Buffer.byteLength(text);
  if (response.destroyed) return length; // the client went away: nothing to write to
  response.writeHead(status, {
    "access-control-allow-origin": "*",
    "content-type": "application/json",
    "content-length": length,
  });
  response.end(text);
  return length;
}

/** Ponder's answer to a route that threw (`onError`: a 500 text naming the error and the route), logged as Ponder logs it. */
function sendFailure(
  state: State,
  request: IncomingMessage,
  route: NodeRoute,
  response: ServerResponse,
  error: unknown,
): number {
  const failure = error instanceof Error ? error : new Error(String(error));
  const method = request.method ?? "GET";
  state.logger?.warn({ msg: "Failed to handle HTTP request", method, path: route.path, error: failure });
  const text = `${failure.name}: ${failure.message} occurred while handling a '${method}' request to the route '${route.path}'`;
  const length = Buffer.byteLength(text);
  if (response.destroyed) return length;
  response.writeHead(500, {
    "access-control-allow-origin": "*",
    "content-type": "text/plain; charset=UTF-8",
    "content-length": length,
  });
  response.end(text);
  return length;
}

/**
 * Reads a request body as text, with events rather than `for await` (the async iterator's
 * promises and stream machinery cost more per request than reading the one or two chunks of a
 * GraphQL body).
 *
 * @param incoming node's request
 * @param limit most bytes accepted
 * @returns the body, or `undefined` when it is longer than `limit` (the rest is read and dropped)
 */
export function readIncomingText(incoming: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      // Past the limit the rest is read and dropped, so the connection stays usable for the 413.
      if (size <= limit) chunks.push(buffer);
    });
    incoming.once("end", () =>
      resolve(size > limit ? undefined : Buffer.concat(chunks, size).toString("utf8")),
    );
    incoming.once("error", reject);
    incoming.once("close", () => {
      if (!incoming.readableEnded) reject(new Error("the request was closed before its body ended"));
    });
  });
}

/**
 * The path and query of a request URL, split without building a `URL` (node gives the raw
 * request target; an absolute-form target is left to Hono).
 *
 * @param url `request.url`
 * @returns the path and the query string without its `?` (empty when none), or `undefined`
 */
export function splitTarget(url: string | undefined): { path: string; query: string } | undefined {
  if (url === undefined || !url.startsWith("/")) return undefined;
  const mark = url.indexOf("?");
  return mark < 0 ? { path: url, query: "" } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

function isPonderHttpMetrics(value: unknown): value is PonderHttpMetrics {
  const m = value as
    | Partial<Record<keyof PonderHttpMetrics, { observe?: unknown; inc?: unknown }>>
    | undefined; // probed below
  return (
    typeof m?.ponder_http_server_active_requests?.inc === "function" &&
    typeof m.ponder_http_server_request_size_bytes?.observe === "function" &&
    typeof m.ponder_http_server_response_size_bytes?.observe === "function" &&
    typeof m.ponder_http_server_request_duration_ms?.observe === "function"
  );
}

function isLogger(value: unknown): value is NodeRoutesLogger {
  const logger = value as { info?: unknown; warn?: unknown } | undefined; // probed below
  return typeof logger?.info === "function" && typeof logger.warn === "function";
}
