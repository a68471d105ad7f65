/**
 * The read benchmark's load generator, run as its own Node process (`fork` with `--import tsx`)
 * so that its CPU time is not the indexer's or the benchmark driver's. It receives one
 * `LoadJob` over IPC, fires the requests of each endpoint in turn (a warm-up, then the measured
 * requests, `concurrency` at a time over keep-alive connections, with node's `http` or with
 * `fetch`), checks that every answer is a 200 naming the account asked for (and, for GraphQL,
 * without `errors`), and sends back one `EndpointLatency` per endpoint, with its own CPU time per
 * request.
 */
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { seededRandom } from "../../test/kit/seededRandom.js";
import type { EndpointLatency, EndpointSpec, LoadJob, LoadResult } from "./loadTypes.js";
import { summarizeLatencies } from "./summarizeLatencies.js";

process.once("message", (message: unknown) => {
  const reply = (result: LoadResult, code: number) => process.send?.(result, () => process.exit(code));
  run(message as LoadJob) // the parent (measureReads) sends exactly one LoadJob
    .then((results) => reply({ ok: true, results }, 0))
    .catch((error: unknown) =>
      reply({ ok: false, error: error instanceof Error ? error.message : String(error) }, 1),
    );
});

type Answer = { status: number; text: string };

/** Distinct accounts the warm-up cycles through. */
const WARM_ACCOUNTS = 32;
type Send = (url: URL, body: string | undefined) => Promise<Answer>;

async function run(job: LoadJob): Promise<EndpointLatency[]> {
  const random = seededRandom(job.seed);
  const pick = () => deriveAccount(job.salt, BigInt(Math.floor(random() * job.accounts))).toLowerCase();
  // The warm-up asks for a few accounts over and over: it warms the server's code (V8 optimizes
  // it within the first thousands of requests) without warming the database pages of the
  // accounts measured after it, so "as left by the backfill" stays a property of the database.
  let warm = 0;
  const pickWarm = () =>
    deriveAccount(job.salt, BigInt(warm++ % Math.min(WARM_ACCOUNTS, job.accounts))).toLowerCase();
  const send =
    job.client === "fetch"
      ? sendWithFetch
      : job.client === "raw"
        ? sendRaw(job.concurrency)
        : sendWithNodeHttp(job.concurrency);
  const results: EndpointLatency[] = [];
  for (const endpoint of job.endpoints) {
    await runConcurrently(job.warmup, job.concurrency, () =>
      timeRequest(send, job.baseUrl, endpoint, pickWarm()),
    );
    const once = () => timeRequest(send, job.baseUrl, endpoint, pick());
    const cpu = process.cpuUsage();
    const started = performance.now();
    const latencies = await runConcurrently(job.requests, job.concurrency, once);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    results.push({
      name: endpoint.name,
      ...summarizeLatencies(latencies),
      requestsPerSecond: job.requests / seconds,
      client: job.client,
      clientCpuMs: (used.user + used.system) / 1000 / job.requests,
    });
  }
  return results;
}

/** One request, timed from send to the whole body read; checks the answer names the account. */
async function timeRequest(
  send: Send,
  baseUrl: string,
  endpoint: EndpointSpec,
  account: string,
): Promise<number> {
  const url = new URL(endpoint.path.replaceAll("{account}", account), baseUrl);
  const body = endpoint.body?.replaceAll("{account}", account);
  const started = performance.now();
  const { status, text } = await send(url, body);
  const elapsed = performance.now() - started;
  if (status !== 200) throw new Error(`${endpoint.name} answered ${status}: ${text.slice(0, 300)}`);
  if (endpoint.failIfIncludes !== undefined && text.includes(endpoint.failIfIncludes))
    throw new Error(`${endpoint.name} answered with ${endpoint.failIfIncludes}: ${text.slice(0, 300)}`);
  if (!text.toLowerCase().includes(account))
    throw new Error(`${endpoint.name} answered without the account ${account}: ${text.slice(0, 300)}`);
  return elapsed;
}

/** Node's built-in fetch (undici), which keeps connections alive. */
async function sendWithFetch(url: URL, body: string | undefined): Promise<Answer> {
  const response = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** node's `http.request` over a keep-alive agent with one socket per request in flight. */
function sendWithNodeHttp(concurrency: number): Send {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return (url, body) =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> =
        body === undefined
          ? {}
          : { "content-type": "application/json", "content-length": Buffer.byteLength(body) };
      const outgoing = request(
        url,
        { method: body === undefined ? "GET" : "POST", agent, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
}

/**
 * HTTP/1.1 written and read by hand over keep-alive sockets (one per request in flight): the
 * request is one string, and the answer is read up to its `content-length` (every endpoint
 * measured sends one; anything else is an error). Less CPU per request than node's `http`, whose
 * share of the 2 shared cores the indexer and Postgres do not get, and the same bytes on the wire.
 */
function sendRaw(concurrency: number): Send {
  const idle: Socket[] = [];
  let open = 0;
  const socketFor = (url: URL): Promise<Socket> => {
    const ready = idle.pop();
    if (ready !== undefined) return Promise.resolve(ready);
    if (open >= concurrency)
      return Promise.reject(new Error(`raw client: more than ${concurrency} requests in flight`));
    open += 1;
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => resolve(socket));
      socket.setNoDelay(true);
      socket.once("error", reject);
    });
  };
  return async (url, body) => {
    const socket = await socketFor(url);
    const head =
      body === undefined
        ? `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`
        : `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const answer = await new Promise<Answer>((resolve, reject) => {
      let received: Buffer = Buffer.alloc(0);
      let bodyStart = -1;
      let length = -1;
      let status = 0;
      const done = (error: Error | undefined, value?: Answer) => {
        socket.off("data", onData);
        socket.off("error", onError);
        socket.off("close", onClose);
        if (error !== undefined) reject(error);
        else resolve(value as Answer); // given with no error
      };
      const onData = (chunk: Buffer) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        if (bodyStart < 0) {
          const end = received.indexOf("\r\n\r\n");
          if (end < 0) return;
          const headers = received.subarray(0, end).toString("latin1");
          status = Number(headers.slice(9, 12));
          const match = /\r\ncontent-length: *(\d+)/i.exec(headers);
          if (match === null)
            return done(new Error(`raw client: an answer without content-length: ${headers}`));
          length = Number(match[1]);
          bodyStart = end + 4;
        }
        if (received.length >= bodyStart + length)
          done(undefined, {
            status,
            text: received.subarray(bodyStart, bodyStart + length).toString("utf8"),
          });
      };
      const onError = (error: Error) => done(error);
      const onClose = () => done(new Error("raw client: the server closed the connection"));
      socket.on("data", onData);
      socket.once("error", onError);
      socket.once("close", onClose);
      socket.write(body === undefined ? head : head + body);
    });
    idle.push(socket);
    return answer;
  };
}

/** Runs `task` `count` times, at most `concurrency` at once; returns the results in completion order. */
async function runConcurrently(
  count: number,
  concurrency: number,
  task: () => Promise<number>,
): Promise<number[]> {
  const results: number[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      results.push(await task());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}
