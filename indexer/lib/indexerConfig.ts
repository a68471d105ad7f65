import { type Address, type Hex, InvalidAddressError } from "viem";
import { type Collateral, collateralsOf } from "../../shared/config/collateralsOf.js";
import { type HubChainConfig, hubChain } from "../../shared/config/hubChain.js";
import { loadConfig } from "../../shared/config/loadConfig.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";

/** The crossmargin config as the indexer's handlers and API see it, with lookups precomputed. */
export type IndexerConfig = {
  /** The parsed config (`loadConfig()`: `CROSSMARGIN_CONFIG`, else `.devnet/manifest.json`). */
  config: Config;
  /** The hub chain's entry. */
  hub: HubChainConfig;
  /** Every chain, keyed by chain id. */
  chains: ReadonlyMap<number, ChainConfig>;
  /** Every configured collateral, keyed by `collateralKey(chainId, token)`. */
  collaterals: ReadonlyMap<string, Collateral>;
};

let cached: IndexerConfig | undefined;

/**
 * The config the indexer runs with, loaded once per process with `loadConfig()` (the same call
 * the root `ponder.config.ts` makes, so handlers and API see the chains Ponder indexes).
 *
 * @returns the config and its lookups
 * @throws {ConfigError} when no valid config is found
 */
export function indexerConfig(): IndexerConfig {
  cached ??= toIndexerConfig(loadConfig());
  return cached;
}

/**
 * Builds the lookups of {@link IndexerConfig} from a parsed config (pure; tests call it directly).
 *
 * @param config a parsed config
 * @returns the config and its lookups
 */
export function toIndexerConfig(config: Config): IndexerConfig {
  const chains = new Map(Object.values(config.chains).map((chain) => [chain.chainId, chain]));
  const collaterals = new Map(collateralsOf(config).map((c) => [collateralKey(c.chainId, c.token), c]));
  return { config, hub: hubChain(config), chains, collaterals };
}

/**
 * The lookup key of a collateral: `"<chainId>:<lowercase token>"`.
 *
 * @param chainId the token's chain
 * @param token the token's address (any case)
 * @returns the key
 */
export function collateralKey(chainId: number | bigint, token: string): string {
  return `${chainId}:${token.toLowerCase()}`;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * An address in the form the indexer stores it: lowercase hex (Ponder's `hex` columns
 * lowercase on write; keys built in code must match). Only the shape is checked (no EIP-55
 * checksum: addresses come from decoded logs and calls, and hashing each one cost ~9% of the
 * backfill).
 *
 * @param address any-case address
 * @returns the lowercase address
 * @throws {InvalidAddressError} when it is not 0x + 40 hex digits
 */
export function lower(address: string): Address {
  if (!ADDRESS.test(address)) throw new InvalidAddressError({ address });
  return address.toLowerCase() as Address; // checked to be 0x + 40 hex digits just above
}

/**
 * Hex (a guid, a hash, an address) in the form the indexer stores it: lowercase.
 *
 * @param value any-case hex
 * @returns the lowercase hex, of the same type
 */
export function lowerHex<T extends Hex>(value: T): T {
  return value.toLowerCase() as T; // lowercasing hex keeps it hex (and an address an address)
}
