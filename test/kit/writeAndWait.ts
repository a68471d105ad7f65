import type {
  Abi,
  Account,
  Address,
  Chain,
  ContractFunctionArgs,
  ContractFunctionName,
  SimulateContractParameters,
  TransactionReceipt,
} from "viem";
import type { StartAnvilReturnType } from "./anvil.js";

/** Parameters of {@link writeAndWait}: a contract call, sent by the wallet client's account unless `account` is given. */
export type WriteAndWaitParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
> = {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: args;
  /** The sender (default: the wallet client's account, anvil account 0). */
  account?: Account;
};

/** Gas limit over the estimate, in percent. */
const GAS_HEADROOM_PERCENT = 120n;

/** A transaction that was mined but reverted (simulation passed, so the state changed in between). */
export class TransactionRevertedError extends Error {
  override name = "TransactionRevertedError";
}

/**
 * Simulates a contract call (so a revert surfaces as viem's decoded
 * `ContractFunctionRevertedError`; see `contractRevert`), sends it and waits for the receipt.
 *
 * @param clients the public and wallet clients of an anvil
 * @param parameters address, ABI, function, arguments, optional sender
 * @returns the successful receipt
 * @throws viem's `ContractFunctionExecutionError` when the simulation reverts
 * @throws {TransactionRevertedError} when the mined transaction reverted anyway
 */
export async function writeAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  const args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(
  clients: Pick<StartAnvilReturnType, "publicClient" | "walletClient">,
  parameters: WriteAndWaitParameters<abi, functionName, args>,
): Promise<TransactionReceipt> {
  const { publicClient, walletClient } = clients;
  const account = parameters.account ?? walletClient.account;
  // The simulate parameters are exactly these fields; viem's conditional parameter type cannot
  // be inferred through our generic wrapper.
  const { request } = await publicClient.simulateContract({
    address: parameters.address,
    abi: parameters.abi,
    functionName: parameters.functionName,
    args: parameters.args,
    account,
  } as SimulateContractParameters<Abi, string, readonly unknown[], Chain, Chain, Account>);
  // The estimate runs against the pending block, the transaction against the block it lands in;
  // a write whose cost depends on the block (an SSTORE of `block.timestamp` that is a no-op when the
  // timestamp has not moved) would run out of gas on an exact estimate. 20 % headroom, as the
  // relayer's own sender (`GAS_HEADROOM_PERCENT`).
  const estimate = await publicClient.estimateContractGas(request as never);
  const hash = await walletClient.writeContract({
    ...request,
    gas: (estimate * GAS_HEADROOM_PERCENT) / 100n,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new TransactionRevertedError(`${parameters.functionName} (${hash}) reverted on-chain`);
  }
  return receipt;
}
