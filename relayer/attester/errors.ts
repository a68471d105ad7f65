import type { Address } from "viem";
import { NonRetryableError, RetryableError } from "../../shared/errors/BaseError.js";

/** Parameters of {@link AttestationRefusedError}. */
export type AttestationRefusedErrorParameters = {
  /** The check that failed, e.g. `sender`, `root`, `leaves[3].balance`, `event`. */
  check: string;
  /** What was expected and what was found, with the values. */
  reason: string;
  /** The underlying error, if any (a codec error, a contract revert). */
  cause?: unknown;
};

/**
 * The claim does not match the chain (or is malformed): this attester will never sign it.
 * Retrying the same claim cannot help; the relayer must build a new one.
 */
export class AttestationRefusedError extends NonRetryableError {
  override name = "AttestationRefusedError";
  /** The check that failed. */
  readonly check: string;
  /** What was expected and what was found. */
  readonly reason: string;

  /** @param parameters the failed check, why, and the cause */
  constructor(parameters: AttestationRefusedErrorParameters) {
    super(`Attestation refused: ${parameters.check}: ${parameters.reason}`, {
      cause: parameters.cause,
    });
    this.check = parameters.check;
    this.reason = parameters.reason;
  }
}

/** Parameters of {@link AttestationNotFinalError}. */
export type AttestationNotFinalErrorParameters = {
  chainId: number;
  /** The claimed block. */
  blockNumber: bigint;
  /** This attester's RPC head. */
  head: bigint;
  /** The chain's configured finality depth. */
  finalityDepth: number;
};

/**
 * The claimed block is not final yet on this attester's RPC (`isFinal` is false: `head − finalityDepth < block`).
 * Retry later: it will be once the chain has moved on.
 */
export class AttestationNotFinalError extends RetryableError {
  override name = "AttestationNotFinalError";
  readonly chainId: number;
  readonly blockNumber: bigint;
  readonly head: bigint;
  readonly finalityDepth: number;

  /** @param parameters chain, block, head and depth */
  constructor(parameters: AttestationNotFinalErrorParameters) {
    const finalAt = parameters.blockNumber + BigInt(parameters.finalityDepth);
    super(
      `Block ${parameters.blockNumber} on chain ${parameters.chainId} is not final yet: head ${parameters.head}, finality depth ${parameters.finalityDepth} (final once the head reaches ${finalAt}).`,
    );
    this.chainId = parameters.chainId;
    this.blockNumber = parameters.blockNumber;
    this.head = parameters.head;
    this.finalityDepth = parameters.finalityDepth;
  }
}

/** This attester's RPC for a chain failed (timeout, connection refused, bad answer). Retry later. */
export class RpcUnavailableError extends RetryableError {
  override name = "RpcUnavailableError";
  readonly chainId: number;

  /**
   * @param chainId the chain whose RPC failed
   * @param what the request, e.g. `eth_getBlockByNumber(12)`
   * @param cause the RPC error
   */
  constructor(chainId: number, what: string, cause: unknown) {
    super(`RPC of chain ${chainId} failed on ${what}.`, { cause });
    this.chainId = chainId;
  }
}

/**
 * A remote attester did not answer usefully: timeout, connection refused, a 5xx, or 503 because
 * the claimed block is not final on its RPC yet. Retry later.
 */
export class AttesterUnavailableError extends RetryableError {
  override name = "AttesterUnavailableError";
  /** The attester's address. */
  readonly attester: Address;
  /** Its server's URL. */
  readonly url: string;
  /** HTTP status, when it answered at all. */
  readonly status: number | undefined;

  /**
   * @param parameters the attester, its URL, the status (if any), why, and the cause
   */
  constructor(parameters: {
    attester: Address;
    url: string;
    status?: number | undefined;
    reason: string;
    cause?: unknown;
  }) {
    super(`Attester ${parameters.attester} at ${parameters.url} is unavailable: ${parameters.reason}`, {
      cause: parameters.cause,
    });
    this.attester = parameters.attester;
    this.url = parameters.url;
    this.status = parameters.status;
  }
}

/**
 * A remote attester answered with a signature that does not recover to its configured address
 * (a wrong key, a wrong domain, or garbage). Retryable: the claim is fine, the attester is
 * misconfigured and an operator can fix it; meanwhile the relayer needs other attesters.
 */
export class AttesterSignatureMismatchError extends RetryableError {
  override name = "AttesterSignatureMismatchError";
  readonly attester: Address;

  /**
   * @param attester the configured address
   * @param reason what the signature recovered to, or why it could not be recovered
   * @param cause the recovery error, if any
   */
  constructor(attester: Address, reason: string, cause?: unknown) {
    super(`Attester ${attester} returned a signature that is not its own: ${reason}`, { cause });
    this.attester = attester;
  }
}

/** `ATTESTER_PRIVATE_KEY` is missing, malformed, or not a key of the configured attester set. */
export class AttesterKeyError extends NonRetryableError {
  override name = "AttesterKeyError";
}

/** A command-line argument of `crossmargin attester` is unknown or has a bad value. */
export class AttesterArgumentError extends NonRetryableError {
  override name = "AttesterArgumentError";
}
