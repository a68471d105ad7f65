/**
 * `npm run dev`: starts the local devnet (anvil chains, contracts, demo balances), then the
 * services listed in {@link SERVICES}, prints a summary and runs until Ctrl-C / SIGTERM, which
 * stops everything in reverse order. `npm run dev -- --help` lists the options.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatUnits } from "viem";
import { BaseError } from "../shared/errors/BaseError.js";
import { createShutdown } from "./devnet/createShutdown.js";
import { DEMO_TOKENS } from "./devnet/demoAssets.js";
import { indexerService } from "./devnet/indexerService.js";
import { DEV_USAGE, parseDevArgs } from "./devnet/parseDevArgs.js";
import { relayerService } from "./devnet/relayerService.js";
import type { DevService, RunningDevService } from "./devnet/services.js";
import { type StartDevnetReturnType, startDevnet } from "./devnet/startDevnet.js";

/**
 * Services started, in order, once the chains are deployed; stopped in reverse on Ctrl-C.
 * The relayer reads the indexer, so it comes second (and stops first).
 */
const SERVICES: DevService[] = [indexerService, relayerService];

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const log = (message: string) => console.log(`[dev] ${message}`);

function fail(error: unknown): never {
  console.error(
    `\n${error instanceof BaseError ? error.message : error instanceof Error ? error.stack : error}`,
  );
  process.exit(1);
}

let args: ReturnType<typeof parseDevArgs>;
try {
  args = parseDevArgs(process.argv.slice(2));
} catch (error) {
  fail(error);
}
if (args.help) {
  console.log(DEV_USAGE);
  process.exit(0);
}

const running: RunningDevService[] = [];
let devnet: StartDevnetReturnType | undefined;

const { shutdown, onSignal, stopping } = createShutdown({
  async stop() {
    for (const service of [...running].reverse()) {
      await service.stop().catch((error: unknown) => log(`stopping a service failed: ${String(error)}`));
    }
    await devnet?.stop();
  },
  // Children still starting (not yet in `running`) die with this process (spawnGroup).
  async kill() {
    await Promise.all([...running.map((service) => service.kill()), devnet?.kill()]);
  },
  exit: (code) => process.exit(code),
  log,
});

process.on("SIGINT", () => onSignal("Ctrl-C"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

const started = performance.now();
try {
  devnet = await startDevnet({
    vaultChains: args.vaultChains,
    blockTimeSeconds: args.blockTimeSeconds,
    basePort: args.basePort,
    finalityDepth: args.finalityDepth,
    // Tests run a whole `npm run dev` in a directory of their own.
    dir: process.env.CROSSMARGIN_DEVNET_DIR || join(ROOT, ".devnet"),
    log,
  });
} catch (error) {
  fail(error);
}

void devnet.closed.then((closed) => {
  if (closed.error !== undefined) void shutdown(1, "a chain died");
});

for (const service of SERVICES) {
  if (stopping()) break; // Ctrl-C while starting
  log(`starting ${service.name}…`);
  try {
    const handle = await service.start(devnet, (message) => log(`${service.name}: ${message}`));
    running.push(handle);
    void handle.closed?.then((error) => {
      if (stopping()) return; // we stopped it
      log(`${service.name} stopped unexpectedly: ${error.message}`);
      void shutdown(1, `${service.name} died`);
    });
  } catch (error) {
    if (stopping()) break; // it failed because the chains are stopping
    console.error(error instanceof BaseError ? error.message : error);
    await shutdown(1, `${service.name} failed to start`);
  }
}

if (!stopping()) printSummary(devnet, running, performance.now() - started);

function printSummary(devnet: StartDevnetReturnType, services: RunningDevService[], elapsedMs: number): void {
  const { manifest } = devnet;
  const lines = [
    "",
    `devnet ready in ${(elapsedMs / 1000).toFixed(1)}s (pid ${process.pid})`,
    "",
    "chains:",
    ...Object.values(manifest.chains).map(
      (chain) => `  ${String(chain.chainId).padEnd(8)} ${chain.role.padEnd(6)} ${chain.rpcUrl}`,
    ),
  ];
  const hub = Object.values(manifest.chains).find((chain) => chain.role === "hub");
  if (hub !== undefined) {
    lines.push(
      "",
      `hub ${hub.contracts.hub} · perp markets ${(hub.contracts.perpMarkets ?? []).join(", ")} (chain ${hub.chainId})`,
    );
  }
  const holdings = DEMO_TOKENS.map(
    (token) =>
      `${Number(formatUnits(token.mintPerTrader, token.decimals)).toLocaleString("en-US")} ${token.symbol}`,
  ).join(", ");
  lines.push(
    "",
    `demo traders (each holds ${holdings} on every chain):`,
    ...manifest.accounts.traders.map((trader) => `  ${trader.address}`),
    `relayer ${manifest.accounts.relayer.address} · liquidator ${manifest.accounts.liquidator.address}`,
    "",
    `manifest: ${devnet.manifestPath} (private keys of every demo account are in it)`,
    ...services.flatMap((service) => service.summary ?? []),
    "",
    "Press Ctrl-C to stop.",
  );
  console.log(lines.join("\n"));
}
