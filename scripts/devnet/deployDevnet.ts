import { createPublicClient, http } from "viem";
import type { DevnetAccounts } from "./accounts.js";
import { devnetChain } from "./devnetChain.js";
import { type AddressBook, planDeployment } from "./planDeployment.js";
import { sendSteps } from "./sendSteps.js";

/** A running chain to deploy on. */
export type DeployTarget = { chainId: number; role: "hub" | "vault"; rpcUrl: string };

/** Parameters of {@link deployDevnet}. */
export type DeployDevnetParameters = {
  /** Every chain; exactly one with role `hub`. */
  chains: DeployTarget[];
  accounts: DevnetAccounts;
  /** How often to poll for receipts (short for automine). */
  pollingIntervalMs: number;
  /** Called as each chain finishes. */
  onChainDeployed?: (chainId: number, elapsedMs: number, transactions: number) => void;
};

/** What {@link deployDevnet} deployed. */
export type DeployDevnetReturnType = {
  /** Every contract address per chain (`hub`, `vault`, `perp`, token symbols, `feed:<symbol>`). */
  book: AddressBook;
  /** Per chain, the block of its first deployment transaction. */
  deploymentBlocks: Map<number, bigint>;
};

/**
 * Deploys and seeds the whole devnet: plans every chain's transactions (so every address is known
 * up front), then sends each chain's plan in parallel with the others.
 *
 * @param params the chains, the accounts and a progress callback
 * @returns the address book and each chain's deployment block
 * @throws DeployError naming the chain and step that failed
 * @example
 * const { book } = await deployDevnet({ chains, accounts: getDevnetAccounts(), pollingIntervalMs: 100 });
 */
export async function deployDevnet(params: DeployDevnetParameters): Promise<DeployDevnetReturnType> {
  const deployer = params.accounts.deployer;
  const planned = await Promise.all(
    params.chains.map(async (chain) => {
      const client = createPublicClient({
        chain: devnetChain(chain.chainId, chain.rpcUrl),
        transport: http(),
      });
      const startNonce = await client.getTransactionCount({ address: deployer.address, blockTag: "pending" });
      return { ...chain, startNonce };
    }),
  );
  const plan = planDeployment({ chains: planned, accounts: params.accounts });
  const deploymentBlocks = new Map<number, bigint>();
  await Promise.all(
    params.chains.map(async (chain) => {
      const started = performance.now();
      const { firstBlock, transactions } = await sendSteps({
        chainId: chain.chainId,
        rpcUrl: chain.rpcUrl,
        steps: plan.steps.get(chain.chainId) ?? [],
        book: plan.book,
        account: deployer,
        pollingIntervalMs: params.pollingIntervalMs,
      });
      deploymentBlocks.set(chain.chainId, firstBlock);
      params.onChainDeployed?.(chain.chainId, performance.now() - started, transactions);
    }),
  );
  return { book: plan.book, deploymentBlocks };
}
