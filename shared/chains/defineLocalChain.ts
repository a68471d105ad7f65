import { type Chain, defineChain } from "viem";
import type { ChainConfig } from "../config/schema.js";

/** The config fields {@link defineLocalChain} reads. */
export type DefineLocalChainParameters = Pick<ChainConfig, "chainId" | "name" | "rpcUrl" | "blockTimeMs">;

/**
 * A viem chain for a local (anvil) chain described by a config entry: ETH as native currency,
 * the entry's RPC URL as the default http or webSocket endpoint, its block time, and marked as a
 * testnet.
 *
 * @param chain a chain entry of the config
 * @returns a viem `Chain`
 * @example
 * const client = createPublicClient({ chain: defineLocalChain(hubChain(config)), transport: http() });
 */
export function defineLocalChain(chain: DefineLocalChainParameters): Chain {
  const isWebSocket = chain.rpcUrl.startsWith("ws://") || chain.rpcUrl.startsWith("wss://");
  return defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: {
      default: isWebSocket ? { http: [], webSocket: [chain.rpcUrl] } : { http: [chain.rpcUrl] },
    },
    blockTime: chain.blockTimeMs,
    testnet: true,
  });
}
