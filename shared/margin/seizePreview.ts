import type { Address } from "viem";
import type { MarginCollateral } from "./accountMargin.js";
import { applyBps, BPS, value } from "./marginMath.js";
import { big, mulDiv, uint256 } from "./uint256.js";

/** A registered collateral as a liquidation sees it: its margin configuration plus its bonus. */
export type SeizeCollateral = MarginCollateral & {
  /** `IMarginHub.CollateralConfig.liquidationBonusBps`. */
  liquidationBonusBps: number;
};

/** What one liquidation would take of one collateral for one consumer (one or two SEIZE commands). */
export type PreviewSeizure = {
  chainId: bigint;
  token: Address;
  /** Index of the consumer (in the order given) whose debt this pays. */
  consumer: number;
  /** Token units to the consumer's settlement address. */
  owedAmount: bigint;
  /** Token units of bonus to the liquidator's recipient. */
  bonusAmount: bigint;
  /** The part of the consumer's debt these cover, USD with 18 decimals. */
  coveredUsd: bigint;
};

/** Parameters of {@link seizePreview}. */
export type SeizePreviewParameters = {
  /** The account's credited balances per (chain, token): the whole credit is seizable (no cap). */
  credits: readonly { chainId: bigint | number; token: Address; balance: bigint }[];
  /** Every registered collateral in the hub's registration order, with the prices to liquidate at. */
  collaterals: readonly SeizeCollateral[];
  /** What each consumer reports as owed (`onLiquidation`), in the hub's consumer order. */
  owedUsd: readonly bigint[];
};

/** Return type of {@link seizePreview}. */
export type SeizePreviewReturnType = {
  /** Every non-empty seizure in the order the hub would order them. */
  seizures: PreviewSeizure[];
  /** Σ owed (`Liquidated.owedUsd`). */
  owedUsd: bigint;
  /** Σ covered (`Liquidated.seizedUsd`); `owedUsd − coveredUsd` is the bad debt. */
  coveredUsd: bigint;
};

/**
 * `HubRisk.seizeAmounts`: what a liquidation takes of one collateral at its price while
 * `remainingUsd` is owed: the value `min(value of the whole credit, remaining·(10000+bonus)/10000)`,
 * split into the debt's part (rounded up) and the bonus.
 *
 * @param collateral the collateral with its price (a non-positive price takes nothing)
 * @param credit the account's whole credit of it
 * @param remainingUsd what is still owed
 * @returns owed and bonus token units, and the USD of the debt they cover (≤ remainingUsd)
 * @throws {MarginMathOverflowError} where the hub would revert
 */
export function seizeAmounts(
  collateral: SeizeCollateral,
  credit: bigint,
  remainingUsd: bigint,
): { owedAmount: bigint; bonusAmount: bigint; coveredUsd: bigint } {
  const price = collateral.price > 0n ? collateral.price : 0n;
  const valueUsd = value(
    uint256("credit", credit),
    collateral.config.tokenDecimals,
    price,
    collateral.feedDecimals,
  );
  if (valueUsd === 0n) return { owedAmount: 0n, bonusAmount: 0n, coveredUsd: 0n };
  const withBonus = BPS + big("liquidationBonusBps", collateral.liquidationBonusBps);
  const maxTakeUsd = applyBps(uint256("remainingUsd", remainingUsd), withBonus);
  let amount: bigint;
  let coveredUsd: bigint;
  if (valueUsd < maxTakeUsd) {
    amount = credit;
    coveredUsd = mulDiv(valueUsd, BPS, withBonus);
  } else {
    amount = mulDiv(credit, maxTakeUsd, valueUsd);
    coveredUsd = amount === 0n ? 0n : remainingUsd;
  }
  // Math.mulDiv(amount, BPS, withBonus, Ceil): the debt's share rounds up.
  const owedAmount = (amount * BPS + withBonus - 1n) / withBonus;
  return { owedAmount, bonusAmount: amount - owedAmount, coveredUsd };
}

/**
 * What `MarginHub.liquidate` would order, given the consumers' owed amounts: per consumer
 * (`_seizeFor`), the collaterals in registration order, each on the account's whole remaining
 * credit (`_quoteSeize`, a credit lowered by every earlier order), until the consumer is covered.
 * Every price is taken as fresh: the hub's second pass over stale-priced collaterals is the same
 * pass here (see the README's stress-test section).
 *
 * @param parameters credits, collaterals with the prices to liquidate at, owed amounts
 * @returns the seizures, Σ owed and Σ covered
 * @throws {MarginMathOverflowError} where the hub would revert
 * @example
 * seizePreview({ credits, collaterals, owedUsd: [1_060n * 10n ** 18n] }).seizures;
 */
export function seizePreview(parameters: SeizePreviewParameters): SeizePreviewReturnType {
  const credits = new Map<string, bigint>();
  for (const c of parameters.credits) credits.set(keyOf(c.chainId, c.token), uint256("balance", c.balance));
  const seizures: PreviewSeizure[] = [];
  let owedTotal = 0n;
  let coveredTotal = 0n;
  parameters.owedUsd.forEach((owed, consumer) => {
    if (owed === 0n) return;
    owedTotal += owed;
    let remaining = owed;
    for (const collateral of parameters.collaterals) {
      if (remaining === 0n) break;
      const key = keyOf(collateral.chainId, collateral.token);
      const credit = credits.get(key) ?? 0n;
      if (credit === 0n) continue;
      const taken = seizeAmounts(collateral, credit, remaining);
      // covered ≤ remaining (seizeAmounts), and owed + bonus ≤ credit.
      remaining -= taken.coveredUsd;
      coveredTotal += taken.coveredUsd;
      credits.set(key, credit - taken.owedAmount - taken.bonusAmount);
      if (taken.owedAmount === 0n && taken.bonusAmount === 0n) continue;
      seizures.push({
        chainId: big("chainId", collateral.chainId),
        token: collateral.token,
        consumer,
        ...taken,
      });
    }
  });
  return { seizures, owedUsd: owedTotal, coveredUsd: coveredTotal };
}

function keyOf(chainId: bigint | number, token: Address): string {
  return `${big("chainId", chainId)}:${token.toLowerCase()}`;
}
