import type { Hex } from "viem";
import { MessageType } from "../../shared/codec/constants.js";
import { decodeMessage } from "../../shared/codec/decodeMessage.js";
import { type DecodePacketReturnType, decodePacket } from "../../shared/codec/decodePacket.js";
import { InvalidGuidError } from "../../shared/codec/errors.js";
import type { Message } from "../../shared/codec/types.js";
import type { Config } from "../../shared/config/schema.js";
import { BaseError } from "../../shared/errors/BaseError.js";
import type { Claim } from "../types.js";
import { type ClaimRouteReturnType, claimRoute } from "./claimRoute.js";
import { AttestationRefusedError } from "./errors.js";

/** The message type each claim kind must carry. */
const MESSAGE_TYPE_OF = {
  balance_batch: MessageType.BalanceBatch,
  withdrawal_request: MessageType.WithdrawalRequest,
  approve_withdrawal: MessageType.ApproveWithdrawal,
  reject_withdrawal: MessageType.RejectWithdrawal,
  seize: MessageType.Seize,
} as const satisfies Record<Claim["kind"], MessageType>;

/** Return type of {@link verifyPacketHeader}. */
export type VerifyPacketHeaderReturnType = {
  /** The decoded packet header. */
  header: DecodePacketReturnType;
  /** The decoded message body (its type matches the claim's kind). */
  message: Message;
  /** Source and destination chains, sender and receiver under the config. */
  route: ClaimRouteReturnType;
};

/**
 * The checks every claim gets before any RPC read: the packet decodes (version 1, guid equal to
 * the one recomputed from the header), its guid equals the claim's, srcEid/dstEid equal the
 * claim's chains and both are configured, sender and receiver are the contracts the kind's
 * route requires, and the message is of the kind's type.
 *
 * @param config the parsed config
 * @param claim the claim
 * @returns the decoded header and message and the route
 * @throws {AttestationRefusedError} naming the first check that failed
 */
export function verifyPacketHeader(config: Config, claim: Claim): VerifyPacketHeaderReturnType {
  const header = decode("packet", () => decodePacket(claim.packet));
  if (header.guid !== claim.guid.toLowerCase()) {
    refuse("guid", `the packet's guid is ${header.guid}, the claim says ${claim.guid}`);
  }
  if (header.srcEid !== claim.srcChainId) {
    refuse("srcEid", `the packet's srcEid is ${header.srcEid}, the claim's srcChainId ${claim.srcChainId}`);
  }
  if (header.dstEid !== claim.dstChainId) {
    refuse("dstEid", `the packet's dstEid is ${header.dstEid}, the claim's dstChainId ${claim.dstChainId}`);
  }
  const route = claimRoute(config, claim);
  const role = claim.kind === "balance_batch" || claim.kind === "withdrawal_request" ? "vault" : "hub";
  const senderRole = role === "vault" ? `vault of chain ${route.src.chainId}` : "hub";
  const receiverRole = role === "vault" ? "hub" : `vault of chain ${route.dst.chainId}`;
  if (header.sender !== word(route.sender)) {
    refuse("sender", `the packet's sender is ${header.sender}, expected the ${senderRole} ${route.sender}`);
  }
  if (header.receiver !== word(route.receiver)) {
    refuse(
      "receiver",
      `the packet's receiver is ${header.receiver}, expected the ${receiverRole} ${route.receiver}`,
    );
  }
  const message = decode("message", () => decodeMessage(header.message));
  const expected = MESSAGE_TYPE_OF[claim.kind];
  if (message.type !== expected) {
    refuse("message.type", `a ${claim.kind} claim needs message type ${expected}, got ${message.type}`);
  }
  return { header, message, route };
}

/** An address as the packet's raw bytes32 field (left-padded, lowercase). */
function word(address: Hex): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;
}

function decode<T>(check: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reason =
      error instanceof InvalidGuidError
        ? `the packet's guid ${error.actual} is not the one its header gives, ${error.expected}`
        : error.shortMessage;
    throw new AttestationRefusedError({
      check: error instanceof InvalidGuidError ? "guid" : check,
      reason,
      cause: error,
    });
  }
}

function refuse(check: string, reason: string): never {
  throw new AttestationRefusedError({ check, reason });
}
