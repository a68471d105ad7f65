import { createConfig } from "ponder";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { loadConfig } from "../../shared/config/loadConfig.js";
import { vaultChains } from "../../shared/config/vaultChains.js";

/*
 * The bare baseline of the indexer benchmark (`bench/indexer`): the same CollateralVault on the
 * same chains from the same blocks as the real indexer (`ponder.config.ts` at the repository
 * root), read from the same config (`$CROSSMARGIN_CONFIG`; `DATABASE_URL` = Postgres, else PGlite
 * in `$CROSSMARGIN_PGLITE_DIR`), with handlers that only insert the raw event.
 */
const config = loadConfig();
const chains = vaultChains(config);
const pgliteDir = process.env.CROSSMARGIN_PGLITE_DIR;

export default createConfig({
  database:
    config.databaseUrl !== undefined
      ? { kind: "postgres", connectionString: config.databaseUrl }
      : {
          kind: "pglite",
          directory: pgliteDir !== undefined && pgliteDir !== "" ? pgliteDir : ".ponder/pglite",
        },
  ordering: "multichain",
  chains: Object.fromEntries(
    chains.map((chain) => [
      chain.name,
      {
        id: chain.chainId,
        rpc: chain.rpcUrl,
        pollingInterval: Math.min(Math.max(chain.blockTimeMs, 100), 1_000),
      },
    ]),
  ),
  contracts: {
    CollateralVault: {
      abi: collateralVaultAbi,
      chain: Object.fromEntries(
        chains.map((chain) => [
          chain.name,
          { address: chain.contracts.vault, startBlock: chain.deploymentBlock },
        ]),
      ),
    },
  },
});
