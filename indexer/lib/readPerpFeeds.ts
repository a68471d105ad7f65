import { type Address, createPublicClient, http } from "viem";
import { perpMarketAbi } from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";

/**
 * The price feeds of the config's perp markets, read once from `PerpMarket.feed()` over the hub
 * chain's RPC. The config names only collateral feeds; the perp feed must be watched too so a
 * price move re-prices positions. Called when `ponder.config.ts` loads.
 *
 * @param config the parsed config
 * @returns the feeds (empty when the hub chain has no perp market)
 * @throws {ConfigError} when the hub chain cannot be reached or the market does not answer
 */
export async function readPerpFeeds(config: Config): Promise<Address[]> {
  const hub = hubChain(config);
  const market = hub.contracts.perpMarket;
  if (market === undefined) return [];
  const client = createPublicClient({ transport: http(hub.rpcUrl, { retryCount: 3 }) });
  try {
    return [await client.readContract({ address: market, abi: perpMarketAbi, functionName: "feed" })];
  } catch (error) {
    throw new ConfigError(
      `Cannot read the perp market's price feed from ${hub.rpcUrl} (chain ${hub.chainId}).`,
      [
        {
          path: `chains.${hub.chainId}.contracts.perpMarket`,
          message: "expected a PerpMarket answering feed()",
        },
      ],
      { cause: error, metaMessages: ["Is the hub chain's RPC up (for the devnet: `npm run dev`)?"] },
    );
  }
}
