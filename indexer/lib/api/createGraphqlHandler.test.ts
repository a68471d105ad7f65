import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import {
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from "graphql";
import { Hono } from "hono";
import { cors } from "hono/cors";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDocumentCache, createGraphqlHandler } from "./createGraphqlHandler.js";

type Node = { id: number; name: string; children: Node[] };
const node = (id: number): Node => ({ id, name: `n${id}`, children: id < 20 ? [node(id + 1)] : [] });

const nodeType: GraphQLObjectType = new GraphQLObjectType({
  name: "Node",
  fields: () => ({
    id: { type: new GraphQLNonNull(GraphQLInt) },
    name: { type: GraphQLString },
    children: { type: new GraphQLList(nodeType) },
  }),
});
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      node: {
        type: nodeType,
        args: { id: { type: new GraphQLNonNull(GraphQLInt) } },
        resolve: (_, a) => node(a.id),
      },
      requests: { type: GraphQLInt, resolve: (_s, _a, context: { request: number }) => context.request },
      broken: {
        type: GraphQLString,
        resolve: () => {
          throw new Error("database password is hunter2");
        },
      },
      refused: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError("account: expected an address", { extensions: { parameter: "account" } });
        },
      },
    },
  }),
  mutation: new GraphQLObjectType({
    name: "Mutation",
    fields: { touch: { type: GraphQLInt, resolve: () => 1 } },
  }),
});

let requests = 0;
const handler = (maskErrors: boolean) =>
  createGraphqlHandler({
    schema,
    context: () => ({ request: ++requests }),
    graphiqlHtml: "<html>GraphiQL</html>",
    limits: { maxDepth: 5, maxAliases: 2, maxTokens: 200 },
    maskErrors,
  });
const app = new Hono();
/** What middleware saw after the route, as Ponder's metrics read it: status and content-length. */
const seenAfter: [number, string | null][] = [];
app.use(async (c, next) => {
  await next();
  seenAfter.push([c.res.status, c.res.headers.get("content-length")]);
});
// Like Ponder's server: CORS runs before the route and sets its header on `c.res` first.
app.use(cors({ origin: "*", maxAge: 86400 }));
app.use("/graphql", handler(false));
app.use("/masked", handler(true));

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; // a TCP listener's address
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The same request through node-server (node's request and response) and through `app.request` (Hono's). */
async function both(path: string, init: RequestInit) {
  const answers = [];
  for (const response of [await fetch(`${baseUrl}${path}`, init), await app.request(path, init)]) {
    const text = await response.text();
    answers.push({
      status: response.status,
      body: response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
      cors: response.headers.get("access-control-allow-origin"),
    });
  }
  const [node, hono] = answers;
  expect(node).toEqual(hono);
  return node as {
    status: number;
    body: { data?: unknown; errors?: { message: string }[] } | string;
    cors: string;
  };
}

