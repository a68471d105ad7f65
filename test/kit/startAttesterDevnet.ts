import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicClient } from "viem";
import { createPublicClients } from "../../relayer/createPublicClients.js";
import type { DevnetAccounts } from "../../scripts/devnet/accounts.js";
import { PortInUseError } from "../../scripts/devnet/errors.js";
import { freePort } from "../../scripts/devnet/freePort.js";
import { type StartDevnetReturnType, startDevnet } from "../../scripts/devnet/startDevnet.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { type ChainClients, chainClients } from "./chainClients.js";

/** Test clients of one devnet chain (the indexer tests' {@link ChainClients}). */
export type TestChain = ChainClients;

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
  const [first, second] = vaultChains(config, { includeHub: false }).map(chainClients);
  if (first === undefined || second === undefined) throw new Error("expected two vault chains");
  const hub = chainClients(hubChain(config));
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
