import { type Address, createPublicClient, http } from "viem";
import { perpMarketAbi } from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";

/**
 * The price feeds of the config's perp markets, read once from `PerpMarket.feed()` over the hub
 * chain's RPC. The config names only collateral feeds; the perp feeds must be watched too so a
 * price move re-prices positions. Called when `ponder.config.ts` loads.
 *
 * @param config the parsed config
 * @returns one feed per market, in `perpMarkets` order (empty when the hub chain has none)
 * @throws {ConfigError} when the hub chain cannot be reached or a market does not answer
 */
export async function readPerpFeeds(config: Config): Promise<Address[]> {
  const hub = hubChain(config);
  const markets = hub.contracts.perpMarkets;
  if (markets.length === 0) return [];
  const client = createPublicClient({ transport: http(hub.rpcUrl, { retryCount: 3 }) });
  return Promise.all(
    markets.map(async (market, index) => {
      try {
        return await client.readContract({ address: market, abi: perpMarketAbi, functionName: "feed" });
      } catch (error) {
        throw new ConfigError(
          `Cannot read the perp market's price feed from ${hub.rpcUrl} (chain ${hub.chainId}).`,
          [
            {
              path: `chains.${hub.chainId}.contracts.perpMarkets.${index}`,
              message: `expected a PerpMarket answering feed() at ${market}`,
            },
          ],
          { cause: error, metaMessages: ["Is the hub chain's RPC up (for the devnet: `npm run dev`)?"] },
        );
      }
    }),
  );
}