const post = (body: unknown, path = "/graphql") =>
  both(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const errorOf = (answer: Awaited<ReturnType<typeof post>>) =>
  typeof answer.body === "string"
    ? answer.body
    : (answer.body.errors?.map((e) => e.message).join("; ") ?? "");

describe("createGraphqlHandler", () => {
  test("runs a query with variables; the same answer through node's response and Hono's, CORS header included", async () => {
    const answer = await post({
      query: "query ($id: Int!) { node(id: $id) { id name children { id } } }",
      variables: { id: 3 },
    });
    expect(answer).toEqual({
      status: 200,
      body: { data: { node: { id: 3, name: "n3", children: [{ id: 4 }] } } },
      cors: "*",
    });
    // Through node-server (the first of the two), middleware after the route sees the status and
    // the length that went out (Hono's own `c.json` sets no content-length there).
    const length = String(Buffer.byteLength(JSON.stringify(answer.body)));
    expect(seenAfter.at(-2)).toEqual([200, length]);
  });

  test("each request gets a fresh context", async () => {
    const ask = async () => {
      const response = await fetch(`${baseUrl}/graphql`, {
        method: "POST",
        body: '{"query": "{ requests }"}',
      });
      return ((await response.json()) as { data: { requests: number } }).data.requests;
    };
    const first = await ask();
    expect(await ask()).toBe(first + 1);
  });

  test("operationName picks the operation; a missing or unknown one is an error naming it", async () => {
    const query = "query A { node(id: 1) { id } } query B { node(id: 2) { id } }";
    expect((await post({ query, operationName: "B" })).body).toEqual({ data: { node: { id: 2 } } });
    expect(errorOf(await post({ query }))).toContain("operationName");
    expect(errorOf(await post({ query, operationName: "C" }))).toContain('no operation named "C"');
  });

  test("syntax and validation errors answer 200 with errors, as Ponder's GraphQL does", async () => {
    const syntax = await post({ query: "{ node(id: 1) { id }" });
    expect(syntax.status).toBe(200);
    expect(errorOf(syntax)).toContain("Syntax Error");
    const unknown = await post({ query: "{ node(id: 1) { colour } }" });
    expect(unknown.status).toBe(200);
    expect(errorOf(unknown)).toContain('Cannot query field "colour"');
  });

  test("depth, alias and token limits", async () => {
    const deep = "{ node(id: 1) { children { children { children { children { children { id } } } } } } }";
    expect(errorOf(await post({ query: deep }))).toContain("depth limit of 5");
    expect(errorOf(await post({ query: "{ node(id: 1) { children { id } } }" }))).toBe("");
    const aliases = "{ a: node(id: 1) { id } b: node(id: 2) { id } c: node(id: 3) { id } }";
    expect(errorOf(await post({ query: aliases }))).toContain("Aliases limit of 2");
    const long = `{ ${Array.from({ length: 60 }, (_, i) => `node(id: ${i}) { id }`).join(" ")} }`;
    expect(errorOf(await post({ query: long }))).toContain("tokens");
  });

  test("a body that is not a GraphQL request gets 400 naming the field", async () => {
    const cases: [unknown, string][] = [
      ["{not json", "not JSON"],
      [[{ query: "{ requests }" }], "batches are not served"],
      [{}, "query: expected the GraphQL document"],
      [{ query: "  " }, "query: expected the GraphQL document"],
      [{ query: "{ requests }", variables: [1] }, "variables: expected an object, got [1]"],
      [{ query: "{ requests }", operationName: 7 }, "operationName: expected a string, got 7"],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      expect([answer.status, errorOf(answer)]).toEqual([400, expect.stringContaining(message)]);
    }
  });

  test("a body over 1 MiB is refused with 413", async () => {
    const answer = await post({ query: `{ requests } #${"x".repeat(1_048_576)}` });
    expect([answer.status, errorOf(answer)]).toEqual([413, expect.stringContaining("over 1048576 bytes")]);
  });

  test("GET is GraphiQL, other methods 405; mutations are not served", async () => {
    expect(await both("/graphql", { method: "GET" })).toMatchObject({
      status: 200,
      body: "<html>GraphiQL</html>",
    });
    const put = await both("/graphql", { method: "PUT", body: "{}" });
    expect([put.status, errorOf(put)]).toEqual([405, expect.stringContaining("PUT not allowed")]);
    expect(errorOf(await post({ query: "mutation { touch }" }))).toContain(
      "only queries are served, got a mutation",
    );
  });

  test("unexpected resolver errors are masked when asked; GraphQLErrors keep their message and extensions", async () => {
    expect(errorOf(await post({ query: "{ broken }" }))).toBe("database password is hunter2");
    expect(errorOf(await post({ query: "{ broken }" }, "/masked"))).toBe("Unexpected error.");
    const refused = await post({ query: "{ refused }" }, "/masked");
    expect(refused.body).toMatchObject({
      errors: [
        { message: "account: expected an address", extensions: { parameter: "account" }, path: ["refused"] },
      ],
      data: { refused: null },
    });
  });
});

describe("createDocumentCache", () => {
  const limits = { maxTokens: 1_000, maxDepth: 10, maxAliases: 5 };
  test("a query is parsed and validated once; the least recently used is dropped beyond the size", () => {
    const prepare = createDocumentCache({ schema, limits, cacheSize: 2 });
    const [a, b, c] = ["{ requests }", "{ node(id: 1) { id } }", "{ node(id: 2) { id } }"];
    const first = { a: prepare(a), b: prepare(b) };
    expect(prepare(a)).toBe(first.a); // a is now the most recent
    prepare(c); // evicts b
    expect(prepare(a)).toBe(first.a);
    expect(prepare(b)).not.toBe(first.b);
    expect(prepare(b)).toEqual(first.b);
  });

  test("errors are kept too, and a cache of size 0 keeps nothing", () => {
    const prepare = createDocumentCache({ schema, limits, cacheSize: 1 });
    const bad = prepare("{ nope }");
    expect(bad).toMatchObject({ errors: [{ message: expect.stringContaining('"nope"') }] });
    expect(prepare("{ nope }")).toBe(bad);
    const none = createDocumentCache({ schema, limits, cacheSize: 0 });
    expect(none("{ requests }")).not.toBe(none("{ requests }"));
  });
});
