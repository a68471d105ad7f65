import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EndpointLatency, LoadJob, LoadResult } from "./loadTypes.js";

const WORKER = fileURLToPath(new URL("./loadWorker.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Measures read latency from a second Node process: forks `loadWorker.ts` (through tsx), hands
 * it the job over IPC and waits for its per-endpoint summaries. The worker runs alone on its
 * event loop, so the timings are not skewed by this process.
 *
 * @param job endpoints, accounts, concurrency and request counts
 * @returns one latency summary per endpoint, in the job's order
 * @throws when the worker fails (a non-200 answer, an answer without the account, a crash)
 * @example
 * const [rest] = await measureReads({ baseUrl, endpoints: [{ name: "REST", path: "/accounts/{account}/margin" }], … });
 */
export function measureReads(job: LoadJob): Promise<EndpointLatency[]> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], {
      cwd: REPO,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answered = false;
    child.once("message", (message: unknown) => {
      answered = true;
      const result = message as LoadResult; // the worker sends exactly one LoadResult
      if (result.ok) resolve(result.results);
      else reject(new Error(`load worker: ${result.error}`));
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (!answered)
        reject(new Error(`load worker exited (code ${code}, signal ${signal}) without an answer`));
    });
    child.send(job);
  });
}
