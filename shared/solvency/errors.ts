import { NonRetryableError } from "../errors/BaseError.js";

/** A leaf value or a node sum outside uint256 (negative, or above 2^256 − 1): the tree refuses it. */
export class SumTreeRangeError extends NonRetryableError {
  override name = "SumTreeRangeError";
  /** What was out of range, e.g. `value of 0xab…` or `sum of leaves 0–3`. */
  readonly field: string;
  /** The offending figure. */
  readonly value: bigint;
  /**
   * @param field what was out of range
   * @param value the figure
   */
  constructor(field: string, value: bigint) {
    super(
      `Solvency tree: ${field} is ${value < 0n ? "negative" : "above 2^256 − 1"} (${value}); sums must be uint256.`,
    );
    this.field = field;
    this.value = value;
  }
}

/** Two leaves for one account: a tree has one leaf per account. */
export class SumTreeDuplicateLeafError extends NonRetryableError {
  override name = "SumTreeDuplicateLeafError";
  /** @param account the repeated account */
  constructor(account: string) {
    super(`Solvency tree: account ${account} has more than one leaf.`);
  }
}

/** A malformed solvency proof (JSON shape, hex, decimal strings): names the field and what was expected. */
export class SumProofFormatError extends NonRetryableError {
  override name = "SumProofFormatError";
  /** Dotted path of the offending field, e.g. `siblings.2.sum`. */
  readonly field: string;
  /**
   * @param field the field's path
   * @param message what was expected and what was received
   */
  constructor(field: string, message: string) {
    super(`Malformed solvency proof: ${field === "" ? "" : `${field}: `}${message}`);
    this.field = field;
  }
}
