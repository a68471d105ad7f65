import {
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  TransactionReceiptNotFoundError,
  BaseError as ViemBaseError,
} from "viem";
import { BaseError } from "../../shared/errors/BaseError.js";
import { AttestationRefusedError, RpcUnavailableError } from "./errors.js";

/** Parameters of {@link callRpc}. */
export type CallRpcParameters = {
  /** The chain the request goes to. */
  chainId: number;
  /** The request, for messages, e.g. `accountState(0x…, 0x…) at block 12`. */
  what: string;
  /**
   * The check to refuse the claim under when the chain answers that the claimed thing is not
   * there (a contract call reverts or hits no code, a transaction is unknown). Without it those
   * answers count as RPC failures too.
   */
  refuseAs?: string | undefined;
};

/**
 * Runs one read against this attester's RPC and sorts its failures: an answer that proves the
 * claim wrong becomes {@link AttestationRefusedError} (when `refuseAs` is given); anything else
 * (timeout, connection refused, a malformed answer) becomes the retryable {@link RpcUnavailableError}.
 *
 * @param parameters chain, request description, refusal check
 * @param read the read
 * @returns what the read returned
 * @throws {AttestationRefusedError} when the chain's answer refutes the claim
 * @throws {RpcUnavailableError} when the RPC failed
 * @example
 * const block = await callRpc({ chainId, what: `block ${n}` }, () => client.getBlock({ blockNumber: n }));
 */
export async function callRpc<T>(parameters: CallRpcParameters, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw classifyRpcError(parameters, error);
  }
}

/**
 * The error {@link callRpc} throws for a failed read: crossmargin errors unchanged, an answer that
 * refutes the claim as {@link AttestationRefusedError} (when `refuseAs` is given), anything else
 * as {@link RpcUnavailableError}. For reads that fail one by one inside a batch (`readAccountStates`).
 *
 * @param parameters chain, request description, refusal check
 * @param error what the read threw
 * @returns the error to throw
 */
export function classifyRpcError(parameters: CallRpcParameters, error: unknown): Error {
  if (error instanceof BaseError) return error;
  const refutation = error instanceof ViemBaseError ? refutationOf(error) : undefined;
  if (refutation !== undefined && parameters.refuseAs !== undefined) {
    return new AttestationRefusedError({
      check: parameters.refuseAs,
      reason: `${parameters.what} on chain ${parameters.chainId}: ${refutation}`,
      cause: error,
    });
  }
  return new RpcUnavailableError(parameters.chainId, parameters.what, error);
}

/** Why the chain's answer refutes the claim, or undefined when the error is a transport failure. */
function refutationOf(error: ViemBaseError): string | undefined {
  const found = error.walk(
    (cause) =>
      cause instanceof ContractFunctionRevertedError ||
      cause instanceof ContractFunctionZeroDataError ||
      cause instanceof TransactionReceiptNotFoundError,
  );
  if (found instanceof ContractFunctionZeroDataError) return "no contract code at that block";
  if (found instanceof TransactionReceiptNotFoundError) return "no such transaction";
  if (found instanceof ContractFunctionRevertedError) return `reverted (${found.shortMessage})`;
  return undefined;
}
