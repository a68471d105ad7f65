import type { Address } from "viem";
import { MarginMathInputError } from "./errors.js";
import { applyBps, BPS, concentrationBps, healthFactor, value } from "./marginMath.js";
import { add, big, uint256 } from "./uint256.js";

/** The parts of `IMarginHub.CollateralConfig` the valuation reads. */
export type MarginCollateralConfig = {
  /** The token's decimals on its own chain. */
  tokenDecimals: number;
  /** adjusted value = value × (10000 − haircutBps) / 10000 */
  haircutBps: number;
  /** liquidation value = value × liquidationThresholdBps / 10000 */
  liquidationThresholdBps: number;
  /** At most this many token units count (0 = no cap). */
  capPerAccount: bigint;
  /** `MarginHub.concentration(chainId, token)`; absent or all zero = off. */
  concentration?: MarginConcentration;
};

/** `IMarginHub.Concentration`: the size-scaled discount on top of the haircut. */
export type MarginConcentration = {
  /** Token units at which the linear part reaches `scalarBps` (0 = off). */
  scale: bigint;
  scalarBps: number;
  /** Floor and cap of the discount in bps. */
  lowerBps: number;
  upperBps: number;
};

/** The bps weights of one collateral's value for a counted amount (`MarginHubBase._valuation`). */
export type CollateralWeights = {
  /** The concentration discount: `clamp(counted × scalar / scale, lower, upper)`, 0 when off. */
  discountBps: bigint;
  /** `10000 − haircut − discount`: adjusted value = value × adjustedBps / 10000. */
  adjustedBps: bigint;
  /** `liquidationThreshold − discount`: liquidation value = value × liquidationBps / 10000. */
  liquidationBps: bigint;
};

/** One registered collateral with its configuration and current price. */
export type MarginCollateral = {
  /** The collateral's chain. */
  chainId: bigint | number;
  /** The token's address on its chain. */
  token: Address;
  /** Its risk configuration on the hub. */
  config: MarginCollateralConfig;
  /** The feed's decimals (the hub caches them when the collateral is configured). */
  feedDecimals: number;
  /** The feed's latest answer (int256); a non-positive answer values the collateral at 0, like the hub's views. */
  price: bigint;
};

/** An account's credited balance of one collateral on the hub. */
export type MarginCredit = {
  chainId: bigint | number;
  token: Address;
  /** Credited token units. */
  balance: bigint;
};

/** One consumer's requirement for the account (`IMarginConsumer.marginRequirement`). */
export type MarginRequirement = { initialUsd: bigint; maintenanceUsd: bigint };

/** Parameters of {@link accountMargin}. */
export type AccountMarginParameters = {
  /** The account's credits; collaterals without an entry count as 0, entries for unregistered collaterals are ignored. */
  credits: readonly MarginCredit[];
  /** Every registered collateral, in the hub's registration order (`MarginHub.collaterals()`). */
  collaterals: readonly MarginCollateral[];
  /** Each registered consumer's requirement for the account. */
  requirements: readonly MarginRequirement[];
};

/** `IMarginHub.Margin`: an account's full margin picture, USD with 18 decimals. */
export type AccountMarginReturnType = {
  /** Oracle value of the counted collateral. */
  collateralUsd: bigint;
  /** Haircut-adjusted value (must cover `initialUsd`). */
  adjustedUsd: bigint;
  /** Liquidation-threshold-weighted value (must cover `maintenanceUsd`). */
  liquidationUsd: bigint;
  /** Sum of the consumers' initial requirements. */
  initialUsd: bigint;
  /** Sum of the consumers' maintenance requirements. */
  maintenanceUsd: bigint;
  /** `liquidationUsd / maintenanceUsd` with 18 decimals; `2^256 − 1` without a requirement. */
  healthFactor: bigint;
};

/**
 * An account's margin exactly as `MarginHub.accountMargin` computes it: per collateral with
 * credit, in registration order, `counted = min(credit, cap)` (cap 0 = none), its value, then
 * `adjusted` and `liquidation` (weights from {@link collateralWeights}, so the concentration
 * discount of `counted` lowers both) each floored per collateral and summed; requirements summed over
 * consumers; the health factor from the sums. Prices are used as given (no staleness check).
 *
 * @param parameters credits, registered collaterals with prices, consumer requirements
 * @returns the margin
 * @throws {MarginMathOverflowError} where the hub would revert
 * @throws {MarginMathInputError} for a duplicate credit or an out-of-range input
 */
