import {
  type Abi,
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  encodeErrorResult,
  HttpRequestError,
  InsufficientFundsError,
  NonceTooLowError,
  RpcRequestError,
  TimeoutError,
  BaseError as ViemBaseError,
} from "viem";
import { describe, expect, test } from "vitest";
import { collateralVaultAbi, marginHubAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { classifyDeliveryError } from "./classifyDeliveryError.js";
import {
  DeliveryRevertedError,
  InvalidClaimError,
  NotYetDeliverableError,
  TransactionStuckError,
} from "./errors.js";

const GUID = `0x${"ab".repeat(32)}` as const;
const ADDRESS = "0x00000000000000000000000000000000000000aa";

/** What `simulateContract` throws when the call reverts with `errorName(args)`. */
function revert(abi: Abi, errorName: string, args: readonly unknown[]): ContractFunctionExecutionError {
  const data = encodeErrorResult({ abi, errorName, args });
  const cause = new ContractFunctionRevertedError({ abi, data, functionName: "submitBatch" });
  return new ContractFunctionExecutionError(cause, {
    abi,
    functionName: "submitBatch",
    args: [],
    contractAddress: ADDRESS,
  });
}

describe("classifyDeliveryError: contract reverts", () => {
  test.each([
    [marginHubAbi, "MarginHub_BatchAlreadySubmitted", [GUID]],
    [marginHubAbi, "MarginHub_RequestAlreadyReceived", [31338, 4n]],
    [collateralVaultAbi, "CollateralVault_CommandAlreadyApplied", [3n]],
  ] as const)("%#: %s → already", (abi, errorName, args) => {
    expect(classifyDeliveryError(revert(abi, errorName, args))).toMatchObject({
      outcome: "already",
      reason: errorName,
    });
  });

  test.each([
    [marginHubAbi, "MarginHub_RequestOutOfOrder", [31338, 2n, 3n]],
    [collateralVaultAbi, "CollateralVault_CommandOutOfOrder", [2n, 3n]],
    [perpMarketAbi, "PerpMarket_StalePrice", [ADDRESS, 1n, 3600n]],
    [perpMarketAbi, "PerpMarket_InvalidPrice", [ADDRESS, 0n]],
    [marginHubAbi, "EnforcedPause", []],
    [collateralVaultAbi, "EnforcedPause", []],
  ] as const)("%#: %s → retry", (abi, errorName, args) => {
    expect(classifyDeliveryError(revert(abi, errorName, args))).toMatchObject({
      outcome: "retry",
      reason: errorName,
    });
  });

  test.each([
    [marginHubAbi, "QuorumVerifier_BelowThreshold", [1n, 2n]],
    [collateralVaultAbi, "QuorumVerifier_UnknownSigner", [0n, ADDRESS]],
    [marginHubAbi, "QuorumVerifier_MalleableSignature", [1n]],
    [marginHubAbi, "MarginHub_AttestationExpired", [1n, 3600n, 5000n]],
    [marginHubAbi, "MarginHub_UnknownVault", [31338, GUID]],
    [collateralVaultAbi, "CollateralVault_UnknownSender", [31337, GUID]],
    [marginHubAbi, "MarginHub_WrongDestination", [1, GUID]],
    [collateralVaultAbi, "CollateralVault_WrongDestination", [1, GUID]],
    [marginHubAbi, "MarginHub_InvalidProof", []],
    [marginHubAbi, "MessageCodec_InvalidGuid", [GUID, GUID]],
  ] as const)("%#: %s → fatal", (abi, errorName, args) => {
    expect(classifyDeliveryError(revert(abi, errorName, args))).toMatchObject({
      outcome: "fatal",
      reason: errorName,
    });
  });

  test("the message names the error with its arguments", () => {
    const error = revert(marginHubAbi, "MarginHub_AttestationExpired", [
      1_700_000_000n,
      3600n,
      1_700_004_000n,
    ]);
    expect(classifyDeliveryError(error).message).toBe(
      "MarginHub_AttestationExpired(sourceTimestamp: 1700000000, maxAge: 3600, nowTimestamp: 1700004000)",
    );
  });

  test("an undecodable revert is fatal with its selector", () => {
    const cause = new ContractFunctionRevertedError({
      abi: marginHubAbi,
      data: "0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001",
      functionName: "submitBatch",
    });
    expect(classifyDeliveryError(cause)).toMatchObject({
      outcome: "fatal",
      reason: "UnknownRevert(0xdeadbeef)",
    });
    const bare = new ContractFunctionRevertedError({ abi: marginHubAbi, functionName: "submitBatch" });
    expect(classifyDeliveryError(bare)).toMatchObject({ outcome: "fatal", reason: "UnknownRevert" });
  });

  test("a panic is fatal", () => {
    const abi = [] as const satisfies Abi;
    const data = encodeErrorResult({
      abi: [{ type: "error", name: "Panic", inputs: [{ type: "uint256", name: "code" }] }],
      errorName: "Panic",
      args: [0x11n],
    });
    const error = new ContractFunctionRevertedError({ abi, data, functionName: "receiveCommand" });
    expect(classifyDeliveryError(error)).toMatchObject({ outcome: "fatal", reason: "Panic" });
  });
});

describe("classifyDeliveryError: transport and node errors", () => {
  test("nonce too low, insufficient funds, HTTP failures and timeouts → retry with a short name", () => {
    const wrapped = (cause: Error) => new ViemBaseError("Transaction failed.", { cause });
    expect(classifyDeliveryError(wrapped(new NonceTooLowError({ nonce: 3 })))).toMatchObject({
      outcome: "retry",
      reason: "NonceTooLow",
    });
    expect(classifyDeliveryError(wrapped(new InsufficientFundsError()))).toMatchObject({
      outcome: "retry",
      reason: "InsufficientFunds",
    });
    expect(
      classifyDeliveryError(new HttpRequestError({ url: "http://127.0.0.1:1", status: 502 })),
    ).toMatchObject({
      outcome: "retry",
      reason: "HttpRequest",
    });
    expect(classifyDeliveryError(new TimeoutError({ body: {}, url: "http://127.0.0.1:1" }))).toMatchObject({
      outcome: "retry",
      reason: "Timeout",
    });
  });

  test("a replacement refused as underpriced → retry ReplacementUnderpriced", () => {
    const error = new RpcRequestError({
      body: {},
      url: "http://127.0.0.1:1",
      error: { code: -32003, message: "replacement transaction underpriced" },
    });
    expect(classifyDeliveryError(error)).toMatchObject({
      outcome: "retry",
      reason: "ReplacementUnderpriced",
    });
  });

  test("no contract at the address → fatal", () => {
    expect(
      classifyDeliveryError(new ContractFunctionZeroDataError({ functionName: "inboundNonce" })),
    ).toMatchObject({
      outcome: "fatal",
      reason: "ContractFunctionZeroData",
    });
  });

  test("unknown errors → retry, like isRetryable", () => {
    expect(classifyDeliveryError(new Error("socket hang up"))).toMatchObject({
      outcome: "retry",
      reason: "Error",
    });
    expect(classifyDeliveryError(new TypeError("fetch failed"))).toMatchObject({
      outcome: "retry",
      reason: "Type",
    });
  });
});

describe("classifyDeliveryError: crossmargin errors", () => {
  test("keep their reason and retryability", () => {
    expect(classifyDeliveryError(new NotYetDeliverableError(2n, 3n))).toEqual({
      outcome: "retry",
      reason: "NotYetDeliverable",
      message: "Packet nonce 3 is not deliverable yet: waiting for nonce 2.",
    });
    expect(classifyDeliveryError(new TransactionStuckError(1, [GUID], 10))).toMatchObject({
      outcome: "retry",
      reason: "TransactionStuck",
    });
    expect(
      classifyDeliveryError(new InvalidClaimError("claim.nonce", "expected a decimal string")),
    ).toMatchObject({
      outcome: "fatal",
      reason: "InvalidClaim",
    });
    const already = new DeliveryRevertedError({
      reason: "MarginHub_BatchAlreadySubmitted",
      message: "x",
      outcome: "already",
    });
    expect(classifyDeliveryError(already)).toMatchObject({
      outcome: "already",
      reason: "MarginHub_BatchAlreadySubmitted",
    });
  });
});
