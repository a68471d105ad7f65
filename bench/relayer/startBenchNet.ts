import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  maxUint256,
  type PublicClient,
  parseUnits,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetManifest } from "../../scripts/devnet/buildManifest.js";
import { startDevnet } from "../../scripts/devnet/startDevnet.js";
import {
  dropPostgresSchema,
  type StartIndexerReturnType,
  startIndexer,
} from "../../scripts/devnet/startIndexer.js";
import { writeManifest } from "../../scripts/devnet/writeManifest.js";
import { mockErc20Abi } from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import { hubChain } from "../../shared/config/hubChain.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";

/**
 * Anvil's default account 9 (a public test key no devnet role uses): mints the mock tokens to
 * itself and deposits for the benchmark's accounts with `depositFor`.
 */
export const FUNDER_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

/** The Postgres of the benchmarks' indexers: `BENCH_DATABASE_URL`, else `DATABASE_URL`, else the local `test` database. */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

/** The tokens the benchmark deposits (plain open-mint mocks on every devnet chain). */
export const BENCH_TOKENS = ["USDC", "wstETH"] as const;

/** Clients of one chain, the wallet signing as the funder. */
export type BenchChain = {
  config: ChainConfig;
  client: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, Account>;
};

/** Parameters of {@link startBenchNet}. */
export type StartBenchNetParameters = {
  basePort: number;
  blockTimeSeconds: number;
  finalityDepth: number;
  /** The indexer's database: embedded PGlite (as `npm run dev`) or Postgres at this URL. */
  database: { kind: "pglite" } | { kind: "postgres"; url: string };
  progress: (line: string) => void;
};

/** A devnet with interval mining, its indexer, and a funded depositor. */
export type BenchNet = {
  config: Config;
  /** The manifest with the indexer's `apiUrl`. */
  manifest: DevnetManifest;
  hub: BenchChain;
  vaults: [BenchChain, BenchChain];
  /** Every chain's public client, by chain id. */
  clients: Map<number, PublicClient>;
  indexer: StartIndexerReturnType;
  funder: Address;
  stop: () => Promise<void>;
};

/**
 * Starts a devnet with interval mining (as `npm run dev` does, with the given block time and
 * finality depth), the indexer (PGlite in a temp directory, or its own schema on Postgres), and
 * funds the depositor: on each
 * vault chain it mints USDC and wstETH to itself and approves the vault.
 *
 * @param parameters ports, block time, finality depth, progress
 * @returns the running network
 */
export async function startBenchNet(parameters: StartBenchNetParameters): Promise<BenchNet> {
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-bench-relayer-"));
  const devnet = await startDevnet({
    basePort: parameters.basePort,
    blockTimeSeconds: parameters.blockTimeSeconds,
    finalityDepth: parameters.finalityDepth,
    dir,
    log: parameters.progress,
  });
  let indexer: StartIndexerReturnType | undefined;
  const { database } = parameters;
  const schema = `bench_relayer_${process.pid}`;
  const stop = async () => {
    await indexer?.stop();
    await devnet.stop();
    if (database.kind === "postgres") await dropPostgresSchema(database.url, schema).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    indexer = await startIndexer({
      configPath: devnet.manifestPath,
      database:
        database.kind === "pglite"
          ? { kind: "pglite", directory: join(dir, "pglite") }
          : { kind: "postgres", url: database.url },
      schema,
    });
    const manifest = { ...devnet.manifest, apiUrl: indexer.url };
    writeManifest({ path: devnet.manifestPath, manifest });
    const config = parseConfig(manifest);
    const hub = benchChain(hubChain(config));
    const [first, second] = vaultChains(config, { includeHub: false }).map(benchChain);
    if (first === undefined || second === undefined)
      throw new Error("the bench devnet needs two vault chains");
    await Promise.all([first, second].map(fund));
    const clients = new Map<number, PublicClient>(
      // Widened from PublicClient<Transport, Chain>: the watchers take any public client.
      [hub, first, second].map((chain) => [chain.config.chainId, chain.client as PublicClient]),
    );
    return {
      config,
      manifest,
      hub,
      vaults: [first, second],
      clients,
      indexer,
      funder: privateKeyToAccount(FUNDER_KEY).address,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function benchChain(config: ChainConfig): BenchChain {
  const chain = defineLocalChain(config);
  const transport = http(config.rpcUrl, { batch: { batchSize: 500, wait: 0 } });
  return {
    config,
    client: createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 }),
    wallet: createWalletClient({
      chain,
      transport,
      account: privateKeyToAccount(FUNDER_KEY),
      pollingInterval: 50,
    }),
  };
}

/** Mints a large supply of each bench token to the funder and approves the vault for all of it. */
async function fund(chain: BenchChain): Promise<void> {
  const confirm = async (what: string, sent: Promise<Hex>) => {
    const receipt = await chain.client.waitForTransactionReceipt({ hash: await sent });
    if (receipt.status !== "success") throw new Error(`${what} failed on chain ${chain.config.chainId}`);
  };
  for (const symbol of BENCH_TOKENS) {
    const token = chain.config.tokens[symbol];
    if (token === undefined) throw new Error(`chain ${chain.config.chainId} lists no ${symbol}`);
    const { address } = token;
    const amount = parseUnits("10000000", token.decimals);
    const funder = chain.wallet.account.address;
    await confirm(
      `mint ${symbol}`,
      chain.wallet.writeContract({
        address,
        abi: mockErc20Abi,
        functionName: "mint",
        args: [funder, amount],
      }),
    );
    await confirm(
      `approve ${symbol}`,
      chain.wallet.writeContract({
        address,
        abi: mockErc20Abi,
        functionName: "approve",
        args: [chain.config.contracts.vault, maxUint256],
      }),
    );
  }
}
