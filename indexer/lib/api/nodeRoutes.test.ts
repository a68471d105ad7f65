import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { type Address, getAddress } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  ACCOUNT_MARGIN_PATH,
  accountMarginNodeRoute,
  getAccountMargin,
} from "../../src/api/getAccountMargin.js";
import type { AccountMarginView } from "./accountMarginView.js";
import {
  createGraphqlExecutor,
  graphqlHonoHandler,
  graphqlNodeRoute,
  MAX_GRAPHQL_BODY_BYTES,
} from "./createGraphqlHandler.js";
import type { ReadMargin } from "./createMarginReader.js";
import { type PonderHttpMetrics, serveBeforeHono } from "./nodeRoutes.js";

/*
 * The node routes in front of a real HTTP server built the way Ponder builds its own
 * (@hono/node-server's `serve`, a metrics middleware, CORS, the API app under `route("/")`):
 * what they take gets the answer Hono gives, without reaching Hono; what they leave reaches it.
 */

const ACCOUNT = "0x976ea74026e726554db657fa54763abd0c3a0aa9" as Address;
const FAILING = "0x00000000000000000000000000000000000000ff" as Address;
const CHAINS = new Set([31337, 31338]);

let reads = 0;
// The reader's own behaviour is tested against real databases (createMarginReader.test.ts); here
// it only has to answer per account and chain, and fail for one account.
const readMargin: ReadMargin = async ({ account, chainId }) => {
  reads++;
  await new Promise((resolve) => setImmediate(resolve));
  if (account === FAILING) throw new Error("the database went away");
  return { account, chainId: chainId ?? null, collaterals: [] } as unknown as AccountMarginView;
};

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      hello: {
        type: new GraphQLNonNull(GraphQLString),
        args: { name: { type: GraphQLString } },
        resolve: (_s, a: { name?: string }) => `hello ${a.name ?? "world"}`,
      },
    },
  }),
});
let executorThrows = false;
const executor = createGraphqlExecutor({ schema, context: () => ({}) });
const executeGraphql: typeof executor = async (text) => {
  if (executorThrows) throw new TypeError("executor broke");
  return executor(text);
};

// What reached Hono (Ponder's middleware runs first for every request it gets).
const reachedHono: string[] = [];
const api = new Hono();
api.use("/graphql", graphqlHonoHandler(executeGraphql, "<html>GraphiQL</html>"));
api.get(ACCOUNT_MARGIN_PATH, getAccountMargin(readMargin, CHAINS));
const app = new Hono()
  .use(async (c, next) => {
    reachedHono.push(`${c.req.method} ${new URL(c.req.url).pathname}`);
    await next();
  })
  .use(cors({ origin: "*", maxAge: 86400 }))
  .route("/", api)
  .onError((error, c) => c.text(`${error.name}: ${error.message}`, 500));

type Observed = { metric: string; labels: Record<string, string>; value?: number };
const observed: Observed[] = [];
const metric = (name: string) => ({
  observe: (labels: Record<string, string>, value: number) => observed.push({ metric: name, labels, value }),
  inc: (labels: Record<string, string>) => observed.push({ metric: `${name}+`, labels }),
  dec: (labels: Record<string, string>) => observed.push({ metric: `${name}-`, labels }),
});
const metrics: PonderHttpMetrics = {
  ponder_http_server_active_requests: metric("active"),
  ponder_http_server_request_size_bytes: metric("requestSize"),
  ponder_http_server_response_size_bytes: metric("responseSize"),
  ponder_http_server_request_duration_ms: metric("duration"),
};
const warnings: Record<string, unknown>[] = [];
const infos: Record<string, unknown>[] = [];
const logger = {
  info: (entry: Record<string, unknown>) => infos.push(entry),
  warn: (entry: Record<string, unknown>) => warnings.push(entry),
};
const routes = [accountMarginNodeRoute(readMargin, CHAINS), graphqlNodeRoute(executeGraphql)];

let server: Server;
let base: string;
let stop: () => void = () => {};

beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stop = serveBeforeHono(routes, { metrics, logger });
});

afterEach(() => {
  reachedHono.length = 0;
  observed.length = 0;
  warnings.length = 0;
  executorThrows = false;
});

afterAll(async () => {
  stop();
  await new Promise((resolve) => server.close(resolve));
});

type Answer = { status: number; type: string | null; cors: string | null; body: string };

async function answer(response: Response): Promise<Answer> {
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    cors: response.headers.get("access-control-allow-origin"),
    body: await response.text(),
  };
}

/** The same request over the server and to Hono alone (`app.request`, no server, no node routes). */
async function both(path: string, init?: RequestInit): Promise<{ served: Answer; hono: Answer }> {
  const served = await answer(await fetch(`${base}${path}`, init));
  const hono = await answer(await app.request(path, init));
  return { served, hono };
}

