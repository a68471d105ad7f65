import { ContractFunctionRevertedError, BaseError as ViemBaseError } from "viem";
import { BaseError } from "../../shared/errors/BaseError.js";
import { type DeliveryOutcome, DeliveryRevertedError } from "./errors.js";

/** Return type of {@link classifyDeliveryError}. */
export type ClassifyDeliveryErrorReturnType = {
  /** `already`: the packet is applied, the job is done; `retry`: try again later; `fatal`: dead-letter it. */
  outcome: DeliveryOutcome;
  /** Short stable name: the custom error's name, or the transport/node error's (`NonceTooLow`, `HttpRequest`). */
  reason: string;
  /** One line: the revert with its arguments, or the error's short message. */
  message: string;
};

/*
 * Contract reverts (custom error name → outcome). Only the first two lists are named; every other
 * revert is fatal.
 *
 * | custom error                                        | outcome | why                                          |
 * |-----------------------------------------------------|---------|----------------------------------------------|
 * | MarginHub_BatchAlreadySubmitted                     | already | the batch guid was applied (by anyone)       |
 * | MarginHub_RequestAlreadyReceived                    | already | the request's nonce was applied              |
 * | CollateralVault_CommandAlreadyApplied               | already | the command's nonce was applied              |
 * | MarginHub_RequestOutOfOrder                         | retry   | an earlier request of the path lands first   |
 * | CollateralVault_CommandOutOfOrder                   | retry   | an earlier command of the path lands first   |
 * | PerpMarket_StalePrice, PerpMarket_InvalidPrice      | retry   | the feed updates (the hub itself never       |
 * |                                                     |         | reverts on prices: it rejects)               |
 * | EnforcedPause                                       | retry   | the guardian paused; unpausing resumes       |
 * | SafeERC20FailedOperation                            | retry   | a transfer failed (today's vaults turn a     |
 * |                                                     |         | failed release into a claim instead)         |
 * | QuorumVerifier_* (BelowThreshold, InvalidSignature, | fatal   | the signatures will never verify; the work   |
 * |   InvalidSignatureLength, MalleableSignature,       |         | must be attested again                       |
 * |   SignersNotAscending, UnknownSigner)               |         |                                              |
 * | MarginHub_AttestationExpired                        | fatal   | too old; a new batch must be built           |
 * | MarginHub_UnknownVault, CollateralVault_UnknownSender | fatal | the packet's sender is not trusted           |
 * | MarginHub_WrongDestination, CollateralVault_WrongDestination | fatal | addressed elsewhere                 |
 * | MarginHub_UnexpectedMessage, CollateralVault_UnknownCommand, MarginHub_InvalidBatchNonce,   | fatal | |
 * |   MarginHub_ZeroRoot, MarginHub_LeafCountMismatch, MarginHub_LeafSourceMismatch,            |       | |
 * |   MarginHub_InvalidProof, MerkleProofInvalidMultiproof, MarginHub_BalanceTooLarge,          |       | |
 * |   MessageCodec_* (invalid packet/proof/leaves: the bytes never change)                      |       | |
 * | Panic, Error(string), anything else named           | fatal   | not a condition that passes                  |
 * | undecodable revert data                             | fatal   | reason `UnknownRevert(<selector>)`           |
 */
const ALREADY_APPLIED = new Set([
  "MarginHub_BatchAlreadySubmitted",
  "MarginHub_RequestAlreadyReceived",
  "CollateralVault_CommandAlreadyApplied",
]);

const RETRYABLE_REVERTS = new Set([
  "MarginHub_RequestOutOfOrder",
  "CollateralVault_CommandOutOfOrder",
  "PerpMarket_StalePrice",
  "PerpMarket_InvalidPrice",
  "EnforcedPause",
  "SafeERC20FailedOperation",
]);

/*
 * Transport and node errors (viem error name → outcome), looked up along the cause chain.
 *
 * | error                                                  | outcome | why                                 |
 * |--------------------------------------------------------|---------|-------------------------------------|
 * | NonceTooLowError, NonceTooHighError                    | retry   | nonce race; the next try re-reads it |
 * | "replacement transaction underpriced", "already known" | retry   | a pending transaction holds the nonce |
 * | FeeCapTooLowError                                      | retry   | base fee moved; re-estimated next try |
 * | InsufficientFundsError                                 | retry   | the operator tops up the relayer     |
 * | HttpRequestError, TimeoutError, WebSocketRequestError, | retry   | the RPC is down or slow              |
 * |   SocketClosedError, RpcRequestError, *RpcError, …     |         |                                     |
 * | UnknownNodeError, anything unknown                     | retry   | like `isRetryable`: unknown = transient |
 * | ContractFunctionZeroDataError                          | fatal   | no contract at the configured address |
 * | FeeCapTooHighError, TipAboveFeeCapError,               | fatal   | a transaction we built is invalid;    |
 * |   IntrinsicGasTooLowError, IntrinsicGasTooHighError,   |         | sending it again cannot help          |
 * |   NonceMaxValueError, TransactionTypeNotSupportedError |         |                                     |
 * | ExecutionRevertedError (no ABI to decode it)           | fatal   | a revert                             |
 * | crossmargin errors                                     | their own `retryable` (and `reason`)  |
 */
