/**
 * The read benchmark's client, a Node process of its own (forked by `measureReads`) so that its
 * CPU time is not the benchmark driver's: runs each load of the job in turn with the standard
 * `fetch`, checks every answer and sends back the latencies over IPC.
 */
import type { Endpoint, Load, ReadJob, ReadSample, WorkerAnswer } from "./measureReads.js";

process.once("message", (message: unknown) => {
  const reply = (answer: WorkerAnswer, code: number) => process.send?.(answer, () => process.exit(code));
  run(message as ReadJob) // measureReads sends exactly one ReadJob
    .then((latencies) => reply({ ok: true, latencies }, 0))
    .catch((error: unknown) =>
      reply({ ok: false, error: error instanceof Error ? error.message : String(error) }, 1),
    );
});

async function run(job: ReadJob): Promise<number[][]> {
  let next = 0;
  const sample = () => job.samples[next++ % job.samples.length]!;
  const results: number[][] = [];
  for (const load of job.loads) {
    const once = () => timeRequest(job.baseUrl, load.endpoint, sample());
    await runLoad({ ...load, requests: load.warmup }, once);
    results.push(await runLoad(load, once));
  }
  return results;
}

/** One request, timed from `fetch` to the whole body read; the answer must be a 200 of the expected shape. */
async function timeRequest(baseUrl: string, endpoint: Endpoint, sample: ReadSample): Promise<number> {
  const fill = (text: string) =>
    text
      .replaceAll("{account}", sample.account)
      .replaceAll("{chainId}", String(sample.chainId))
      .replaceAll("{token}", sample.token);
  const body = endpoint.body === undefined ? undefined : fill(endpoint.body);
  const started = performance.now();
  const response = await fetch(new URL(fill(endpoint.path), baseUrl), {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  const fault =
    response.status !== 200
      ? `answered ${response.status}`
      : body !== undefined && text.includes('"errors"')
        ? "answered with errors"
        : endpoint.perAccount && !text.toLowerCase().includes(sample.account)
          ? `answered without the account ${sample.account}`
          : undefined;
  if (fault !== undefined) throw new Error(`${endpoint.name} ${fault}: ${text.slice(0, 300)}`);
  return elapsed;
}

/** Runs `load.requests` requests, `load.concurrency` at once (or until `load.maxMs`); returns their latencies. */
async function runLoad(load: Load, task: () => Promise<number>): Promise<number[]> {
  const latencies: number[] = [];
  const until = performance.now() + (load.maxMs ?? Number.POSITIVE_INFINITY);
  let started = 0;
  const lane = async () => {
    while (started < load.requests && performance.now() < until) {
      started += 1;
      latencies.push(await task());
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, lane));
  return latencies;
}
