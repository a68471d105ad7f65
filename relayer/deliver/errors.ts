import type { Hex } from "viem";
import { NonRetryableError, RetryableError } from "../../shared/errors/BaseError.js";

/*
 * Errors of the delivery side. Each carries a `reason`: a short, stable name for logs, metrics
 * and the dead-letter queue (a decoded custom error such as `MarginHub_AttestationExpired`, or
 * a name such as `TransactionStuck`). Retryable ones make BullMQ try the job again with backoff;
 * non-retryable ones go to the dead-letter queue with their reason.
 */

/** What a delivery error means for the job: applied already, try again later, or give up. */
export type DeliveryOutcome = "already" | "retry" | "fatal";

/** Parameters shared by the delivery errors. */
export type DeliveryErrorParameters = {
  /** Short name of the cause, e.g. `QuorumVerifier_BelowThreshold` or `HttpRequest`. */
  reason: string;
  /** One-line description (the decoded revert with its arguments, or the node's message). */
  message: string;
  /** The transaction the error is about, when one was sent. */
  txHash?: Hex | undefined;
  /** The underlying error. */
  cause?: unknown;
};

/**
 * The destination refused the delivery for good (a revert retrying cannot change: a bad quorum,
 * an expired attestation, a packet for another destination), or — with `outcome: "already"` —
 * the packet is applied already (another relayer won the race). {@link deliverClaim} turns the
 * latter into `{ status: "already" }`; the worker sends the former to the dead-letter queue.
 */
export class DeliveryRevertedError extends NonRetryableError {
  override name = "DeliveryRevertedError";
  /** The decoded custom error's name (or `UnknownRevert(0x…)`, `Panic`, …). */
  readonly reason: string;
  /** `"already"` when the revert says the packet was applied before, else `"fatal"`. */
  readonly outcome: "already" | "fatal";
  /** The mined transaction that reverted, if the revert came from a receipt. */
  readonly txHash: Hex | undefined;

  /** @param parameters reason, message, outcome, transaction and cause */
  constructor(parameters: DeliveryErrorParameters & { outcome?: "already" | "fatal" }) {
    super(`Delivery reverted: ${parameters.message}`, {
      cause: parameters.cause,
      metaMessages: parameters.txHash === undefined ? undefined : [`transaction: ${parameters.txHash}`],
    });
    this.reason = parameters.reason;
    this.outcome = parameters.outcome ?? "fatal";
    this.txHash = parameters.txHash;
  }
}

/**
 * The delivery failed for a reason that may pass (stale price, paused contract, an earlier
 * packet not applied yet, RPC trouble, nonce races): retry the job later.
 */
export class DeliveryRetryError extends RetryableError {
  override name = "DeliveryRetryError";
  /** Short name of the cause. */
  readonly reason: string;
  /** The transaction the error is about, if any. */
  readonly txHash: Hex | undefined;

  /** @param parameters reason, message, transaction and cause */
  constructor(parameters: DeliveryErrorParameters) {
    super(`Delivery failed, will retry: ${parameters.message}`, {
      cause: parameters.cause,
      metaMessages: parameters.txHash === undefined ? undefined : [`transaction: ${parameters.txHash}`],
    });
    this.reason = parameters.reason;
    this.txHash = parameters.txHash;
  }
}

/**
 * An ordered packet (withdrawal request or hub command) whose nonce is ahead of the
 * destination: an earlier packet of the same path must be applied first.
 */
export class NotYetDeliverableError extends RetryableError {
  override name = "NotYetDeliverableError";
  readonly reason = "NotYetDeliverable";
  /** The nonce the destination applies next (`inboundNonce + 1`). */
  readonly waitingFor: bigint;
  /** This packet's nonce. */
  readonly nonce: bigint;

  /**
   * @param waitingFor the nonce the destination applies next
   * @param nonce this packet's nonce
   */
  constructor(waitingFor: bigint, nonce: bigint) {
    super(`Packet nonce ${nonce} is not deliverable yet: waiting for nonce ${waitingFor}.`);
    this.waitingFor = waitingFor;
    this.nonce = nonce;
  }
}

/** A transaction (and every fee-bumped replacement) stayed unmined past the last bump. */
export class TransactionStuckError extends RetryableError {
  override name = "TransactionStuckError";
  readonly reason = "TransactionStuck";
  /** The account nonce every attempt used. */
  readonly nonce: number;
  /** Every hash sent for that nonce, oldest first. */
  readonly hashes: readonly Hex[];

  /**
   * @param nonce the account nonce every attempt used
   * @param hashes every hash sent, oldest first
   * @param waitedMs how long the last attempt waited
   */
  constructor(nonce: number, hashes: readonly Hex[], waitedMs: number) {
    super(
      `Transaction with nonce ${nonce} still unmined after ${hashes.length} attempts (${waitedMs} ms after the last).`,
      { metaMessages: hashes.map((hash) => `sent: ${hash}`) },
    );
    this.nonce = nonce;
    this.hashes = hashes;
  }
}

/**
 * The account's nonce that an earlier attempt used was consumed by a transaction that is none
 * of ours (another process shares the key, or a transaction was dropped and the nonce reused).
 * Retrying re-checks whether the packet is delivered and sends again with a fresh nonce.
 */
export class NonceTakenError extends RetryableError {
  override name = "NonceTakenError";
  readonly reason = "NonceTaken";
  /** The nonce that moved on. */
  readonly nonce: number;

  /**
   * @param nonce the nonce that moved on
   * @param hashes our transactions for it, none of which mined
   */
  constructor(nonce: number, hashes: readonly Hex[]) {
    super(`Nonce ${nonce} was used by a transaction that is not one of ours.`, {
      metaMessages: hashes.map((hash) => `ours (not mined): ${hash}`),
    });
    this.nonce = nonce;
  }
}

/** A claim (job data) that cannot be delivered as it is: the field and what was expected. */
export class InvalidClaimError extends NonRetryableError {
  override name = "InvalidClaimError";
  readonly reason = "InvalidClaim";
  /** Path of the offending field, e.g. `claim.nonce` or `claim.leaves.3.balance`. */
  readonly field: string;

  /**
   * @param field path of the offending field
   * @param problem what was expected and what was found
   * @param cause the underlying error, if any
   */
  constructor(field: string, problem: string, cause?: unknown) {
    super(`Invalid claim: ${field}: ${problem}`, { cause });
    this.field = field;
  }
}

/** The clients handed to the delivery are connected to another chain than the claim's destination. */
export class ClientChainMismatchError extends NonRetryableError {
  override name = "ClientChainMismatchError";
  readonly reason = "ClientChainMismatch";

  /**
   * @param client which client (`publicClient` or `walletClient`)
   * @param expected the claim's destination chain id
   * @param actual the client's chain id
   */
  constructor(client: string, expected: number, actual: number) {
    super(`${client} is connected to chain ${actual}, but the claim's destination is chain ${expected}.`);
  }
}
