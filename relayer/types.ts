import type { Address, Hex } from "viem";

/**
 * The relayer's job payloads. BullMQ stores job data as JSON, so every `bigint` travels as a
 * decimal string; {@link leafFromJson} / {@link leafToJson} convert balance leaves.
 */

/** `IMarginHub.Leaf` as JSON: numbers as decimal strings. */
export type LeafJson = {
  chainId: string;
  vault: Address;
  account: Address;
  token: Address;
  balance: string;
  seq: string;
  inboundNonce: string;
  sourceBlock: string;
};

/** Kinds of packets a vault or the hub emits with `PacketSent` (ordered per path by nonce). */
export type SentPacketKind = "withdrawal_request" | "approve_withdrawal" | "reject_withdrawal" | "seize";

/**
 * A BALANCE_BATCH the relayer built: the vault's state of every leaf's (account, token) at the
 * packet's `sourceBlock`. An attester re-reads each leaf there before it signs.
 */
export type BalanceBatchClaim = {
  kind: "balance_batch";
  /** The vault chain (srcEid). */
  srcChainId: number;
  /** The hub chain (dstEid). */
  dstChainId: number;
  /** The encoded packet (its message holds the root, leaf count, source block and time). */
  packet: Hex;
  guid: Hex;
  /** Every leaf under the root, in the order they were given to `buildBalanceTree`. */
  leaves: LeafJson[];
};

/**
 * A packet a contract sent (`PacketSent(guid, nonce, dstEid, packet)`): a vault's withdrawal
 * request to the hub, or a hub command to a vault. An attester finds the event in `sourceBlock`
 * on its own RPC, checks the block is final and the bytes are equal, and only then signs.
 */
export type SentPacketClaim = {
  kind: SentPacketKind;
  srcChainId: number;
  dstChainId: number;
  packet: Hex;
  guid: Hex;
  /** Packet nonce (decimal string): the destination applies a path's packets in this order. */
  nonce: string;
  /** Block of the `PacketSent` event (decimal string). */
  sourceBlock: string;
  /** Transaction of the `PacketSent` event, when known (speeds up the attester's lookup). */
  sourceTxHash?: Hex | undefined;
};

/** What an attester is asked to sign. */
export type Claim = BalanceBatchClaim | SentPacketClaim;

/** Data of an `attest` job: gather a quorum of signatures for the claim. */
export type AttestJobData = {
  claim: Claim;
  /** When discovery first saw the work (ms since epoch), for latency metrics. */
  discoveredAt: number;
  /** Source block time of the work (seconds; a batch's final block), for the credit latency metric. */
  sourceTimestamp?: number | undefined;
};

/** Data of a `deliver-<chainId>` job: submit the attested claim on its destination. */
export type DeliverJobData = {
  claim: Claim;
  /** The quorum's 65-byte signatures, sorted by signer and concatenated. */
  signatures: Hex;
  discoveredAt: number;
  sourceTimestamp?: number | undefined;
  /** When the quorum was reached (ms since epoch). */
  attestedAt: number;
  /**
   * Transactions signed for this job so far (the same nonce, bumped fees), each recorded before it
   * is broadcast; `last` is the newest one signed (raw, fees in wei as decimal strings).
   */
  sent?:
    | {
        nonce: number;
        hashes: Hex[];
        last?: { raw: Hex; maxFeePerGas: string; maxPriorityFeePerGas: string } | undefined;
      }
    | undefined;
};

/** Result of a `deliver-<chainId>` job. */
export type DeliverJobResult = {
  /** "delivered" by this job, or "already" applied on chain (by another relayer or an earlier try). */
  status: "delivered" | "already";
  txHash?: Hex | undefined;
  blockNumber?: string | undefined;
  gasUsed?: string | undefined;
};

/** A dead letter: a job that failed for good, with why. */
export type DeadLetterJobData = {
  queue: string;
  jobId: string;
  /** The error's name, e.g. `MarginHub_AttestationExpired` or `AttestationRefusedError`. */
  reason: string;
  message: string;
  data: AttestJobData | DeliverJobData;
  failedAt: number;
};
