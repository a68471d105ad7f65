import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./loadWorker.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** An endpoint: `{account}`, `{chainId}` and `{token}` in `path` and `body` are filled from a sample. */
export type Endpoint = {
  name: string;
  /** Path and query, e.g. `/accounts/{account}/margin`. */
  path: string;
  /** JSON body: present = POST, absent = GET. */
  body?: string;
  /** The answer must name the sample's account. */
  perAccount: boolean;
};

/** An account to read and its first row (for the primary-key read). */
export type ReadSample = { account: string; chainId: number; token: string };

/** Requests of one endpoint at one concurrency, after unmeasured warm-up requests. */
export type Load = {
  endpoint: Endpoint;
  concurrency: number;
  warmup: number;
  requests: number;
  maxMs?: number;
};

/** What `loadWorker` is asked (sent over IPC, so plain data). */
export type ReadJob = { baseUrl: string; samples: ReadSample[]; loads: Load[] };

/** The worker's one answer: per load, its latencies in ms (client side, `fetch` → body read). */
export type WorkerAnswer = { ok: true; latencies: number[][] } | { ok: false; error: string };

/**
 * Runs the loads from a second Node process (`loadWorker.ts`, through tsx), one after the other,
 * cycling through the samples.
 *
 * @param job server, samples and loads
 * @returns per load, its latencies in ms
 * @throws when the worker fails (a non-200 answer, a GraphQL error, an answer without the account)
 */
export function measureReads(job: ReadJob): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], {
      cwd: REPO,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answered = false;
    child.once("message", (message: unknown) => {
      answered = true;
      const answer = message as WorkerAnswer; // the worker sends exactly one WorkerAnswer
      if (answer.ok) resolve(answer.latencies);
      else reject(new Error(`load worker: ${answer.error}`));
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (!answered)
        reject(new Error(`load worker exited (code ${code}, signal ${signal}) without an answer`));
    });
    child.send(job);
  });
}
