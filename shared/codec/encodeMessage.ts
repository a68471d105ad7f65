import { encodePacked, type Hex } from "viem";
import { MessageType } from "./constants.js";
import type { BalanceBatch, Message, Seize, WithdrawalDecision, WithdrawalRequest } from "./types.js";
import { checkAddress, checkHex, checkUint } from "./validate.js";

/**
 * Encodes a BALANCE_BATCH body: `uint8 1 ‖ bytes32 root ‖ uint32 leafCount ‖ uint64 sourceBlock ‖ uint64 sourceTimestamp`
 * (53 bytes), as `MessageCodec.encodeBalanceBatch`.
 *
 * @param batch the batch
 * @returns the message body
 * @throws {InvalidCodecValueError} when a field does not fit its type
 */
export function encodeBalanceBatch(batch: BalanceBatch): Hex {
  return encodePacked(
    ["uint8", "bytes32", "uint32", "uint64", "uint64"],
    [
      MessageType.BalanceBatch,
      checkHex("root", batch.root, 32),
      Number(checkUint("leafCount", batch.leafCount, 32)),
      checkUint("sourceBlock", batch.sourceBlock, 64),
      checkUint("sourceTimestamp", batch.sourceTimestamp, 64),
    ],
  );
}

/**
 * Encodes a WITHDRAWAL_REQUEST body: `uint8 2 ‖ account ‖ token ‖ uint256 amount ‖ uint256 balanceAfter ‖ uint64 seq ‖ uint64 inboundNonce`
 * (121 bytes), as `MessageCodec.encodeWithdrawalRequest`.
 *
 * @param request the request
 * @returns the message body
 * @throws {InvalidCodecValueError} when a field does not fit its type
 */
export function encodeWithdrawalRequest(request: WithdrawalRequest): Hex {
  return encodePacked(
    ["uint8", "address", "address", "uint256", "uint256", "uint64", "uint64"],
    [
      MessageType.WithdrawalRequest,
      checkAddress("account", request.account),
      checkAddress("token", request.token),
      checkUint("amount", request.amount, 256),
      checkUint("balanceAfter", request.balanceAfter, 256),
      checkUint("seq", request.seq, 64),
      checkUint("inboundNonce", request.inboundNonce, 64),
    ],
  );
}

/**
 * Encodes an APPROVE_WITHDRAWAL (`approve`) or REJECT_WITHDRAWAL body:
 * `uint8 3|4 ‖ account ‖ token ‖ uint256 amount ‖ uint64 requestNonce` (81 bytes), as
 * `MessageCodec.encodeWithdrawalDecision`.
 *
 * @param approve true for APPROVE_WITHDRAWAL, false for REJECT_WITHDRAWAL
 * @param decision the decision
 * @returns the message body
 * @throws {InvalidCodecValueError} when a field does not fit its type
 */
export function encodeWithdrawalDecision(approve: boolean, decision: WithdrawalDecision): Hex {
  return encodePacked(
    ["uint8", "address", "address", "uint256", "uint64"],
    [
      approve ? MessageType.ApproveWithdrawal : MessageType.RejectWithdrawal,
      checkAddress("account", decision.account),
      checkAddress("token", decision.token),
      checkUint("amount", decision.amount, 256),
      checkUint("requestNonce", decision.requestNonce, 64),
    ],
  );
}

/**
 * Encodes an APPROVE_WITHDRAWAL body (see {@link encodeWithdrawalDecision}).
 *
 * @param decision the approval
 * @returns the message body
 */
export function encodeApproveWithdrawal(decision: WithdrawalDecision): Hex {
  return encodeWithdrawalDecision(true, decision);
}

/**
 * Encodes a REJECT_WITHDRAWAL body (see {@link encodeWithdrawalDecision}).
 *
 * @param decision the rejection
 * @returns the message body
 */
export function encodeRejectWithdrawal(decision: WithdrawalDecision): Hex {
  return encodeWithdrawalDecision(false, decision);
}

/**
 * Encodes a SEIZE body: `uint8 5 ‖ account ‖ token ‖ uint256 amount ‖ recipient` (93 bytes), as
 * `MessageCodec.encodeSeize`.
 *
 * @param seize the seize order
 * @returns the message body
 * @throws {InvalidCodecValueError} when a field does not fit its type
 */
export function encodeSeize(seize: Seize): Hex {
  return encodePacked(
    ["uint8", "address", "address", "uint256", "address"],
    [
      MessageType.Seize,
      checkAddress("account", seize.account),
      checkAddress("token", seize.token),
      checkUint("amount", seize.amount, 256),
      checkAddress("recipient", seize.recipient),
    ],
  );
}

/**
 * Encodes any message body, dispatching on `type`; the inverse of `decodeMessage`.
 *
 * @param message the message
 * @returns the message body
 * @throws {InvalidCodecValueError} when a field does not fit its type
 * @example
 * const body = encodeMessage({ type: MessageType.Seize, account, token, amount: 10n, recipient });
 */
export function encodeMessage(message: Message): Hex {
  switch (message.type) {
    case MessageType.BalanceBatch:
      return encodeBalanceBatch(message);
    case MessageType.WithdrawalRequest:
      return encodeWithdrawalRequest(message);
    case MessageType.ApproveWithdrawal:
      return encodeWithdrawalDecision(true, message);
    case MessageType.RejectWithdrawal:
      return encodeWithdrawalDecision(false, message);
    case MessageType.Seize:
      return encodeSeize(message);
  }
}
