import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetAccounts } from "../../../scripts/devnet/accounts.js";
import { PortInUseError } from "../../../scripts/devnet/errors.js";
import { type StartDevnetReturnType, startDevnet } from "../../../scripts/devnet/startDevnet.js";
import { defineLocalChain } from "../../../shared/chains/defineLocalChain.js";
import { hubChain } from "../../../shared/config/hubChain.js";
import type { ChainConfig, Config } from "../../../shared/config/schema.js";
import { vaultChains } from "../../../shared/config/vaultChains.js";
import { freePort } from "../../../test/utils/freePort.js";
import { createPublicClients } from "../../createPublicClients.js";

/** Test clients of one devnet chain. */
export type TestChain = {
  chain: ChainConfig;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** A wallet signing with `key` (pass it with `publicClient` to `writeAndWait`). */
  walletFor: (key: Hex) => WalletClient<Transport, Chain, Account>;
};

/** A devnet (hub + two vault chains, automine) for the attester's tests. */
export type AttesterDevnet = {
  devnet: StartDevnetReturnType;
  config: Config;
  accounts: DevnetAccounts;
  /** What an attester reads with: `createPublicClients(config)` (batched JSON-RPC), no retries. */
  clients: Map<number, PublicClient>;
  hub: TestChain;
  /** The two vault-only chains, ascending by chain id. */
  vaults: [TestChain, TestChain];
  /** Mines `blocks` empty blocks on every chain (to make earlier blocks final). */
  mineEverywhere: (blocks: number) => Promise<void>;
  stop: () => Promise<void>;
};

/** Ports tried before giving up. */
const ATTEMPTS = 5;

/**
 * Starts a devnet in a temp directory on three consecutive free ports (retrying when another
 * process takes one first), with `finalityDepth` on every chain.
 *
 * @param parameters the chains' finality depth
 * @returns the devnet, its config, attester clients and test clients per chain
 */
export async function startAttesterDevnet(parameters: { finalityDepth: number }): Promise<AttesterDevnet> {
  const dir = mkdtempSync(join(tmpdir(), "crossmargin-attester-"));
  let devnet: StartDevnetReturnType | undefined;
  for (let attempt = 1; devnet === undefined; attempt++) {
    const basePort = await freePort();
    try {
      devnet = await startDevnet({
        basePort: Math.min(basePort, 65_000),
        blockTimeSeconds: 0,
        finalityDepth: parameters.finalityDepth,
        dir,
      });
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= ATTEMPTS) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const config = devnet.config;
  const [first, second] = vaultChains(config, { includeHub: false }).map(testChain);
  if (first === undefined || second === undefined) throw new Error("expected two vault chains");
  const hub = testChain(hubChain(config));
  const running = devnet;
  return {
    devnet,
    config,
    accounts: devnet.manifest.accounts,
    clients: createPublicClients(config, { retryCount: 0, timeoutMs: 5_000 }),
    hub,
    vaults: [first, second],
    mineEverywhere: async (blocks) => {
      await Promise.all([hub, first, second].map((chain) => chain.testClient.mine({ blocks })));
    },
    stop: async () => {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function testChain(chain: ChainConfig): TestChain {
  const viemChain = defineLocalChain(chain);
  const transport = http(chain.rpcUrl, { retryCount: 0 });
  return {
    chain,
    publicClient: createPublicClient({ chain: viemChain, transport, pollingInterval: 25 }),
    testClient: createTestClient({ chain: viemChain, transport, mode: "anvil", pollingInterval: 25 }),
    walletFor: (key) =>
      createWalletClient({
        chain: viemChain,
        transport,
        account: privateKeyToAccount(key),
        pollingInterval: 25,
      }),
  };
}
