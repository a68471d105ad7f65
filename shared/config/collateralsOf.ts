import type { Address } from "viem";
import type { Config, RiskConfig, TokenConfig } from "./schema.js";

/** One collateral of the system: a token on one chain with its risk parameters. */
export type Collateral = {
  /** Chain the token lives on (its vault's chain). */
  chainId: number;
  /** The token's symbol (its key in the config). */
  symbol: string;
  /** The token's address on its chain. */
  token: Address;
  /** The token's decimals. */
  decimals: number;
  /** What sort of collateral it is. */
  kind: TokenConfig["kind"];
  /** Total deposit cap at the vault, in token units. */
  depositCap: bigint;
  /** The hub's risk parameters for it. */
  risk: RiskConfig;
};

/**
 * Every collateral as a flat list, by ascending chain id, then in the order the tokens appear in
 * the config (the order the devnet registers them on the hub).
 *
 * @param config a parsed config
 * @returns one entry per (chain, token)
 */
export function collateralsOf(config: Config): Collateral[] {
  const chains = Object.values(config.chains).sort((a, b) => a.chainId - b.chainId);
  return chains.flatMap((chain) =>
    Object.entries(chain.tokens).map(([symbol, token]) => ({
      chainId: chain.chainId,
      symbol,
      token: token.address,
      decimals: token.decimals,
      kind: token.kind,
      depositCap: token.depositCap,
      risk: token.risk,
    })),
  );
}
