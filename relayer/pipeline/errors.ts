import { NonRetryableError, RetryableError } from "../../shared/errors/BaseError.js";

/** One attester's answer that did not give a signature. */
export type AttesterFailure = { attester: string; error: string; retryable: boolean };

/** Fewer than `threshold` attesters signed this time; some may sign later (down, not final yet). */
export class QuorumNotReachedError extends RetryableError {
  override name = "QuorumNotReachedError";
  readonly failures: readonly AttesterFailure[];

  /**
   * @param signed signatures gathered
   * @param threshold signatures needed
   * @param failures why the others did not sign
   */
  constructor(signed: number, threshold: number, failures: readonly AttesterFailure[]) {
    super(`Quorum not reached: ${signed} of ${threshold} signatures.`, {
      metaMessages: failures.map((f) => `${f.attester}: ${f.error}`),
    });
    this.failures = failures;
  }
}

/** So many attesters refused the claim (it does not match the chain) that no quorum can ever sign it. */
export class QuorumRefusedError extends NonRetryableError {
  override name = "QuorumRefusedError";
  readonly failures: readonly AttesterFailure[];

  /**
   * @param threshold signatures needed
   * @param failures the refusals and other failures
   */
  constructor(threshold: number, failures: readonly AttesterFailure[]) {
    super(`The attesters refused the claim: a quorum of ${threshold} can no longer sign it.`, {
      metaMessages: failures.map((f) => `${f.attester}: ${f.error}`),
    });
    this.failures = failures;
  }
}