const FATAL_NODE_ERRORS = new Set([
  "ContractFunctionZeroDataError",
  "FeeCapTooHighError",
  "TipAboveFeeCapError",
  "IntrinsicGasTooLowError",
  "IntrinsicGasTooHighError",
  "NonceMaxValueError",
  "TransactionTypeNotSupportedError",
  "ExecutionRevertedError",
]);

const RETRYABLE_NODE_ERRORS = new Set([
  "NonceTooLowError",
  "NonceTooHighError",
  "FeeCapTooLowError",
  "InsufficientFundsError",
  "HttpRequestError",
  "TimeoutError",
  "WebSocketRequestError",
  "SocketClosedError",
  "RpcRequestError",
  "UnknownNodeError",
]);

/** Node messages viem has no class for. */
const RETRYABLE_NODE_MESSAGES: readonly [RegExp, string][] = [
  [
    /replacement (transaction )?underpriced|replacement fee too low|transaction underpriced/i,
    "ReplacementUnderpriced",
  ],
  [/already known|known transaction|already imported/i, "AlreadyKnown"],
];

/**
 * Decides what an error from simulating, sending or waiting for a delivery means for the job,
 * and names it (tables above): the packet is applied already, the job should be retried, or it
 * should go to the dead-letter queue.
 *
 * @param error anything thrown by a delivery step
 * @returns outcome, reason and a one-line message
 * @example
 * const { outcome, reason } = classifyDeliveryError(error);
 * // { outcome: "fatal", reason: "MarginHub_AttestationExpired", message: "MarginHub_AttestationExpired(sourceTimestamp: …)" }
 */
export function classifyDeliveryError(error: unknown): ClassifyDeliveryErrorReturnType {
  if (error instanceof BaseError) return classifyOwn(error);
  if (error instanceof ViemBaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) return classifyRevert(reverted);
    return classifyNodeError(error);
  }
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return { outcome: "retry", reason: shortName(name), message: firstLine(message) };
}

function classifyOwn(error: BaseError): ClassifyDeliveryErrorReturnType {
  const reason = "reason" in error && typeof error.reason === "string" ? error.reason : shortName(error.name);
  const outcome: DeliveryOutcome =
    error instanceof DeliveryRevertedError ? error.outcome : error.retryable ? "retry" : "fatal";
  return { outcome, reason, message: error.shortMessage };
}

function classifyRevert(reverted: ContractFunctionRevertedError): ClassifyDeliveryErrorReturnType {
  const data = reverted.data;
  if (data === undefined) {
    const selector =
      reverted.signature ?? (reverted.raw && reverted.raw !== "0x" ? reverted.raw.slice(0, 10) : undefined);
    return {
      outcome: "fatal",
      reason: selector === undefined ? "UnknownRevert" : `UnknownRevert(${selector})`,
      message:
        reverted.raw === undefined || reverted.raw === "0x"
          ? `reverted without data${reverted.reason ? `: ${reverted.reason}` : ""}`
          : `reverted with undecodable data ${reverted.raw}`,
    };
  }
  const name = data.errorName;
  const outcome: DeliveryOutcome = ALREADY_APPLIED.has(name)
    ? "already"
    : RETRYABLE_REVERTS.has(name)
      ? "retry"
      : "fatal";
  const inputs = data.abiItem && "inputs" in data.abiItem ? data.abiItem.inputs : [];
  const args = (data.args ?? []).map((arg, i) => {
    const label = inputs[i]?.name;
    return label ? `${label}: ${formatArg(arg)}` : formatArg(arg);
  });
  return { outcome, reason: name, message: `${name}(${args.join(", ")})` };
}

function classifyNodeError(error: ViemBaseError): ClassifyDeliveryErrorReturnType {
  const names: string[] = [];
  error.walk((e) => {
    if (e instanceof Error) names.push(e.name);
    return false;
  });
  const message = firstLine(error.shortMessage);
  const details = error.details ?? "";
  for (const [pattern, reason] of RETRYABLE_NODE_MESSAGES) {
    if (pattern.test(details) || pattern.test(error.message)) return { outcome: "retry", reason, message };
  }
  const fatal = names.find((name) => FATAL_NODE_ERRORS.has(name));
  if (fatal !== undefined) return { outcome: "fatal", reason: shortName(fatal), message };
  const known =
    names.find((name) => RETRYABLE_NODE_ERRORS.has(name)) ??
    names.find((name) => name.endsWith("RpcError")) ??
    names[names.length - 1] ??
    error.name;
  return { outcome: "retry", reason: shortName(known), message };
}

function formatArg(arg: unknown): string {
  if (typeof arg === "bigint") return arg.toString();
  if (typeof arg === "string") return arg;
  if (Array.isArray(arg)) return `[${arg.map(formatArg).join(", ")}]`;
  return (
    JSON.stringify(arg, (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value)) ??
    String(arg)
  );
}

function shortName(name: string): string {
  return name.length > "Error".length && name.endsWith("Error") ? name.slice(0, -"Error".length) : name;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
