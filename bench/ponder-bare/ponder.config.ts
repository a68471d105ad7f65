import { createConfig } from "ponder";
import { buildPonderSources } from "../../indexer/lib/buildPonderSources.js";
import { indexerConfig } from "../../indexer/lib/indexerConfig.js";
import { readPerpFeeds } from "../../indexer/lib/readPerpFeeds.js";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";

/*
 * The bare baseline of the indexer benchmark (`bench/indexer`): the real indexer's contracts,
 * chains, start blocks and database (`ponder.config.ts` at the repository root), with handlers
 * that only insert the raw log. The real indexer's ChainHead block source starts at the head, so a
 * backfill never runs it; it is left out.
 */
const { config } = indexerConfig();
const sources = buildPonderSources({ config, perpFeeds: await readPerpFeeds(config) });

export default createConfig({
  database: sources.database,
  ordering: "multichain",
  chains: sources.chains,
  contracts: {
    CollateralVault: { abi: collateralVaultAbi, chain: sources.vaults },
    MarginHub: { abi: marginHubAbi, chain: sources.hub },
    PerpMarket: { abi: perpMarketAbi, chain: sources.perpMarkets },
    PriceFeed: { abi: mockPriceFeedAbi, chain: sources.feeds },
  },
});
