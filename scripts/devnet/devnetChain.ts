import type { Chain } from "viem";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";

/**
 * The viem chain of a devnet anvil, for use before the manifest exists (afterwards, use
 * `defineLocalChain` on the config's chain entry).
 *
 * @param chainId the chain id
 * @param rpcUrl the anvil's HTTP URL
 * @returns a viem chain (clients set their own `pollingInterval`)
 * @example
 * const client = createPublicClient({ chain: devnetChain(31337, "http://127.0.0.1:8545"), transport: http() });
 */
export function devnetChain(chainId: number, rpcUrl: string): Chain {
  return defineLocalChain({ chainId, name: `devnet-${chainId}`, rpcUrl, blockTimeMs: 1_000 });
}
