import type { ChainConfig, Config } from "./schema.js";

/** Options of {@link vaultChains}. */
export type VaultChainsParameters = {
  /** Include the hub chain, which holds a CollateralVault too (default `true`). */
  includeHub?: boolean;
};

/**
 * Chains holding a CollateralVault, ascending by chain id. Every chain has one, the hub chain
 * included; pass `{ includeHub: false }` for the chains with role `"vault"` only.
 *
 * @param config a parsed config
 * @param parameters whether to include the hub chain
 * @returns chain entries sorted by chain id
 */
export function vaultChains(config: Config, parameters: VaultChainsParameters = {}): ChainConfig[] {
  const includeHub = parameters.includeHub ?? true;
  return Object.values(config.chains)
    .filter((chain) => includeHub || chain.role === "vault")
    .sort((a, b) => a.chainId - b.chainId);
}
