import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AnvilError, PortInUseError } from "./errors.js";
import { spawnGroup } from "./spawnGroup.js";

/** Parameters of {@link startAnvil}. */
export type StartAnvilParameters = {
  chainId: number;
  /** Port on 127.0.0.1. */
  port: number;
  /** Seconds between blocks; 0 mines a block per transaction (automine). */
  blockTimeSeconds: number;
  /** How long to wait until the process listens and answers `eth_chainId` (default 20 s). */
  readyTimeoutMs?: number;
};

/** How an anvil process ended. */
export type AnvilExit = { code: number | null; signal: NodeJS.Signals | null; output: string };

/** A running anvil. */
export type StartAnvilReturnType = {
  chainId: number;
  port: number;
  /** `http://127.0.0.1:<port>` */
  rpcUrl: string;
  pid: number;
  /** Resolves when the process ends, whoever ended it. */
  exited: Promise<AnvilExit>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop: () => Promise<void>;
  /** Sends SIGKILL without waiting (for `process.on("exit")`). */
  kill: () => void;
};

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const OUTPUT_TAIL = 4_000;

/** What anvil writes to stderr when another process holds its port. */
const ADDRESS_IN_USE = /address already in use/i;

/**
 * Starts one anvil chain and waits until that process listens and answers `eth_chainId` with its
 * chain id.
 *
 * "That process" matters: another anvil of the same chain id may take the port between the
 * caller's check and this spawn (parallel test files do). Its `eth_chainId` would answer for a
 * child that failed to bind, and the caller would then mine on someone else's chain. So anvil
 * writes a `--config-out` file, which it does only after it has bound its port, and ready means
 * that file exists and the port answers.
 *
 * Runs the platform binary that `@foundry-rs/anvil` installs (falling back to the
 * `node_modules/.bin/anvil` wrapper) in its own process group ({@link spawnGroup}), so a Ctrl-C
 * in the terminal reaches only the devnet process, which then stops its chains in order; the
 * group is killed if this process exits first.
 *
 * @param params chain id, port and block time
 * @returns the running anvil
 * @throws PortInUseError when another process holds the port
 * @throws AnvilError when anvil exits early for another reason or does not answer in time
 * @example
 * const anvil = await startAnvil({ chainId: 31337, port: 8545, blockTimeSeconds: 1 });
 * await anvil.stop();
 */
export async function startAnvil(params: StartAnvilParameters): Promise<StartAnvilReturnType> {
  const readyDir = mkdtempSync(join(tmpdir(), `crossmargin-anvil-${params.port}-`));
  const readyFile = join(readyDir, "ready.json");
  const args = ["--host", "127.0.0.1", "--port", String(params.port), "--chain-id", String(params.chainId)];
  if (params.blockTimeSeconds > 0) args.push("--block-time", String(params.blockTimeSeconds));
  args.push("--silent", "--config-out", readyFile);

  const group = spawnGroup(anvilBinary(), args, { stdio: ["ignore", "ignore", "pipe"] });
  const { child } = group;
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
  });
  const exited = new Promise<AnvilExit>((resolve) => {
    child.once("error", (error) =>
      resolve({ code: null, signal: null, output: `${output}${error.message}` }),
    );
    child.once("exit", (code, signal) => resolve({ code, signal, output }));
  });
  const rpcUrl = `http://127.0.0.1:${params.port}`;
  const anvil: StartAnvilReturnType = {
    chainId: params.chainId,
    port: params.port,
    rpcUrl,
    pid: child.pid ?? -1,
    exited,
    stop: () => group.stop(5_000),
    kill: () => group.signal("SIGKILL"),
  };

  const early = exited.then((exit) => {
    if (ADDRESS_IN_USE.test(exit.output)) throw new PortInUseError(params.port, params.chainId);
    throw new AnvilError(
      params.chainId,
      `anvil for chain ${params.chainId} exited while starting (${describeExit(exit)}).`,
      exit.output,
    );
  });
  early.catch(() => {}); // exits after startup are the caller's business (see `exited`)
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  try {
    const listening = await waitUntilListening({
      rpcUrl,
      chainId: params.chainId,
      readyFile,
      timeoutMs: params.readyTimeoutMs ?? 20_000,
      gone: () => gone,
    });
    if (!listening) await early; // rejects with why it exited
  } catch (error) {
    await anvil.stop();
    throw error;
  } finally {
    rmSync(readyDir, { recursive: true, force: true });
  }
  return anvil;
}

/**
 * Describes how a process ended, for messages.
 *
 * @param exit the exit code and signal
 * @returns e.g. `exit code 1` or `signal SIGKILL`
 */
export function describeExit(exit: Pick<AnvilExit, "code" | "signal">): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "failed to run" : `exit code ${exit.code}`;
}

function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const name = process.platform === "win32" ? "anvil.exe" : "anvil";
  const native = join(ROOT, "node_modules", "@foundry-rs", `anvil-${process.platform}-${arch}`, "bin", name);
  return existsSync(native) ? native : join(ROOT, "node_modules", ".bin", "anvil");
}

/**
 * Polls until anvil has written `readyFile` (it has bound its port) and answers `chainId`.
 *
 * @returns true once it listens, false when the process is `gone` first
 * @throws AnvilError when the port answers another chain id, or nothing happens in time
 */
async function waitUntilListening(parameters: {
  rpcUrl: string;
  chainId: number;
  readyFile: string;
  timeoutMs: number;
  gone: () => boolean;
}): Promise<boolean> {
  const { rpcUrl, chainId, readyFile, timeoutMs } = parameters;
  const deadline = Date.now() + timeoutMs;
  while (!parameters.gone()) {
    if (existsSync(readyFile)) {
      const answered = await fetchChainId(rpcUrl);
      if (answered === chainId) return true;
      if (answered !== undefined) {
        throw new AnvilError(chainId, `${rpcUrl} answered chain id ${answered}, expected ${chainId}.`, "");
      }
    }
    if (Date.now() > deadline) {
      throw new AnvilError(
        chainId,
        `anvil for chain ${chainId} did not answer on ${rpcUrl} within ${timeoutMs} ms.`,
        "",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

async function fetchChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    // JSON-RPC answers are untyped JSON; only `result` is read, and checked below.
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === "string" ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}
