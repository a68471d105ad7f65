import type { Address, Hex, TransactionReceipt } from "viem";
import { collateralVaultAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import { writeAndWait } from "./writeAndWait.js";

/** Parameters of {@link depositCollateral}. */
export type DepositCollateralParameters = {
  /** The depositor's key (a devnet trader holds every demo token on every chain). */
  key: Hex;
  token: Address;
  amount: bigint;
};

/**
 * Approves the chain's vault and deposits `amount` of `token` for the key's account.
 *
 * @param clients the chain's clients
 * @param parameters depositor, token, amount
 * @returns the deposit's receipt
 */
export async function depositCollateral(
  clients: ChainClients,
  parameters: DepositCollateralParameters,
): Promise<TransactionReceipt> {
  const wallet = { publicClient: clients.publicClient, walletClient: clients.walletFor(parameters.key) };
  const vault = clients.chain.contracts.vault;
  await writeAndWait(wallet, {
    address: parameters.token,
    abi: mockErc20Abi,
    functionName: "approve",
    args: [vault, parameters.amount],
  });
  return writeAndWait(wallet, {
    address: vault,
    abi: collateralVaultAbi,
    functionName: "deposit",
    args: [parameters.token, parameters.amount],
  });
}
