import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Address } from "viem";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { ConfigError } from "../../shared/errors/BaseError.js";

/** Ponder's shortest allowed polling interval (ms). */
const MIN_POLLING_MS = 100;
/** Poll at least once a second, however slow the chain's blocks are. */
const MAX_POLLING_MS = 1_000;
/** PGlite directory when neither `CROSSMARGIN_PGLITE_DIR` nor `DATABASE_URL` is set. */
export const DEFAULT_PGLITE_DIR = fileURLToPath(new URL("../.ponder/pglite", import.meta.url));

/** One Ponder chain. */
export type PonderChain = { id: number; rpc: string; pollingInterval: number; disableCache: boolean };
/** A contract on one chain, indexed from its deployment block. */
export type PonderContractChain = { address: Address | Address[]; startBlock: number };
/** A block source on one chain. */
export type PonderBlockChain = { startBlock: "latest"; interval: number };
/** Ponder's `database` option. */
export type PonderDatabase =
  | { kind: "pglite"; directory: string }
  | { kind: "postgres"; connectionString: string };

/** Everything `ponder.config.ts` needs, keyed by Ponder chain name (the config's chain `name`). */
export type PonderSources = {
  chains: Record<string, PonderChain>;
  /** `CollateralVault` on every chain (the hub chain included). */
  vaults: Record<string, PonderContractChain>;
  /** `MarginHub` on the hub chain. */
  hub: Record<string, PonderContractChain>;
  /** Every `PerpMarket` on the hub chain, one Ponder contract over their addresses (empty when the config has none). */
  perpMarkets: Record<string, PonderContractChain>;
  /** Price feeds (collateral feeds and perp feeds) on the hub chain. */
  feeds: Record<string, PonderContractChain>;
  /** One block source per chain, every block from the head at start-up (notices reorgs). */
  heads: Record<string, PonderBlockChain>;
  database: PonderDatabase;
};

/** Parameters of {@link buildPonderSources}. */
export type BuildPonderSourcesParameters = {
  /** The parsed config. */
  config: Config;
  /** Feeds of the perp markets (read from `PerpMarket.feed()`, see `readPerpFeeds`). */
  perpFeeds?: readonly Address[];
  /** Environment: `CROSSMARGIN_PGLITE_DIR` (default `process.env`); `DATABASE_URL` is already in `config.databaseUrl`. */
  env?: Readonly<Record<string, string | undefined>>;
};

/**
 * Maps the crossmargin config onto Ponder's chains, contracts, block sources and database: every
 * chain's vault and the hub-chain contracts indexed from the chain's `deploymentBlock`; Postgres
 * when the config (or `DATABASE_URL`) names one, else PGlite in `CROSSMARGIN_PGLITE_DIR`. For a
 * devnet manifest (it has a `devnet` key) Ponder's RPC cache is off: devnets reuse chain ids.
 *
 * @param parameters the config, the perp feeds and the environment
 * @returns the pieces of the Ponder config
 * @throws {ConfigError} when two chains share a name (Ponder keys chains by name)
 * @example
 * const sources = buildPonderSources({ config: loadConfig(), perpFeeds: [feed] });
 */
export function buildPonderSources(parameters: BuildPonderSourcesParameters): PonderSources {
  const { config } = parameters;
  const env = parameters.env ?? process.env;
  assertUniqueNames(config);
  const hub = hubChain(config);
  // A devnet manifest: every run reuses the same chain ids with a fresh history, and Ponder's RPC
  // cache (ponder_sync, shared by every app on a database) is keyed by chain id and block number.
  const disableCache = config.devnet !== undefined;
  const chains: Record<string, PonderChain> = {};
  const vaults: Record<string, PonderContractChain> = {};
  const heads: Record<string, PonderBlockChain> = {};
  for (const chain of vaultChains(config)) {
    const pollingInterval = Math.min(Math.max(chain.blockTimeMs, MIN_POLLING_MS), MAX_POLLING_MS);
    chains[chain.name] = { id: chain.chainId, rpc: chain.rpcUrl, pollingInterval, disableCache };
    vaults[chain.name] = { address: chain.contracts.vault, startBlock: chain.deploymentBlock };
    heads[chain.name] = { startBlock: "latest", interval: 1 };
  }
  const at = (address: Address | Address[]) => ({
    [hub.name]: { address, startBlock: hub.deploymentBlock },
  });
  const feeds = uniqueAddresses([
    ...Object.values(config.chains).flatMap((chain) => Object.values(chain.tokens).map((t) => t.risk.feed)),
    ...(parameters.perpFeeds ?? []),
  ]);
  return {
    chains,
    vaults,
    hub: at(hub.contracts.hub),
    perpMarkets: hub.contracts.perpMarkets.length === 0 ? {} : at([...hub.contracts.perpMarkets]),
    feeds: feeds.length === 0 ? {} : at(feeds),
    heads,
    database: databaseOf(config, env),
  };
}

function databaseOf(config: Config, env: Readonly<Record<string, string | undefined>>): PonderDatabase {
  if (config.databaseUrl !== undefined) return { kind: "postgres", connectionString: config.databaseUrl };
  const directory = env.CROSSMARGIN_PGLITE_DIR;
  return {
    kind: "pglite",
    directory: directory !== undefined && directory !== "" ? resolve(directory) : DEFAULT_PGLITE_DIR,
  };
}

function uniqueAddresses(addresses: readonly Address[]): Address[] {
  const seen = new Map<string, Address>();
  for (const address of addresses) seen.set(address.toLowerCase(), address);
  return [...seen.values()];
}

function assertUniqueNames(config: Config): void {
  const seen = new Map<string, number>();
  for (const chain of Object.values(config.chains)) {
    const other = seen.get(chain.name);
    if (other !== undefined) {
      throw new ConfigError("Chain names must be unique: the indexer names Ponder chains after them.", [
        { path: `chains.${chain.chainId}.name`, message: `expected a name not used by chain ${other}` },
      ]);
    }
    seen.set(chain.name, chain.chainId);
  }
}
