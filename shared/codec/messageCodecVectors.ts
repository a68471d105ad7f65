import type { Address, Hex } from "viem";
import { batchNonce } from "./batchNonce.js";
import { MessageType } from "./constants.js";
import { encodeMessage } from "./encodeMessage.js";
import { encodePacket } from "./encodePacket.js";
import type { Message, PacketHeader } from "./types.js";

/** One fixed codec case: a message, its body, and a packet carrying it. */
export type MessageCodecVector = {
  /** Short description. */
  name: string;
  /** The message as fields. */
  message: Message;
  /** The message body bytes (`abi.encodePacked` layout). */
  body: Hex;
  /** The packet header fields. */
  header: PacketHeader;
  /** The whole packet. */
  packet: Hex;
  /** The packet's guid. */
  guid: Hex;
};

const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;
const HUB: Address = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const VAULT: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const ACCOUNT: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TOKEN: Address = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const RECIPIENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ZERO: Address = "0x0000000000000000000000000000000000000000";

/** Header of a vault → hub packet. */
const up = (nonce: bigint): PacketHeader => ({
  nonce,
  srcEid: 31338,
  sender: VAULT,
  dstEid: 31337,
  receiver: HUB,
});
/** Header of a hub → vault packet. */
const down = (nonce: bigint): PacketHeader => ({
  nonce,
  srcEid: 31337,
  sender: HUB,
  dstEid: 31338,
  receiver: VAULT,
});

/**
 * Fixed codec cases (typical and extreme values of every message type) for parity tests against
 * the Solidity `MessageCodec`: encode each `message` with the harness and compare to `body`, wrap
 * it with `header` and compare to `packet` and `guid`.
 *
 * @returns the cases, computed with this package's encoders
 */
export function messageCodecVectors(): MessageCodecVector[] {
  const cases: { name: string; message: Message; header: PacketHeader }[] = [
    {
      name: "balance batch",
      message: {
        type: MessageType.BalanceBatch,
        root: `0x${"11".repeat(32)}`,
        leafCount: 3,
        sourceBlock: 100n,
        sourceTimestamp: 1_700_000_000n,
      },
      header: up(batchNonce(100n, 2)),
    },
    {
      name: "balance batch, every field at its maximum",
      message: {
        type: MessageType.BalanceBatch,
        root: `0x${"ff".repeat(32)}`,
        leafCount: 2 ** 32 - 1,
        sourceBlock: MAX_UINT64,
        sourceTimestamp: MAX_UINT64,
      },
      header: { nonce: MAX_UINT64, srcEid: 2 ** 32 - 1, sender: VAULT, dstEid: 2 ** 32 - 1, receiver: HUB },
    },
    {
      name: "withdrawal request",
      message: {
        type: MessageType.WithdrawalRequest,
        account: ACCOUNT,
        token: TOKEN,
        amount: 250_000_000n,
        balanceAfter: 750_000_000n,
        seq: 4n,
        inboundNonce: 1n,
      },
      header: up(1n),
    },
    {
      name: "withdrawal request, amounts at uint256 max",
      message: {
        type: MessageType.WithdrawalRequest,
        account: ACCOUNT,
        token: TOKEN,
        amount: MAX_UINT256,
        balanceAfter: MAX_UINT256,
        seq: MAX_UINT64,
        inboundNonce: MAX_UINT64,
      },
      header: up(MAX_UINT64 >> 1n),
    },
    {
      name: "approve withdrawal",
      message: {
        type: MessageType.ApproveWithdrawal,
        account: ACCOUNT,
        token: TOKEN,
        amount: 10n ** 18n,
        requestNonce: 7n,
      },
      header: down(3n),
    },
    {
      name: "reject withdrawal",
      message: {
        type: MessageType.RejectWithdrawal,
        account: ACCOUNT,
        token: TOKEN,
        amount: 1n,
        requestNonce: 8n,
      },
      header: down(4n),
    },
    {
      name: "seize",
      message: {
        type: MessageType.Seize,
        account: ACCOUNT,
        token: TOKEN,
        amount: 123_456_789n,
        recipient: RECIPIENT,
      },
      header: down(5n),
    },
    {
      name: "seize, zero amount and zero addresses",
      message: { type: MessageType.Seize, account: ZERO, token: ZERO, amount: 0n, recipient: ZERO },
      header: { nonce: 0n, srcEid: 1, sender: ZERO, dstEid: 1, receiver: ZERO },
    },
  ];
  return cases.map(({ name, message, header }) => {
    const body = encodeMessage(message);
    const { packet, guid } = encodePacket({ ...header, message: body });
    return { name, message, body, header, packet, guid };
  });
}
