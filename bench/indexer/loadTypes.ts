import type { Hex } from "viem";

/** One endpoint to load: `{account}` in `path` and `body` is replaced by a lowercase account. */
export type EndpointSpec = {
  name: string;
  /** Path and query, e.g. `/accounts/{account}/margin`. */
  path: string;
  /** JSON body: present = POST, absent = GET. */
  body?: string;
  /** An answer containing this is a failure (GraphQL reports errors with a 200). */
  failIfIncludes?: string;
};

/**
 * How the load process sends: `raw` (HTTP/1.1 written and read by hand over keep-alive sockets,
 * one per request in flight), `node-http` (node's own `http.request` over a keep-alive agent) or
 * `fetch` (Node's built-in undici `fetch`). On 2 shared cores the client's CPU per request is
 * taken from the indexer and Postgres, so the lightest one measures the server best; the others
 * are measured beside it so the difference shows.
 */
export type LoadClient = "raw" | "node-http" | "fetch";

/** What `loadWorker` is asked to do (sent over IPC, so plain data). */
export type LoadJob = {
  baseUrl: string;
  endpoints: EndpointSpec[];
  /** Accounts asked for are `deriveAccount(salt, i)`, `i` uniform in `[0, accounts)`. */
  salt: Hex;
  accounts: number;
  /** PRNG seed of the account choice. */
  seed: number;
  /** Requests in flight at once (one keep-alive connection each). */
  concurrency: number;
  client: LoadClient;
  /** Unmeasured requests per endpoint first. */
  warmup: number;
  /** Measured requests per endpoint. */
  requests: number;
};

/** Latency summary of one endpoint, in milliseconds (client side: request sent → body read). */
export type EndpointLatency = {
  name: string;
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  requestsPerSecond: number;
  client: LoadClient;
  /** CPU time (user + system) of the load process per measured request, in ms. */
  clientCpuMs: number;
};

/** The worker's one IPC answer. */
export type LoadResult = { ok: true; results: EndpointLatency[] } | { ok: false; error: string };
