import { DemoStepFailedError } from "./errors.js";
import type { DemoChain, DemoContext } from "./types.js";

/**
 * The clients of a chain the demo knows (the hub chain or one of the two vault chains).
 *
 * @param context the demo context
 * @param chainId the chain
 * @returns its clients, or undefined
 */
export function demoChainById(context: DemoContext, chainId: number): DemoChain | undefined {
  return [context.hub, ...context.vaults].find((chain) => chain.config.chainId === chainId);
}

/**
 * The symbol of a token on a chain, from the config.
 *
 * @param chain the chain's clients
 * @param token the token's address
 * @returns its symbol and decimals (the address and 18 when the config does not list it)
 */
export function tokenInfo(chain: DemoChain, token: string): { symbol: string; decimals: number } {
  const entry = Object.entries(chain.config.tokens).find(
    ([, t]) => t.address.toLowerCase() === token.toLowerCase(),
  );
  return entry === undefined
    ? { symbol: token, decimals: 18 }
    : { symbol: entry[0], decimals: entry[1].decimals };
}

/**
 * A token the demo needs on a chain, by symbol, from the config.
 *
 * @param step the demo step (named in the error)
 * @param chain the chain's clients
 * @param symbol the token's symbol
 * @returns its config entry
 * @throws {DemoStepFailedError} when the chain's config does not list it
 */
export function demoToken(
  step: string,
  chain: DemoChain,
  symbol: string,
): DemoChain["config"]["tokens"][string] {
  const token = chain.config.tokens[symbol];
  if (token === undefined)
    throw new DemoStepFailedError(step, `chain ${chain.config.chainId} lists no ${symbol}`);
  return token;
}
