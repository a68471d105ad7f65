import type { ChainConfig } from "../../shared/config/schema.js";

/**
 * A chain's collateral token by symbol.
 *
 * @param chain the chain's config entry
 * @param symbol the token's symbol in the config
 * @returns the token's config entry
 * @throws when the chain has no such token
 */
export function tokenOf(chain: ChainConfig, symbol: string): ChainConfig["tokens"][string] {
  const token = chain.tokens[symbol];
  if (token === undefined) throw new Error(`chain ${chain.chainId} has no ${symbol}`);
  return token;
}
