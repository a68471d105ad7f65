import type { Hex } from "viem";
import { MessageLength, MessageType } from "./constants.js";
import { InvalidMessageLengthError, InvalidMessageTypeError, UnknownMessageTypeError } from "./errors.js";
import type {
  BalanceBatchMessage,
  Message,
  SeizeMessage,
  WithdrawalDecisionMessage,
  WithdrawalRequestMessage,
} from "./types.js";
import { readAddress, readUint, sliceHex, toBytes } from "./validate.js";

/**
 * Decodes a BALANCE_BATCH body, as `MessageCodec.decodeBalanceBatch`.
 *
 * @param body the message body
 * @returns the batch
 * @throws {InvalidMessageTypeError} when the type byte is not BALANCE_BATCH (or the body is empty)
 * @throws {InvalidMessageLengthError} when the body is not 53 bytes
 */
export function decodeBalanceBatch(body: Hex | Uint8Array): BalanceBatchMessage {
  const bytes = expect(body, MessageType.BalanceBatch);
  return {
    type: MessageType.BalanceBatch,
    root: sliceHex(bytes, 1, 32),
    leafCount: Number(readUint(bytes, 33, 4)),
    sourceBlock: readUint(bytes, 37, 8),
    sourceTimestamp: readUint(bytes, 45, 8),
  };
}

/**
 * Decodes a WITHDRAWAL_REQUEST body, as `MessageCodec.decodeWithdrawalRequest`.
 *
 * @param body the message body
 * @returns the request (addresses checksummed)
 * @throws {InvalidMessageTypeError} when the type byte is not WITHDRAWAL_REQUEST (or the body is empty)
 * @throws {InvalidMessageLengthError} when the body is not 121 bytes
 */
export function decodeWithdrawalRequest(body: Hex | Uint8Array): WithdrawalRequestMessage {
  const bytes = expect(body, MessageType.WithdrawalRequest);
  return {
    type: MessageType.WithdrawalRequest,
    account: readAddress(bytes, 1),
    token: readAddress(bytes, 21),
    amount: readUint(bytes, 41, 32),
    balanceAfter: readUint(bytes, 73, 32),
    seq: readUint(bytes, 105, 8),
    inboundNonce: readUint(bytes, 113, 8),
  };
}

/**
 * Decodes an APPROVE_WITHDRAWAL or REJECT_WITHDRAWAL body, as `MessageCodec.decodeWithdrawalDecision`
 * (any other type byte is reported against APPROVE_WITHDRAWAL, like the Solidity).
 *
 * @param body the message body
 * @returns the decision; `type` says which
 * @throws {InvalidMessageTypeError} when the type byte is neither (or the body is empty)
 * @throws {InvalidMessageLengthError} when the body is not 81 bytes
 */
export function decodeWithdrawalDecision(body: Hex | Uint8Array): WithdrawalDecisionMessage {
  const first = toBytes("body", body)[0];
  const type =
    first === MessageType.RejectWithdrawal ? MessageType.RejectWithdrawal : MessageType.ApproveWithdrawal;
  const bytes = expect(body, type);
  return {
    type,
    account: readAddress(bytes, 1),
    token: readAddress(bytes, 21),
    amount: readUint(bytes, 41, 32),
    requestNonce: readUint(bytes, 73, 8),
  };
}

/**
 * Decodes a SEIZE body, as `MessageCodec.decodeSeize`.
 *
 * @param body the message body
 * @returns the seize order (addresses checksummed)
 * @throws {InvalidMessageTypeError} when the type byte is not SEIZE (or the body is empty)
 * @throws {InvalidMessageLengthError} when the body is not 93 bytes
 */
export function decodeSeize(body: Hex | Uint8Array): SeizeMessage {
  const bytes = expect(body, MessageType.Seize);
  return {
    type: MessageType.Seize,
    account: readAddress(bytes, 1),
    token: readAddress(bytes, 21),
    amount: readUint(bytes, 41, 32),
    recipient: readAddress(bytes, 73),
  };
}

/**
 * Decodes any message body by its type byte.
 *
 * @param body the message body (a packet's `message`)
 * @returns the message, discriminated on `type`
 * @throws {UnknownMessageTypeError} when the type byte is not 1–5 (or the body is empty)
 * @throws {InvalidMessageLengthError} when the body has the wrong length for its type
 * @example
 * const message = decodeMessage(decodePacket(packet).message);
 * if (message.type === MessageType.WithdrawalRequest) console.log(message.amount);
 */
export function decodeMessage(body: Hex | Uint8Array): Message {
  const bytes = toBytes("body", body);
  const type = bytes[0];
  switch (type) {
    case MessageType.BalanceBatch:
      return decodeBalanceBatch(bytes);
    case MessageType.WithdrawalRequest:
      return decodeWithdrawalRequest(bytes);
    case MessageType.ApproveWithdrawal:
    case MessageType.RejectWithdrawal:
      return decodeWithdrawalDecision(bytes);
    case MessageType.Seize:
      return decodeSeize(bytes);
    default:
      throw new UnknownMessageTypeError(type ?? 0);
  }
}

/** `MessageCodec._expect`: the type byte first, then the exact length. */
function expect(body: Hex | Uint8Array, type: MessageType): Uint8Array {
  const bytes = toBytes("body", body);
  const actual = bytes[0];
  if (actual !== type) throw new InvalidMessageTypeError(type, actual ?? 0);
  const length = MessageLength[type];
  if (bytes.length !== length) throw new InvalidMessageLengthError(type, bytes.length, length);
  return bytes;
}
