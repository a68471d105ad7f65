/**
 * The read benchmark's load generator, run as its own Node process (`fork` with `--import tsx`)
 * so that its CPU time is not the indexer's or the benchmark driver's. It receives one
 * `LoadJob` over IPC, fires the requests of each endpoint in turn (a warm-up, then the measured
 * requests, `concurrency` at a time over keep-alive connections), checks that every answer is a
 * 200 naming the account asked for (and, for GraphQL, without `errors`), and sends back one `EndpointLatency` per endpoint.
 */
import { seededRandom } from "../../test/relayer/seededRandom.js";
import { deriveAccount } from "../../test/utils/deriveAccount.js";
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

async function run(job: LoadJob): Promise<EndpointLatency[]> {
  const random = seededRandom(job.seed);
  const pick = () => deriveAccount(job.salt, BigInt(Math.floor(random() * job.accounts))).toLowerCase();
  const results: EndpointLatency[] = [];
  for (const endpoint of job.endpoints) {
    const once = () => timeRequest(job.baseUrl, endpoint, pick());
    await runConcurrently(job.warmup, job.concurrency, once);
    const started = performance.now();
    const latencies = await runConcurrently(job.requests, job.concurrency, once);
    const seconds = (performance.now() - started) / 1000;
    results.push({
      name: endpoint.name,
      ...summarizeLatencies(latencies),
      requestsPerSecond: job.requests / seconds,
    });
  }
  return results;
}

/** One request (Node's fetch keeps connections alive); checks the answer names the account. */
async function timeRequest(baseUrl: string, endpoint: EndpointSpec, account: string): Promise<number> {
  const path = endpoint.path.replaceAll("{account}", account);
  const body = endpoint.body?.replaceAll("{account}", account);
  const started = performance.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200)
    throw new Error(`${endpoint.name} answered ${response.status}: ${text.slice(0, 300)}`);
  if (endpoint.failIfIncludes !== undefined && text.includes(endpoint.failIfIncludes))
    throw new Error(`${endpoint.name} answered with ${endpoint.failIfIncludes}: ${text.slice(0, 300)}`);
  if (!text.toLowerCase().includes(account))
    throw new Error(`${endpoint.name} answered without the account ${account}: ${text.slice(0, 300)}`);
  return elapsed;
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
