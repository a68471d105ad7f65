import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import type { DevnetAccounts } from "../../scripts/devnet/accounts.js";
import { type StartDevnetReturnType, startDevnet } from "../../scripts/devnet/startDevnet.js";
import {
  dropPostgresSchema,
  type StartIndexerReturnType,
  startIndexer,
} from "../../scripts/devnet/startIndexer.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { type ChainClients, chainClients } from "./chainClients.js";

/** Parameters of {@link startIndexedDevnet}. */
export type StartIndexedDevnetParameters = {
  /** The devnet's hub port; vault chains take the next ones (unique per test file). */
  basePort: number;
  /** Postgres URL, or undefined for PGlite in a temp directory. */
  postgresUrl?: string;
  /** Database schema of this run (≤ 45 characters). */
  schema: string;
  /** Postgres only: the indexer publishes views of its tables here (`--views-schema`) for `ponder serve` replicas. */
  viewsSchema?: string;
  /**
   * Every chain's `finalityDepth` in the manifest (the devnet's default when absent). Keep it ≤ 30:
   * Ponder treats blocks 30 below the head as final on chain ids it does not know.
   */
  finalityDepth?: number;
};

/** A devnet (hub + two vault chains, automine) with the indexer running on it. */
export type IndexedDevnet = {
  devnet: StartDevnetReturnType;
  indexer: StartIndexerReturnType;
  accounts: DevnetAccounts;
  hub: ChainClients;
  /** The two vault-only chains, ascending by chain id. */
  vaults: [ChainClients, ChainClients];
  /** Keys of a quorum of attesters. */
  attesterKeys: Hex[];
  /** Stops the indexer and the devnet, drops the Postgres schemas / removes the temp directory. */
  stop: () => Promise<void>;
};

/**
 * Starts a devnet in a temp directory and the indexer on it (PGlite in that directory, or
 * Postgres with its own schema), for the indexer's end-to-end tests.
 *
 * @param parameters ports, database, schema
 * @returns the devnet, the indexer, clients per chain and the demo accounts
 */
export async function startIndexedDevnet(parameters: StartIndexedDevnetParameters): Promise<IndexedDevnet> {
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-indexer-"));
  const devnet = await startDevnet({
    basePort: parameters.basePort,
    blockTimeSeconds: 0,
    dir,
    ...(parameters.finalityDepth === undefined ? {} : { finalityDepth: parameters.finalityDepth }),
  });
  let indexer: StartIndexerReturnType;
  try {
    indexer = await startIndexer({
      configPath: devnet.manifestPath,
      database:
        parameters.postgresUrl === undefined
          ? { kind: "pglite", directory: join(dir, "pglite") }
          : { kind: "postgres", url: parameters.postgresUrl },
      schema: parameters.schema,
      ...(parameters.viewsSchema === undefined ? {} : { viewsSchema: parameters.viewsSchema }),
    });
  } catch (error) {
    await devnet.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const vaults = vaultChains(devnet.config, { includeHub: false }).map(chainClients);
  const [first, second] = vaults;
  if (first === undefined || second === undefined) throw new Error("expected two vault chains");
  const accounts = devnet.manifest.accounts;
  return {
    devnet,
    indexer,
    accounts,
    hub: chainClients(hubChain(devnet.config)),
    vaults: [first, second],
    attesterKeys: accounts.attesters.slice(0, devnet.config.attesters.threshold).map((a) => a.privateKey),
    stop: async () => {
      await indexer.stop();
      await devnet.stop();
      if (parameters.postgresUrl !== undefined) {
        if (parameters.viewsSchema !== undefined)
          await dropPostgresSchema(parameters.postgresUrl, parameters.viewsSchema);
        await dropPostgresSchema(parameters.postgresUrl, parameters.schema);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
