import { NonRetryableError } from "../errors/BaseError.js";

/**
 * The Solidity `MarginMath` would revert here: a uint256/int256 overflow (checked arithmetic,
 * `10 ** x`, `Math.mulDiv`'s result, `SafeCast.toInt256`) or a division by zero.
 */
export class MarginMathOverflowError extends NonRetryableError {
  override name = "MarginMathOverflowError";
  /** The operation that overflowed. */
  readonly operation: string;
  /**
   * @param operation the operation, e.g. `"mul"`, `"mulDiv"`, `"toInt256"`
   * @param details the operands
   */
  constructor(operation: string, details: string) {
    super(`MarginMath would revert: ${operation} overflows.`, { details });
    this.operation = operation;
  }
}

/** An input outside its Solidity type (a negative uint, decimals above 255, …); such a call cannot be made on-chain. */
export class MarginMathInputError extends NonRetryableError {
  override name = "MarginMathInputError";
  /**
   * @param field the input's name
   * @param expected its Solidity type or range
   * @param value the value given
   */
  constructor(field: string, expected: string, value: bigint | number) {
    super(`Invalid margin math input ${field}: expected ${expected}, got ${value}.`);
  }
}
