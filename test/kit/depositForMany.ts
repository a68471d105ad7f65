import type { Address, Hex, TransactionReceipt } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";

/** One `depositFor` call: `amount` of `token`, paid by a payer, credited to `account`. */
export type PlannedDeposit = { chainId: number; account: Address; token: Address; amount: bigint };

/** Parameters of {@link depositForMany}. */
export type DepositForManyParameters = {
  /** Keys of the accounts that pay (each must hold and have approved the tokens); calls go round-robin. */
  payers: readonly Hex[];
  /** The deposits, all on this chain. */
  deposits: readonly PlannedDeposit[];
};

/** Gas limit of one `depositFor` (a first deposit of a new account takes about 100k): skips estimation. */
const DEPOSIT_GAS = 200_000n;
/** Most deposits per call: their gas limits must fit in one 30M-gas anvil block. */
const MAX_DEPOSITS = 120;

/**
 * Sends many `CollateralVault.depositFor` transactions at once and mines them in one block: turns
 * the chain's automine off, sends every call with explicit nonces (round-robin over the payers),
 * mines one block, turns automine back on, and checks every receipt.
 *
 * @param chain the vault chain's clients
 * @param parameters payers and deposits
 * @returns the receipts, in the deposits' order
 * @throws {Error} when a deposit is for another chain, there are more than 120, or a transaction reverted
 */
export async function depositForMany(
  chain: ChainClients,
  parameters: DepositForManyParameters,
): Promise<TransactionReceipt[]> {
  const { deposits, payers } = parameters;
  if (deposits.length === 0) return [];
  if (deposits.length > MAX_DEPOSITS)
    throw new Error(`expected at most ${MAX_DEPOSITS} deposits per block, got ${deposits.length}`);
  const wrong = deposits.find((d) => d.chainId !== chain.chain.chainId);
  if (wrong !== undefined)
    throw new Error(`deposit for chain ${wrong.chainId} sent to chain ${chain.chain.chainId}`);
  const wallets = payers.map((key) => chain.walletFor(key));
  const nonces = await Promise.all(
    payers.map((key) =>
      chain.publicClient.getTransactionCount({
        address: privateKeyToAccount(key).address,
        blockTag: "pending",
      }),
    ),
  );
  const block = await chain.publicClient.getBlock();
  const maxFeePerGas = (block.baseFeePerGas ?? 1_000_000_000n) * 2n + 1_000_000_000n;
  await chain.testClient.setAutomine(false);
  let hashes: Hex[];
  try {
    hashes = await Promise.all(
      deposits.map((deposit, i) => {
        const payer = i % wallets.length;
        const wallet = wallets[payer];
        const nonce = nonces[payer];
        if (wallet === undefined || nonce === undefined) throw new Error("no payers");
        nonces[payer] = nonce + 1;
        return wallet.writeContract({
          address: chain.chain.contracts.vault,
          abi: collateralVaultAbi,
          functionName: "depositFor",
          args: [deposit.account, deposit.token, deposit.amount],
          nonce,
          gas: DEPOSIT_GAS,
          maxFeePerGas,
          maxPriorityFeePerGas: 1_000_000_000n,
        });
      }),
    );
    await chain.testClient.mine({ blocks: 1 });
  } finally {
    await chain.testClient.setAutomine(true);
  }
  const receipts = await Promise.all(
    hashes.map((hash) => chain.publicClient.waitForTransactionReceipt({ hash })),
  );
  const failed = receipts.find((receipt) => receipt.status !== "success");
  if (failed !== undefined) throw new Error(`depositFor ${failed.transactionHash} reverted`);
  return receipts;
}
