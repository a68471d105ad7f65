import {
  type Abi,
  type Address,
  BaseError,
  decodeErrorResult,
  type EncodeDeployDataParameters,
  encodeDeployData,
  type Hex,
  type TransactionReceipt,
} from "viem";
import type { StartAnvilReturnType } from "./anvil.js";

/** Parameters of {@link deploy}: an artifact from `shared/abis/generated.ts` and its constructor arguments (viem's `encodeDeployData` parameters). */
export type DeployParameters<abi extends Abi> = EncodeDeployDataParameters<abi>;

/** Return type of {@link deploy}. */
export type DeployReturnType = {
  /** The new contract. */
  address: Address;
  /** The creation receipt (status success). */
  receipt: TransactionReceipt;
};

/** The deployment reverted (constructor error decoded when the ABI knows it) or created no contract. */
export class DeployFailedError extends Error {
  override name = "DeployFailedError";
  /** The constructor's custom error (`Panic`, `Error`, …), when the revert data decodes. */
  readonly errorName: string | undefined;
  /**
   * @param message what happened
   * @param errorName the decoded constructor error
   * @param cause the underlying error
   */
  constructor(message: string, errorName?: string, cause?: unknown) {
    super(message, { cause });
    this.errorName = errorName;
  }
}

/**
 * Deploys a contract with the wallet client's account and waits for its receipt.
 *
 * @param clients the public and wallet clients of an anvil (see `startAnvil`)
 * @param parameters the ABI, creation bytecode and constructor arguments
 * @returns the address and receipt
 * @throws {DeployFailedError} when the creation reverts (with the constructor's decoded error) or fails
 * @example
 * const { address } = await deploy(anvil, { abi: mockPriceFeedAbi, bytecode: mockPriceFeedBytecode, args: [8, 1n, "X / USD"] });
 */
export async function deploy<const abi extends Abi>(
  clients: Pick<StartAnvilReturnType, "publicClient" | "walletClient">,
  parameters: DeployParameters<abi>,
): Promise<DeployReturnType> {
  const { walletClient, publicClient } = clients;
  const data = encodeDeployData(parameters);
  let hash: Hex;
  try {
    hash = await walletClient.sendTransaction({ data });
  } catch (error) {
    throw await diagnose(clients, parameters.abi, data, error);
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new DeployFailedError(`deployment ${hash} failed (status ${receipt.status})`);
  }
  return { address: receipt.contractAddress, receipt };
}

/**
 * Re-runs the creation as an `eth_call` to read its revert data (estimateGas errors carry only a
 * message) and decodes it with the contract's ABI.
 */
async function diagnose(
  clients: Pick<StartAnvilReturnType, "publicClient" | "walletClient">,
  abi: Abi,
  data: Hex,
  original: unknown,
): Promise<DeployFailedError> {
  const revertData = await clients.publicClient
    .call({ account: clients.walletClient.account, data })
    .then(() => undefined)
    .catch(revertDataOf);
  if (revertData === undefined || revertData === "0x") {
    const reason =
      original instanceof BaseError ? `${original.shortMessage} ${original.details}` : String(original);
    return new DeployFailedError(`deployment failed: ${reason}`, undefined, original);
  }
  try {
    const { errorName, args } = decodeErrorResult({ abi, data: revertData });
    return new DeployFailedError(
      `constructor reverted with ${errorName}(${(args ?? []).map(String).join(", ")})`,
      errorName,
      original,
    );
  } catch {
    return new DeployFailedError(`constructor reverted with ${revertData}`, undefined, original);
  }
}

/** The innermost `data` of a viem error chain: the raw revert data of an RPC error. */
function revertDataOf(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const inner = error.walk(
    (e) => typeof e === "object" && e !== null && "data" in e && typeof e.data === "string",
  );
  // walk's predicate above checked `data` is a string; RPC revert data is hex.
  return inner !== null && "data" in inner ? (inner.data as Hex) : undefined;
}
