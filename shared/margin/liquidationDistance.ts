import type { Address } from "viem";
import { accountMargin, collateralWeights, countedAmount } from "./accountMargin.js";
import { BPS, WAD } from "./marginMath.js";
import { marketRequirement, type StressAccountParameters } from "./stressAccount.js";
import { big, MAX_INT256 } from "./uint256.js";

/** A price at which the account turns liquidatable, and the relative move that reaches it. */
export type LiquidationPoint = {
  /** The feed answer: at it (and beyond it, away from the current answer) the account is liquidatable. */
  answer: bigint;
  /** The move, 18 decimals, that `POST /stress` would need (the one nearest zero that reaches `answer`). */
  moveWad: bigint;
};

/** Return type of {@link liquidationDistance}. */
export type LiquidationDistanceReturnType = {
  /** Liquidatable at the current prices (then no distance is computed). */
  liquidatable: boolean;
  /** Per credited collateral with a positive price: where a fall of its price alone liquidates (null: no fall does). */
  collaterals: { chainId: bigint; token: Address; answer: bigint; down: LiquidationPoint | null }[];
  /** Per market with a position: where a fall or a rise of its price alone liquidates (null: none does). */
  markets: { market: Address; answer: bigint; down: LiquidationPoint | null; up: LiquidationPoint | null }[];
};

/**
 * The distance to liquidation: for each credited collateral and each market with a position, the
 * feed answer at which `MarginHub.isLiquidatable` turns true when that one price moves and every
 * other stays. A collateral (credit `c` counted up to its cap, threshold `t` bps less its
 * concentration discount, which does not move with the price) must fall until
 * `applyBps(value(c, p), t) < maintenance − (liquidation value of the others)`: solved exactly for
 * the largest such `p`. A market's requirement is piecewise linear in its price (loss below a
 * long's entry, notional × margin everywhere): the crossing is found by bisection on the side
 * where it moves one way, with the same bigint math, so the answer found liquidates and the next
 * one towards the current price does not.
 *
 * @param parameters credits, collaterals, markets at their current prices, positions
 * @returns per collateral and market, the liquidating answer and move (null: none)
 * @throws {MarginMathOverflowError} where the hub would revert at the current prices
 */
export function liquidationDistance(parameters: StressAccountParameters): LiquidationDistanceReturnType {
  const byMarket = new Map(parameters.positions.map((p) => [p.market.toLowerCase(), p]));
  const requirements = parameters.markets.map((m) =>
    marketRequirement(m, byMarket.get(m.address.toLowerCase())),
  );
  const margin = accountMargin({ ...parameters, requirements });
  const priced = requirements.every((r) => r.priced);
  const maintenance = margin.maintenanceUsd;
  const liquidatable = maintenance !== 0n && priced && margin.liquidationUsd < maintenance;
  const result: LiquidationDistanceReturnType = { liquidatable, collaterals: [], markets: [] };
  if (liquidatable) return result;

  const credits = new Map(
    parameters.credits.map((c) => [`${big("chainId", c.chainId)}:${c.token.toLowerCase()}`, c]),
  );
  for (const col of parameters.collaterals) {
    const credit = credits.get(`${big("chainId", col.chainId)}:${col.token.toLowerCase()}`)?.balance ?? 0n;
    if (credit === 0n || col.price <= 0n) continue;
    const counted = countedAmount(col.config, credit);
    const alone = accountMargin({
      credits: [{ chainId: col.chainId, token: col.token, balance: credit }],
      collaterals: [col],
      requirements: [],
    });
    // Only this collateral's price moves: the account turns liquidatable once its liquidation value is below `target`.
    const target = maintenance - (margin.liquidationUsd - alone.liquidationUsd);
    const answer =
      maintenance === 0n || !priced || target <= 0n
        ? null
        : highestAnswer(
            counted,
            col.config.tokenDecimals,
            col.feedDecimals,
            collateralWeights(col.config, counted).liquidationBps,
            target,
          );
    result.collaterals.push({
      chainId: big("chainId", col.chainId),
      token: col.token,
      answer: col.price,
      down: answer === null ? null : { answer, moveWad: downMove(col.price, answer) },
    });
  }

  parameters.markets.forEach((market, i) => {
    const position = byMarket.get(market.address.toLowerCase());
    if (position === undefined || position.size === 0n || market.price <= 0n) return;
    const others = requirements.reduce((sum, r, j) => (j === i ? sum : sum + r.maintenanceUsd), 0n);
    const othersPriced = requirements.every((r, j) => j === i || r.priced);
    // Liquidatable at answer a ⟺ requirement(a) > liquidationUsd − others.
    const target = margin.liquidationUsd - others;
    const liquidatesAt = (a: bigint) => {
      try {
        return marketRequirement({ ...market, price: a }, position).maintenanceUsd > target;
      } catch {
        return false; // the market's math reverts this far out: no liquidation the hub could compute
      }
    };
    const scale = 10n ** BigInt(Math.max(18 - market.feedDecimals, 0));
    const entryAnswer = position.entryWad / scale;
    const long = position.size > 0n;
    let down: LiquidationPoint | null = null;
    let up: LiquidationPoint | null = null;
    if (othersPriced && long) {
      const top = market.price - 1n < entryAnswer ? market.price - 1n : entryAnswer;
      const a = top >= 1n && liquidatesAt(1n) ? lastTrue(1n, top, liquidatesAt) : null;
      if (a !== null) down = { answer: a, moveWad: downMove(market.price, a) };
    }
    if (othersPriced) {
      const bottom = long && entryAnswer + 1n > market.price + 1n ? entryAnswer + 1n : market.price + 1n;
      const a = firstTrue(bottom, liquidatesAt);
      if (a !== null) up = { answer: a, moveWad: upMove(market.price, a) };
    }
    result.markets.push({ market: market.address, answer: market.price, down, up });
  });
  return result;
}

