/**
 * Byte layout constants of `contracts/src/libraries/MessageCodec.sol`, mirrored exactly.
 */

/** The only packet version crossmargin (and LayerZero V2's `PacketV1Codec`) speaks. */
export const PACKET_VERSION = 1;

/** Byte offsets of the packet header fields. */
export const PacketOffset = {
  version: 0,
  nonce: 1,
  srcEid: 9,
  sender: 13,
  dstEid: 45,
  receiver: 49,
  guid: 81,
  message: 113,
} as const;

/** Message types: the first byte of every message body. */
export const MessageType = {
  /** vault → hub: a Merkle root over account balances (relayer-built). */
  BalanceBatch: 1,
  /** vault → hub: an account asked to withdraw. */
  WithdrawalRequest: 2,
  /** hub → vault: release a pending withdrawal. */
  ApproveWithdrawal: 3,
  /** hub → vault: return a pending withdrawal to the balance. */
  RejectWithdrawal: 4,
  /** hub → vault: liquidation, transfer collateral to a recipient. */
  Seize: 5,
} as const;

/** One of the {@link MessageType} values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Exact body length of each message type, type byte included. */
export const MessageLength = {
  [MessageType.BalanceBatch]: 53,
  [MessageType.WithdrawalRequest]: 121,
  [MessageType.ApproveWithdrawal]: 81,
  [MessageType.RejectWithdrawal]: 81,
  [MessageType.Seize]: 93,
} as const satisfies Record<MessageType, number>;

/** Largest value of a Solidity `uintN`. */
export function maxUint(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}
