import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../../shared/config/loadConfig.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { DEMO_PERPS } from "../devnet/demoAssets.js";
import { DevnetNotRunningError } from "./errors.js";
import type { DemoChain, DemoContext } from "./types.js";

/** Parameters of {@link loadDemoContext}. */
export type LoadDemoContextParameters = {
  /** The devnet manifest (default: `$CROSSMARGIN_CONFIG`, else `.devnet/manifest.json`). */
  configPath?: string | undefined;
  log: (line: string) => void;
  /** Base URL of the relayer's HTTP server to check (default: `http://127.0.0.1:<relayer.port>`; none when the port is 0). */
  relayerUrl?: string | undefined;
  stepTimeoutMs: number;
};

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const accountSchema = z.object({
  address: z.string().regex(ADDRESS, { error: "expected an address" }),
  privateKey: z.string().regex(HEX_KEY, { error: "expected a 32-byte hex private key" }),
});
/** The manifest's demo-only keys: accounts with keys, and the perp feed. */
const devnetPartSchema = z.object({
  accounts: z.object(
    {
      deployer: accountSchema,
      liquidator: accountSchema,
      traders: z.array(accountSchema).min(2, { error: "expected at least two demo traders" }),
    },
    { error: "expected the devnet's demo accounts (written by `npm run dev`)" },
  ),
  devnet: z.object(
    {
      perpFeed: z.string().regex(ADDRESS, { error: "expected an address" }),
      perpFeeds: z.record(z.string(), z.string().regex(ADDRESS, { error: "expected an address" }), {
        error: "expected every perp market's feed by symbol",
      }),
    },
    { error: "expected the devnet metadata (written by `npm run dev`)" },
  ),
});

/**
 * Reads the devnet manifest and checks that the devnet is up: every chain answers with its chain
 * id, the indexer's `/ready` answers 200 and the relayer's `/healthz` answers; then builds the
 * clients and picks the demo accounts.
 *
 * @param parameters manifest path, log, relayer URL, step timeout
 * @returns the demo context
 * @throws {DevnetNotRunningError} when the manifest is missing or a part of the devnet does not answer
 * @throws {ConfigError} when the manifest is not a devnet manifest
 */
export async function loadDemoContext(parameters: LoadDemoContextParameters): Promise<DemoContext> {
  const fromEnv = process.env.CROSSMARGIN_CONFIG;
  const configPath =
    parameters.configPath ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_CONFIG_PATH);
  const config = readConfig(parameters.configPath, configPath);
  const parsed = devnetPartSchema.safeParse({ accounts: config.accounts, devnet: config.devnet });
  if (!parsed.success) {
    throw new ConfigError(
      `${configPath} is not a devnet manifest: the demo needs its demo accounts and feeds.`,
      parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
    );
  }
  const { accounts, devnet } = parsed.data;
  const hub = hubChain(config);
  const vaults = vaultChains(config, { includeHub: false });
  const [first, second] = vaults;
  const [perpMarket, btcMarket] = hub.contracts.perpMarkets;
  if (first === undefined || second === undefined || perpMarket === undefined || btcMarket === undefined) {
    throw new ConfigError(`${configPath} does not describe the demo devnet.`, [
      { path: "chains", message: "expected a hub chain with two perpMarkets and at least two vault chains" },
    ]);
  }
  // The devnet deploys DEMO_PERPS in order: perpMarkets[i] is DEMO_PERPS[i].
  const markets = DEMO_PERPS.map((perp, index) => ({
    symbol: perp.symbol,
    address: hub.contracts.perpMarkets[index] ?? perpMarket,
    feed: (devnet.perpFeeds[perp.symbol] ?? devnet.perpFeed) as `0x${string}`, // checked by the regex above
  }));
  const pollingMs = Math.max(50, Math.min(250, Math.floor(hub.blockTimeMs / 4)));
  const hubClients = demoChain(hub, pollingMs);
  const vaultClients: [DemoChain, DemoChain] = [demoChain(first, pollingMs), demoChain(second, pollingMs)];
  await Promise.all([hubClients, ...vaultClients].map(assertChainUp));
  const apiUrl = await assertIndexerUp(config);
  await assertRelayerUp(parameters.relayerUrl ?? defaultRelayerUrl(config));
  // Validated by the regexes above.
  const key = (a: { address: string; privateKey: string }) => ({
    address: privateKeyToAccount(a.privateKey as `0x${string}`).address,
    privateKey: a.privateKey as `0x${string}`,
  });
  return {
    config,
    configPath,
    hub: { ...hubClients, hub: hub.contracts.hub, perpMarket },
    vaults: vaultClients,
    traders: accounts.traders.map(key),
    liquidator: key(accounts.liquidator),
    deployer: key(accounts.deployer),
    perpFeed: devnet.perpFeed as `0x${string}`, // checked by the regex above
    markets,
    apiUrl,
    log: parameters.log,
    stepTimeoutMs: parameters.stepTimeoutMs,
    pollingMs,
  };
}