/** Largest answer `p ≥ 0` with `applyBps(value(counted, p), thresholdBps) < target` (target > 0). */
function highestAnswer(
  counted: bigint,
  tokenDecimals: number,
  feedDecimals: number,
  thresholdBps: bigint,
  target: bigint,
): bigint | null {
  if (thresholdBps <= 0n) return null;
  // floor(v·t/10000) ≤ target − 1 ⟺ v·t < target·10000 ⟺ v ≤ ceil(target·10000/t) − 1.
  const t = thresholdBps;
  const maxValue = (target * BPS + t - 1n) / t - 1n;
  const d = tokenDecimals + feedDecimals;
  if (d >= 18) {
    // floor(c·p/D) ≤ maxValue ⟺ c·p < (maxValue + 1)·D.
    const D = 10n ** BigInt(d - 18);
    return ((maxValue + 1n) * D + counted - 1n) / counted - 1n;
  }
  return maxValue / (counted * 10n ** BigInt(18 - d));
}

/** The move nearest zero whose `shockAnswer` (rounding down) is at most `to`: `ceil((to+1)·1e18/from) − 1 − 1e18`. */
function downMove(from: bigint, to: bigint): bigint {
  return ((to + 1n) * WAD + from - 1n) / from - 1n - WAD;
}

/** The move nearest zero whose `shockAnswer` (rounding up) is at least `to`: `floor((to−1)·1e18/from) + 1 − 1e18`. */
function upMove(from: bigint, to: bigint): bigint {
  return ((to - 1n) * WAD) / from + 1n - WAD;
}

/** Largest x in [lo, hi] with f(x), given f(lo) and f true then false across the range. */
function lastTrue(lo: bigint, hi: bigint, f: (x: bigint) => boolean): bigint {
  let [a, b] = [lo, hi];
  while (a < b) {
    const mid = (a + b + 1n) / 2n;
    if (f(mid)) a = mid;
    else b = mid - 1n;
  }
  return a;
}

/** Smallest x ≥ lo with f(x), f false then true; null when none below int256's reach. */
function firstTrue(lo: bigint, f: (x: bigint) => boolean): bigint | null {
  if (f(lo)) return lo;
  let step = 1n;
  let hi = lo + step;
  while (!f(hi)) {
    if (hi > MAX_INT256) return null;
    step *= 2n;
    hi = lo + step;
  }
  let a = hi - step / 2n; // f(a) is false
  let b = hi;
  while (b - a > 1n) {
    const mid = (a + b) / 2n;
    if (f(mid)) b = mid;
    else a = mid;
  }
  return b;
}
