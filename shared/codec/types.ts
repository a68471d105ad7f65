import type { Address, Hex } from "viem";
import type { MessageType } from "./constants.js";

/** `MessageCodec.BalanceBatch`: a signed Merkle root over account updates of one vault. */
export type BalanceBatch = {
  /** `StandardMerkleTree` root over the batch's leaves. */
  root: Hex;
  /** Number of leaves under the root (uint32). */
  leafCount: number;
  /** Vault-chain block the balances were read at (uint64). */
  sourceBlock: bigint;
  /** Timestamp of `sourceBlock` (uint64); the hub rejects batches older than `maxAttestationAge`. */
  sourceTimestamp: bigint;
};

/** `MessageCodec.WithdrawalRequest`: the post-request figures of an account's withdrawal request. */
export type WithdrawalRequest = {
  account: Address;
  token: Address;
  /** Amount requested (uint256). */
  amount: bigint;
  /** Free balance after the request (uint256). */
  balanceAfter: bigint;
  /** The (account, token) seq after the request (uint64). */
  seq: bigint;
  /** Nonce of the last hub command applied to this (account, token) (uint64). */
  inboundNonce: bigint;
};

/** `MessageCodec.WithdrawalDecision`: the body of APPROVE_WITHDRAWAL and REJECT_WITHDRAWAL. */
export type WithdrawalDecision = {
  account: Address;
  token: Address;
  /** Amount approved or rejected (uint256). */
  amount: bigint;
  /** Nonce of the WITHDRAWAL_REQUEST packet this answers (uint64). */
  requestNonce: bigint;
};

/** `MessageCodec.Seize`: transfer `amount` of the account's collateral to `recipient`. */
export type Seize = {
  account: Address;
  token: Address;
  /** Amount to seize (uint256). */
  amount: bigint;
  recipient: Address;
};

/** A BALANCE_BATCH message. */
export type BalanceBatchMessage = { type: typeof MessageType.BalanceBatch } & BalanceBatch;
/** A WITHDRAWAL_REQUEST message. */
export type WithdrawalRequestMessage = { type: typeof MessageType.WithdrawalRequest } & WithdrawalRequest;
/** An APPROVE_WITHDRAWAL or REJECT_WITHDRAWAL message. */
export type WithdrawalDecisionMessage = {
  type: typeof MessageType.ApproveWithdrawal | typeof MessageType.RejectWithdrawal;
} & WithdrawalDecision;
/** A SEIZE message. */
export type SeizeMessage = { type: typeof MessageType.Seize } & Seize;

/** Any crossmargin message body, discriminated on `type`. */
export type Message =
  | BalanceBatchMessage
  | WithdrawalRequestMessage
  | WithdrawalDecisionMessage
  | SeizeMessage;

/** The path and nonce of a packet: what its guid is derived from. */
export type PacketHeader = {
  /** Packet nonce (uint64). */
  nonce: bigint;
  /** Source endpoint id = source chain id (uint32). */
  srcEid: number;
  /** Sending contract on the source chain. */
  sender: Address;
  /** Destination endpoint id = destination chain id (uint32). */
  dstEid: number;
  /** Receiving contract on the destination chain. */
  receiver: Address;
};
