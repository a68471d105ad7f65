import type { Address, Hex } from "viem";
import { computeGuid } from "../../shared/codec/computeGuid.js";
import { MessageType } from "../../shared/codec/constants.js";
import { decodeMessage } from "../../shared/codec/decodeMessage.js";
import { decodePacket } from "../../shared/codec/decodePacket.js";
import { lowerHex } from "./indexerConfig.js";

/** What a relay message carries, as the `relay_message.kind` column names it. */
export type RelayKind =
  | "balance_batch"
  | "withdrawal_request"
  | "approve_withdrawal"
  | "reject_withdrawal"
  | "seize"
  | "unknown";

const KINDS: Record<number, RelayKind> = {
  [MessageType.BalanceBatch]: "balance_batch",
  [MessageType.WithdrawalRequest]: "withdrawal_request",
  [MessageType.ApproveWithdrawal]: "approve_withdrawal",
  [MessageType.RejectWithdrawal]: "reject_withdrawal",
  [MessageType.Seize]: "seize",
};

/** Return type of {@link describePacket}: the header and the message fields the indexer stores. */
export type DescribePacketReturnType = {
  kind: RelayKind;
  guid: Hex;
  nonce: bigint;
  srcEid: number;
  dstEid: number;
  sender: Address;
  receiver: Address;
  /** Account, token and amount of a withdrawal request, decision or seize. */
  account?: Address;
  token?: Address;
  amount?: bigint;
  /** For a decision: the guid of the WITHDRAWAL_REQUEST it answers (vault → hub, its `requestNonce`). */
  requestGuid?: Hex;
  /** For a balance batch: the vault-chain block and time the balances were read at. */
  sourceBlock?: bigint;
  sourceTimestamp?: bigint;
};

/**
 * Decodes a packet (`shared/codec`) into what a `relay_message` row holds. Addresses and the
 * guids come back lowercase, as Ponder stores hex.
 *
 * @param packet the packet bytes of a `PacketSent` event (or a relayed call)
 * @returns kind, header and message fields
 * @throws the codec's errors when the bytes are not a crossmargin packet
 * @example
 * const { kind, account, amount } = describePacket(event.args.packet);
 */
export function describePacket(packet: Hex): DescribePacketReturnType {
  const header = decodePacket(packet);
  const base = {
    guid: lowerHex(header.guid),
    nonce: header.nonce,
    srcEid: header.srcEid,
    dstEid: header.dstEid,
    sender: lowerHex(header.senderAddress),
    receiver: lowerHex(header.receiverAddress),
  };
  const message = decodeMessage(header.message);
  const kind = KINDS[message.type] ?? "unknown";
  switch (message.type) {
    case MessageType.BalanceBatch:
      return { ...base, kind, sourceBlock: message.sourceBlock, sourceTimestamp: message.sourceTimestamp };
    case MessageType.WithdrawalRequest:
    case MessageType.Seize:
      return {
        ...base,
        kind,
        account: lowerHex(message.account),
        token: lowerHex(message.token),
        amount: message.amount,
      };
    case MessageType.ApproveWithdrawal:
    case MessageType.RejectWithdrawal: {
      // The request travelled the reverse path: vault (this command's receiver) → hub (its sender).
      const requestGuid = computeGuid({
        nonce: message.requestNonce,
        srcEid: header.dstEid,
        sender: header.receiverAddress,
        dstEid: header.srcEid,
        receiver: header.senderAddress,
      });
      return {
        ...base,
        kind,
        account: lowerHex(message.account),
        token: lowerHex(message.token),
        amount: message.amount,
        requestGuid: lowerHex(requestGuid),
      };
    }
  }
}

/**
 * {@link describePacket}, or `undefined` for bytes that are not a crossmargin packet (the
 * handlers then keep the raw bytes with kind "unknown" rather than stop indexing).
 *
 * @param packet the packet bytes
 * @returns the description, or undefined
 */
export function tryDescribePacket(packet: Hex): DescribePacketReturnType | undefined {
  try {
    return describePacket(packet);
  } catch {
    return undefined;
  }
}
