import type { Address } from "viem";
import { ConfigError } from "../errors/BaseError.js";
import type { ChainConfig, Config } from "./schema.js";

/** The hub chain's entry, with its MarginHub address known to be present. */
export type HubChainConfig = ChainConfig & { contracts: ChainConfig["contracts"] & { hub: Address } };

/**
 * The one chain with role `"hub"` (the schema guarantees exactly one, with a MarginHub address).
 *
 * @param config a parsed config
 * @returns the hub chain's entry
 * @throws {ConfigError} when the config was not built by `parseConfig` and has no hub
 * @example
 * const hub = hubChain(config);
 * console.log(hub.chainId, hub.contracts.hub);
 */
export function hubChain(config: Config): HubChainConfig {
  for (const chain of Object.values(config.chains)) {
    const hub = chain.contracts.hub;
    if (chain.role === "hub" && hub !== undefined)
      return { ...chain, contracts: { ...chain.contracts, hub } };
  }
  // parseConfig rejects a config without a hub; reaching here means the object was built by hand.
  throw new ConfigError("Config has no hub chain.", [
    { path: "chains", message: 'expected one chain with role "hub" and a contracts.hub address' },
  ]);
}
