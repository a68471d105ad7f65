import { MarginMathInputError } from "./errors.js";
import { WAD } from "./marginMath.js";

/**
 * A feed answer moved by a relative shock: `answer × (1 + shock)`, the shock with 18 decimals
 * (`-0.3` = `-3e17`). The product rounds away from the old answer (down for a fall, up for a
 * rise), so the applied move is never smaller than the one asked for; a shock whose exact product
 * is an integer is applied exactly. A non-positive answer is left as it is (the hub prices it 0
 * whatever the shock).
 *
 * @param answer the feed's answer (int256)
 * @param shockWad the relative move with 18 decimals, greater than −1e18
 * @returns the shocked answer
 * @throws {MarginMathInputError} when the shock is −100 % or below
 * @example
 * shockAnswer(3_500n * 10n ** 8n, -3n * 10n ** 17n); // 2_450n * 10n ** 8n
 */
export function shockAnswer(answer: bigint, shockWad: bigint): bigint {
  if (shockWad <= -WAD) throw new MarginMathInputError("shock", "a relative move above -1", shockWad);
  if (answer <= 0n) return answer;
  const product = answer * (WAD + shockWad);
  return shockWad < 0n ? product / WAD : (product + WAD - 1n) / WAD;
}
