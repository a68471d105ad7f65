import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  type SimulateContractParameters,
  type TransactionReceipt,
  BaseError as ViemBaseError,
} from "viem";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { DemoStepFailedError } from "./errors.js";
import type { DemoChain } from "./types.js";

/** Parameters of {@link sendCall}: a contract call signed by `key`. */
export type SendCallParameters<
  abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
> = {
  /** The step, named if the call reverts. */
  step: string;
  key: Hex;
  address: Address;
  abi: abi;
  functionName: functionName;
  args: args;
  timeoutMs: number;
};

/** Every crossmargin ABI: a revert bubbling up from another contract (the hub under the market) is decoded too. */
const REVERT_ABI = [
  ...marginHubAbi,
  ...perpMarketAbi,
  ...collateralVaultAbi,
  ...mockErc20Abi,
  ...mockPriceFeedAbi,
];

/**
 * Simulates a contract call, sends it and waits for a successful receipt.
 *
 * @param chain the chain's clients
 * @param parameters step, signer, contract, function, arguments, timeout
 * @returns the receipt
 * @throws {DemoStepFailedError} when the call reverts (with the decoded custom error) or the mined transaction failed
 */
export async function sendCall<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  const args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(chain: DemoChain, parameters: SendCallParameters<abi, functionName, args>): Promise<TransactionReceipt> {
  const walletClient = chain.walletFor(parameters.key);
  const what = `${parameters.functionName} on chain ${chain.config.chainId}`;
  let hash: Hex;
  try {
    // These are exactly simulateContract's fields; viem cannot infer its conditional parameter type through this generic wrapper.
    const { request } = await chain.publicClient.simulateContract({
      address: parameters.address,
      abi: parameters.abi,
      functionName: parameters.functionName,
      args: parameters.args,
      account: walletClient.account,
    } as SimulateContractParameters<Abi, string, readonly unknown[], Chain, Chain, Account>);
    // Headroom over the estimate: anvil estimates in a block with the previous block's timestamp,
    // so a call that stores `block.timestamp` (a price feed's `updatedAt`) can cost more when mined.
    const estimate = await chain.publicClient.estimateContractGas(request);
    hash = await walletClient.writeContract({ ...request, gas: (estimate * 13n) / 10n + 20_000n });
  } catch (error) {
    throw new DemoStepFailedError(parameters.step, `${what} reverted: ${revertReason(error)}`, {
      cause: error,
    });
  }
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash, timeout: parameters.timeoutMs });
  if (receipt.status !== "success") {
    throw new DemoStepFailedError(parameters.step, `${what} (${hash}) reverted on chain`);
  }
  return receipt;
}

/**
 * The custom error a contract call reverted with, decoded with every crossmargin ABI.
 *
 * @param error what the call threw
 * @returns the error name and arguments, or the first line of the message
 */
export function revertReason(error: unknown): string {
  if (!(error instanceof ViemBaseError)) return error instanceof Error ? error.message : String(error);
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (reverted instanceof ContractFunctionRevertedError) {
    if (reverted.data !== undefined)
      return `${reverted.data.errorName}(${(reverted.data.args ?? []).join(", ")})`;
    if (reverted.raw !== undefined) {
      try {
        const decoded = decodeErrorResult({ abi: REVERT_ABI, data: reverted.raw });
        return `${decoded.errorName}(${(decoded.args ?? []).join(", ")})`;
      } catch {
        return reverted.raw;
      }
    }
  }
  return error.shortMessage;
}
