import { join } from "node:path";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { Config } from "../../shared/config/schema.js";
import { getDevnetAccounts } from "./accounts.js";
import { acquireLock } from "./acquireLock.js";
import { assertPortFree } from "./assertPortFree.js";
import { buildManifest, type DevnetManifest } from "./buildManifest.js";
import { deployDevnet } from "./deployDevnet.js";
import { AnvilError } from "./errors.js";
import {
  type DevnetOptions,
  type ResolvedDevnetOptions,
  resolveDevnetOptions,
} from "./resolveDevnetOptions.js";
import { describeExit, type StartAnvilReturnType, startAnvil } from "./startAnvil.js";
import { writeManifest } from "./writeManifest.js";

/** Parameters of {@link startDevnet}. */
export type StartDevnetParameters = DevnetOptions;

/** Why a devnet stopped: `error` is set when an anvil died on its own. */
export type DevnetClosed = { error?: AnvilError };

/** One running anvil of the devnet. */
export type DevnetAnvil = Pick<StartAnvilReturnType, "chainId" | "port" | "rpcUrl" | "pid">;

/** A running devnet. */
export type StartDevnetReturnType = {
  /** What `<dir>/manifest.json` holds (also when `writeManifest` is false). */
  manifest: DevnetManifest;
  /** The manifest parsed by the shared `parseConfig`. */
  config: Config;
  /** `<dir>/manifest.json` (written only when `writeManifest` is true). */
  manifestPath: string;
  /** `<dir>/dev.lock`, holding this process's pid while the devnet runs. */
  lockPath: string;
  /** The anvil processes, hub first. */
  anvils: DevnetAnvil[];
  /** Stops every anvil and removes the lock; safe to call more than once. */
  stop: () => Promise<void>;
  /** SIGKILLs every anvil at once (a pending `stop` then ends soon); resolves once they are gone. */
  kill: () => Promise<void>;
  /** Resolves once the devnet has stopped, by `stop()` or because an anvil exited unexpectedly. */
  closed: Promise<DevnetClosed>;
};

/** Name of the manifest inside the devnet directory. */
export const MANIFEST_FILE = "manifest.json";

/**
 * Starts a devnet: one anvil per chain (hub first, ports from `basePort`), every contract
 * deployed and configured, demo tokens minted to the traders, and the manifest written.
 *
 * Takes `<dir>/dev.lock` first (a second devnet on the same directory is refused with
 * `DevnetLockedError`; a lock left by a dead process is taken over) and checks every port
 * (`PortInUseError`, also when another process takes a port between the check and anvil's bind). If an anvil exits on its own later, the rest are stopped, `closed`
 * resolves with the error and `log` says so. Each anvil is also killed if this process exits
 * (see `spawnGroup`).
 *
 * @param params chain count and ids, ports, block time, finality depth, directory, logging
 * @returns the manifest, its parsed config, `stop` and `closed`
 * @throws DevnetLockedError, PortInUseError, AnvilError, DeployError, DevnetOptionError
 * @example
 * const devnet = await startDevnet({ basePort: 19545, blockTimeSeconds: 0, dir: tmp });
 * try { … devnet.config.chains … } finally { await devnet.stop(); }
 */