function readConfig(path: string | undefined, shown: string): Config {
  try {
    return loadConfig({ path });
  } catch (error) {
    if (error instanceof ConfigError && error.shortMessage.startsWith("No crossmargin config")) {
      throw new DevnetNotRunningError(`The devnet is not running: there is no manifest at ${shown}.`);
    }
    throw error;
  }
}

function demoChain(chain: ChainConfig, pollingMs: number): DemoChain {
  const viemChain = defineLocalChain(chain);
  const transport = http(chain.rpcUrl, { retryCount: 2, timeout: 10_000 });
  return {
    config: chain,
    publicClient: createPublicClient({
      chain: viemChain,
      transport,
      pollingInterval: pollingMs,
      cacheTime: 0,
    }),
    walletFor: (key) =>
      createWalletClient({
        chain: viemChain,
        transport,
        account: privateKeyToAccount(key),
        pollingInterval: pollingMs,
      }),
  };
}

async function assertChainUp(chain: DemoChain): Promise<void> {
  let chainId: number;
  try {
    chainId = await chain.publicClient.getChainId();
  } catch {
    // The cause (viem's "HTTP request failed … fetch failed") says nothing more than this.
    throw new DevnetNotRunningError(
      `Chain ${chain.config.chainId} does not answer at ${chain.config.rpcUrl}: the devnet is not running (the manifest is from an earlier run).`,
    );
  }
  if (chainId !== chain.config.chainId) {
    throw new DevnetNotRunningError(
      `${chain.config.rpcUrl} answers as chain ${chainId}, not ${chain.config.chainId}: the manifest is stale.`,
    );
  }
  const code = await chain.publicClient.getCode({ address: chain.config.contracts.vault });
  if (code === undefined || code === "0x") {
    throw new DevnetNotRunningError(
      `No CollateralVault at ${chain.config.contracts.vault} on chain ${chain.config.chainId}: the manifest belongs to another devnet.`,
    );
  }
}

async function assertIndexerUp(config: Config): Promise<string> {
  const apiUrl = config.apiUrl?.replace(/\/$/, "");
  if (apiUrl === undefined) {
    throw new DevnetNotRunningError("The manifest has no apiUrl: the indexer has not started (yet).");
  }
  const ok = await fetch(`${apiUrl}/ready`, { signal: AbortSignal.timeout(5_000) })
    .then((response) => response.ok)
    .catch(() => false);
  if (!ok) throw new DevnetNotRunningError(`The indexer is not ready at ${apiUrl}/ready.`);
  return apiUrl;
}

function defaultRelayerUrl(config: Config): string | undefined {
  return config.relayer.port === 0 ? undefined : `http://127.0.0.1:${config.relayer.port}`;
}

async function assertRelayerUp(url: string | undefined): Promise<void> {
  if (url === undefined) return;
  const answered = await fetch(`${url.replace(/\/$/, "")}/healthz`, { signal: AbortSignal.timeout(5_000) })
    .then(() => true)
    .catch(() => false);
  if (!answered) {
    throw new DevnetNotRunningError(
      `The relayer does not answer at ${url}/healthz: nothing would cross chains.`,
    );
  }
}
