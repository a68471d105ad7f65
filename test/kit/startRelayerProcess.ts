import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Parameters of {@link startRelayerProcess}. */
export type StartRelayerProcessParameters = {
  /** A config object (e.g. the devnet manifest with `apiUrl` and a `relayer` section), written to `configPath`. */
  config: unknown;
  /** Where to write it. */
  configPath: string;
  /** Extra environment (keys, REDIS_URL, LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for "relayer running" (default 60 s). */
  readyTimeoutMs?: number;
  /** `attester`: runs `crossmargin attester --config <configPath> <args>` instead, ready at "attester listening". */
  command?: "relayer" | "attester";
  /** Extra arguments after `--config <path>` (e.g. `--port 9470`). */
  args?: string[];
};

/** A `crossmargin relayer` child process. */
export type RelayerProcess = {
  /** Base URL of its HTTP server (/healthz, /metrics, /admin/queues). */
  url: string;
  pid: number;
  /** Everything it printed (pino JSON lines). */
  logs: () => string;
  /** Kills it with `signal` and waits for the exit (SIGKILL: no drain at all). */
  kill: (signal?: NodeJS.Signals) => Promise<number | null>;
  exited: Promise<number | null>;
};

/**
 * Runs `crossmargin relayer --config <configPath>` as a child process, as an operator would, and
 * waits for its "relayer running" log line.
 *
 * @param parameters config and environment
 * @returns the process
 */
export async function startRelayerProcess(
  parameters: StartRelayerProcessParameters,
): Promise<RelayerProcess> {
  writeFileSync(
    parameters.configPath,
    JSON.stringify(parameters.config, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2),
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "relayer/cli/main.ts",
      parameters.command ?? "relayer",
      "--config",
      parameters.configPath,
      ...(parameters.args ?? []),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "info", ...parameters.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const ready = parameters.command === "attester" ? '"attester listening"' : '"relayer running"';
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${ready} not logged after ${parameters.readyTimeoutMs ?? 60_000} ms:\n${output}`)),
      parameters.readyTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((l) => l.includes(ready));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url); // pino JSON line of startRelayer / the attester server
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${parameters.command ?? "relayer"} exited with ${code} before it ran:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    logs: () => output,
    exited,
    kill: async (signal = "SIGTERM") => {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
