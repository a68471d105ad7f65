import { NonRetryableError } from "../errors/BaseError.js";

/** A signature that is not 65 bytes, has v ∉ {27, 28}, or recovers to no address. */
export class InvalidSignatureError extends NonRetryableError {
  override name = "InvalidSignatureError";
  /** @param reason what is wrong with it */
  constructor(reason: string) {
    super(`Invalid attestation signature: ${reason}.`);
  }
}

/** A signature with s in the upper half of the curve order; `QuorumVerifier` rejects it. */
export class MalleableSignatureError extends NonRetryableError {
  override name = "MalleableSignatureError";
  constructor() {
    super("Attestation signature has a high s value (malleable); the contracts reject it.");
  }
}

/** Two signatures by the same signer; the contracts need strictly ascending distinct signers. */
export class DuplicateSignerError extends NonRetryableError {
  override name = "DuplicateSignerError";
  /** The repeated signer. */
  readonly signer: string;
  /** @param signer the repeated signer */
  constructor(signer: string) {
    super(`Two signatures by ${signer}; a quorum needs distinct signers.`);
    this.signer = signer;
  }
}