export async function startDevnet(params: StartDevnetParameters = {}): Promise<StartDevnetReturnType> {
  const options = resolveDevnetOptions(params);
  const lock = acquireLock({ dir: options.dir });
  const anvils: StartAnvilReturnType[] = [];
  let stopping = false;
  let resolveClosed: (closed: DevnetClosed) => void = () => {};
  const closed = new Promise<DevnetClosed>((resolve) => {
    resolveClosed = resolve;
  });
  // The anvils kill themselves on exit (spawnGroup); this frees the lock.
  const onProcessExit = () => lock.release();
  process.on("exit", onProcessExit);

  const shutdown = async (why: DevnetClosed) => {
    if (stopping) return closed.then(() => {});
    stopping = true;
    await Promise.all(anvils.map((anvil) => anvil.stop()));
    lock.release();
    process.off("exit", onProcessExit);
    resolveClosed(why);
  };
  const stop = () => shutdown({});
  const kill = async () => {
    for (const anvil of anvils) anvil.kill();
    await shutdown({});
  };

  try {
    const { dead } = await startChains(options, anvils, () => stopping);
    let started = false;
    dead.catch((error: AnvilError) => {
      if (!started) return; // during startup the error is thrown to the caller instead
      options.log(error.message);
      void shutdown({ error });
    });
    const manifest = await Promise.race([deploy(options, anvils), dead]);
    started = true;
    const config = parseConfig(manifest);
    const manifestPath = join(options.dir, MANIFEST_FILE);
    if (options.writeManifest) writeManifest({ path: manifestPath, manifest });
    const running = anvils.map(({ chainId, port, rpcUrl, pid }) => ({ chainId, port, rpcUrl, pid }));
    return { manifest, config, manifestPath, lockPath: lock.path, anvils: running, stop, kill, closed };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Checks the ports, then starts every anvil (filling `anvils` as they come up).
 *
 * @returns `dead`: rejects with an {@link AnvilError} when an anvil exits while the devnet is not
 * stopping (wrapped in an object: an async function would otherwise wait for it)
 */
async function startChains(
  options: ResolvedDevnetOptions,
  anvils: StartAnvilReturnType[],
  isStopping: () => boolean,
): Promise<{ dead: Promise<never> }> {
  const count = options.chains.length;
  options.log(`starting ${count} chains (hub ${options.chains[0]?.chainId}, ${count - 1} vault chains)…`);
  for (const chain of options.chains) await assertPortFree({ port: chain.port, chainId: chain.chainId });
  const started = await Promise.allSettled(
    options.chains.map((chain) =>
      startAnvil({ chainId: chain.chainId, port: chain.port, blockTimeSeconds: options.blockTimeSeconds }),
    ),
  );
  for (const result of started) if (result.status === "fulfilled") anvils.push(result.value);
  const failure = started.find((result) => result.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  for (const anvil of anvils) options.log(`chain ${anvil.chainId} listening on ${anvil.rpcUrl}`);

  const dead = new Promise<never>((_, reject) => {
    for (const anvil of anvils) {
      void anvil.exited.then((exit) => {
        if (isStopping()) return;
        const message = `anvil for chain ${anvil.chainId} (port ${anvil.port}) exited unexpectedly (${describeExit(exit)}); stopping the devnet.`;
        reject(new AnvilError(anvil.chainId, message, exit.output));
      });
    }
  });
  return { dead };
}

async function deploy(
  options: ResolvedDevnetOptions,
  anvils: StartAnvilReturnType[],
): Promise<DevnetManifest> {
  const accounts = getDevnetAccounts();
  const roleOf = new Map(options.chains.map((chain) => [chain.chainId, chain.role]));
  const chains = anvils.map((anvil) => ({
    chainId: anvil.chainId,
    role: roleOf.get(anvil.chainId) ?? "vault",
    rpcUrl: anvil.rpcUrl,
  }));
  options.log(`deploying contracts on ${chains.length} chains…`);
  const { book, deploymentBlocks } = await deployDevnet({
    chains,
    accounts,
    pollingIntervalMs: options.blockTimeSeconds === 0 ? 20 : Math.min(250, options.blockTimeSeconds * 250),
    onChainDeployed: (chainId, elapsedMs, transactions) =>
      options.log(
        `deployed on ${chainId} in ${(elapsedMs / 1000).toFixed(1)}s (${transactions} transactions)`,
      ),
  });
  return buildManifest({
    chains: chains.map((chain) => ({ ...chain, deploymentBlock: deploymentBlocks.get(chain.chainId) ?? 0n })),
    book,
    accounts,
    finalityDepth: options.finalityDepth,
    blockTimeSeconds: options.blockTimeSeconds,
    pid: process.pid,
    startedAt: new Date(),
  });
}
