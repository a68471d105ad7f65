import { createConfig } from "ponder";
import { buildPonderSources } from "./indexer/lib/buildPonderSources.js";
import { indexerConfig } from "./indexer/lib/indexerConfig.js";
import { readPerpFeeds } from "./indexer/lib/readPerpFeeds.js";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "./shared/abis/generated.js";

/**
 * The crossmargin indexer's Ponder config, built from the same zod-validated config as the
 * relayer (`loadConfig()`: `$CROSSMARGIN_CONFIG`, else `.devnet/manifest.json`; `DATABASE_URL`
 * selects Postgres, else PGlite in `$CROSSMARGIN_PGLITE_DIR`). Run it with
 * `ponder start --root indexer --config ../ponder.config.ts --schema <name>`; see indexer/README.md.
 */
const { config } = indexerConfig();
const sources = buildPonderSources({ config, perpFeeds: await readPerpFeeds(config) });

export default createConfig({
  database: sources.database,
  // Each chain is indexed on its own; handlers join across chains without assuming an order.
  ordering: "multichain",
  chains: sources.chains,
  contracts: {
    CollateralVault: { abi: collateralVaultAbi, chain: sources.vaults },
    MarginHub: { abi: marginHubAbi, chain: sources.hub },
    PerpMarket: { abi: perpMarketAbi, chain: sources.perpMarkets },
    // Only AnswerUpdated is used: the Chainlink-style event of the mock feeds.
    PriceFeed: { abi: mockPriceFeedAbi, chain: sources.feeds },
  },
  blocks: {
    ChainHead: { chain: sources.heads },
  },
});