describe("serveBeforeHono", () => {
  test("a margin request gets Hono's answer without reaching Hono, and is recorded as Ponder records it", async () => {
    for (const path of [
      `/accounts/${ACCOUNT}/margin`,
      `/accounts/${getAddress(ACCOUNT)}/margin`,
      `/accounts/${ACCOUNT}/margin?chainId=31338`,
      `/accounts/${ACCOUNT}/margin?chainId=`,
      `/accounts/${ACCOUNT}/margin?chainId`,
      `/accounts/${ACCOUNT}/margin?other=1&chainId=31337&chainId=31338`,
    ]) {
      reachedHono.length = 0;
      const { served, hono } = await both(path, { headers: { origin: "https://app.example" } });
      expect(served, path).toEqual(hono);
      expect(served.status, path).toBe(200);
      expect(reachedHono, path).toEqual([`GET ${path.split("?")[0]}`]); // app.request only
    }
    expect(infos).toEqual([
      { msg: "Serving routes ahead of Hono", routes: `${ACCOUNT_MARGIN_PATH}, /graphql` },
    ]);
    observed.length = 0;
    await fetch(`${base}/accounts/${ACCOUNT}/margin`).then((r) => r.text());
    const labels = { method: "GET", path: ACCOUNT_MARGIN_PATH };
    expect(observed.map((o) => o.metric)).toEqual([
      "active+",
      "active-",
      "requestSize",
      "responseSize",
      "duration",
    ]);
    expect(observed[0]?.labels).toEqual(labels);
    expect(observed[2]?.labels).toEqual({ ...labels, status: "2XX" });
    const body = JSON.stringify({ account: ACCOUNT, chainId: null, collaterals: [] });
    expect(observed[3]?.value).toBe(Buffer.byteLength(body));
  });

  test("what the margin route does not take reaches Hono and gets its answer", async () => {
    for (const [path, status] of [
      ["/accounts/nope/margin", 400],
      [`/accounts/${ACCOUNT.toUpperCase().replace("0X", "0x")}9/margin`, 400],
      [`/accounts/${ACCOUNT}/margin?chainId=1`, 400],
      [`/accounts/${ACCOUNT}/margin?chainId=%33%31%33%33%37`, 200],
      [`/accounts/${ACCOUNT}/margin/`, 404],
      ["/accounts//margin", 404],
    ] as const) {
      reachedHono.length = 0;
      const { served, hono } = await both(path);
      expect(served, path).toEqual(hono);
      expect(served.status, path).toBe(status);
      expect(reachedHono, path).toHaveLength(2); // the server's request and app.request
    }
    reachedHono.length = 0;
    const head = await fetch(`${base}/accounts/${ACCOUNT}/margin`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(reachedHono).toEqual([`HEAD /accounts/${ACCOUNT}/margin`]);
  });

  test("a GraphQL POST gets Hono's answer without reaching Hono; GET and other targets reach Hono", async () => {
    const post = (query: string): RequestInit => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    for (const init of [post('{ hello(name: "node") }'), post("{ nope }"), { method: "POST", body: "[1]" }]) {
      reachedHono.length = 0;
      const { served, hono } = await both("/graphql", init);
      expect(served).toEqual(hono);
      expect(reachedHono).toEqual(["POST /graphql"]);
    }
    const big = await fetch(`${base}/graphql`, {
      method: "POST",
      body: "x".repeat(MAX_GRAPHQL_BODY_BYTES + 1),
    });
    expect(big.status).toBe(413);
    reachedHono.length = 0;
    const page = await fetch(`${base}/graphql`);
    expect(await page.text()).toBe("<html>GraphiQL</html>");
    const withQuery = await fetch(`${base}/graphql?x=1`, post("{ hello }"));
    expect(await withQuery.json()).toEqual({ data: { hello: "hello world" } });
    expect(reachedHono).toEqual(["GET /graphql", "POST /graphql"]);
  });

  test("a route that fails before reading the body hands the request to Hono; after, it answers 500 and logs", async () => {
    reads = 0;
    const { served, hono } = await both(`/accounts/${FAILING}/margin`);
    expect(served).toEqual(hono);
    expect(served.status).toBe(500);
    expect(served.body).toBe("Error: the database went away");
    expect(reads).toBe(3); // the node route, Hono's route after it, app.request
    expect(reachedHono).toHaveLength(2);

    reachedHono.length = 0;
    observed.length = 0;
    executorThrows = true;
    const failed = await fetch(`${base}/graphql`, { method: "POST", body: '{"query":"{ hello }"}' });
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe(
      "TypeError: executor broke occurred while handling a 'POST' request to the route '/graphql'",
    );
    expect(reachedHono).toEqual([]);
    expect(warnings).toMatchObject([
      { msg: "Failed to handle HTTP request", method: "POST", path: "/graphql" },
    ]);
    expect(observed.filter((o) => o.metric === "duration").map((o) => o.labels.status)).toEqual(["5XX"]);
    expect(observed.filter((o) => o.metric.startsWith("active")).map((o) => o.metric)).toEqual([
      "active+",
      "active-",
    ]);
  });

  test("installing again replaces the routes on the same server; stopping gives Hono every request back", async () => {
    expect(server.listenerCount("request")).toBe(1);
    const only = serveBeforeHono([graphqlNodeRoute(executeGraphql)], { metrics, logger });
    try {
      await fetch(`${base}/accounts/${ACCOUNT}/margin`).then((r) => r.text());
      await fetch(`${base}/graphql`, { method: "POST", body: '{"query":"{ hello }"}' }).then((r) => r.text());
      expect(reachedHono).toEqual([`GET /accounts/${ACCOUNT}/margin`]);
      expect(server.listenerCount("request")).toBe(1);
    } finally {
      only();
    }
    reachedHono.length = 0;
    const margin = await fetch(`${base}/accounts/${ACCOUNT}/margin`);
    expect(margin.status).toBe(200);
    await margin.text();
    await fetch(`${base}/graphql`, { method: "POST", body: '{"query":"{ hello }"}' }).then((r) => r.text());
    expect(reachedHono).toEqual([`GET /accounts/${ACCOUNT}/margin`, "POST /graphql"]);
    stop = serveBeforeHono(routes, { metrics, logger });
  });
});