export function accountMargin(parameters: AccountMarginParameters): AccountMarginReturnType {
  const credits = creditIndex(parameters.credits);
  let collateralUsd = 0n;
  let adjustedUsd = 0n;
  let liquidationUsd = 0n;
  for (const collateral of parameters.collaterals) {
    const credit = credits.get(keyOf(collateral.chainId, collateral.token)) ?? 0n;
    if (credit === 0n) continue;
    const v = countedValue(collateral, credit);
    const w = collateralWeights(collateral.config, countedAmount(collateral.config, credit));
    collateralUsd = add(collateralUsd, v);
    adjustedUsd = add(adjustedUsd, applyBps(v, w.adjustedBps));
    liquidationUsd = add(liquidationUsd, applyBps(v, w.liquidationBps));
  }
  let initialUsd = 0n;
  let maintenanceUsd = 0n;
  for (const requirement of parameters.requirements) {
    initialUsd = add(initialUsd, uint256("initialUsd", requirement.initialUsd));
    maintenanceUsd = add(maintenanceUsd, uint256("maintenanceUsd", requirement.maintenanceUsd));
  }
  return {
    collateralUsd,
    adjustedUsd,
    liquidationUsd,
    initialUsd,
    maintenanceUsd,
    healthFactor: healthFactor(liquidationUsd, maintenanceUsd),
  };
}

/**
 * The USD value of the counted part of a credit (`HubRisk.countedValue`, non-strict price).
 *
 * @param collateral the collateral, its config and price
 * @param credit credited token units
 * @returns USD with 18 decimals
 */
export function countedValue(collateral: MarginCollateral, credit: bigint): bigint {
  const counted = countedAmount(collateral.config, credit);
  const price = collateral.price > 0n ? collateral.price : 0n;
  return value(counted, collateral.config.tokenDecimals, price, collateral.feedDecimals);
}

/**
 * The counted part of a credit (`HubRisk.counted`): `min(credit, cap)`, cap 0 = none.
 *
 * @param config the collateral's configuration
 * @param credit credited token units
 * @returns counted token units
 */
export function countedAmount(config: MarginCollateralConfig, credit: bigint): bigint {
  const cap = uint256("capPerAccount", config.capPerAccount);
  return cap !== 0n && uint256("credit", credit) > cap ? cap : credit;
}

/**
 * The weights the hub applies to one collateral's value for `counted` token units: the
 * concentration discount (independent of the price) lowers both the adjusted and the liquidation
 * weight. The hub's configuration checks keep `haircut + upper < 10000 ≤ threshold + haircut`.
 *
 * @param config the collateral's configuration
 * @param counted counted token units ({@link countedAmount})
 * @returns the discount and both weights in bps
 * @throws {MarginMathInputError} when the discount exceeds a weight (a configuration the hub rejects)
 */
export function collateralWeights(config: MarginCollateralConfig, counted: bigint): CollateralWeights {
  const c = config.concentration;
  const discountBps =
    c === undefined ? 0n : concentrationBps(counted, c.scale, c.scalarBps, c.lowerBps, c.upperBps);
  const adjustedBps = BPS - big("haircutBps", config.haircutBps) - discountBps;
  const liquidationBps = big("liquidationThresholdBps", config.liquidationThresholdBps) - discountBps;
  if (adjustedBps < 0n || liquidationBps < 0n)
    throw new MarginMathInputError("concentration.upperBps", "haircut + upper < 10000", discountBps);
  return { discountBps, adjustedBps, liquidationBps };
}

/**
 * Whether the margin allows withdrawals and new positions: `adjustedUsd ≥ initialUsd`.
 *
 * @param margin an account's margin
 * @returns true when healthy
 */
export function isHealthy(margin: Pick<AccountMarginReturnType, "adjustedUsd" | "initialUsd">): boolean {
  return margin.adjustedUsd >= margin.initialUsd;
}

/**
 * Whether the account can be liquidated: `liquidationUsd < maintenanceUsd`.
 *
 * @param margin an account's margin
 * @returns true when liquidatable
 */
export function isLiquidatable(
  margin: Pick<AccountMarginReturnType, "liquidationUsd" | "maintenanceUsd">,
): boolean {
  return margin.liquidationUsd < margin.maintenanceUsd;
}

function keyOf(chainId: bigint | number, token: Address): string {
  return `${big("chainId", chainId)}:${token.toLowerCase()}`;
}

function creditIndex(credits: readonly MarginCredit[]): Map<string, bigint> {
  const index = new Map<string, bigint>();
  for (const credit of credits) {
    const key = keyOf(credit.chainId, credit.token);
    if (index.has(key))
      throw new MarginMathInputError(`credits[${key}]`, "one credit per collateral", credit.balance);
    index.set(key, uint256("balance", credit.balance));
  }
  return index;
}
