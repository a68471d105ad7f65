import type { Address } from "viem";
import type { accountMargin, collateralLine, requirementLine, withdrawal } from "../../ponder.schema.js";
import type { distanceAnswer } from "./distanceAnswer.js";

type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

const MAX_UINT256 = 2n ** 256n - 1n;

/** What `GET /accounts/:address/margin` reads: the account's rows of the margin views, and its open withdrawals. */
export type MarginRows = {
  /** Absent for an account with no balance, credit, position or debt. */
  margin: Row<typeof accountMargin> | undefined;
  lines: readonly Row<typeof collateralLine>[];
  requirements: readonly Row<typeof requirementLine>[];
  withdrawals: readonly Row<typeof withdrawal>[];
};

/** Parameters of {@link marginAnswer}. */
export type MarginAnswerParameters = {
  account: Address;
  rows: MarginRows;
  /** Chain names by chain id (from the config). */
  chainNames: ReadonlyMap<number, string>;
  /** Only list this chain's collaterals, uncredited amounts and withdrawals (totals stay account-wide). */
  chainId?: number | undefined;
};

const text = (value: bigint | null | undefined) =>
  value === null || value === undefined ? null : value.toString();

/**
 * The JSON body of `GET /accounts/:address/margin`: the `account_margin`, `collateral_line` and
 * `requirement_line` view rows as they are (bigints as decimal strings), shaped per collateral,
 * totals, health and positions, plus open withdrawals and what the hub has not credited yet.
 *
 * @param parameters the account, its rows, chain names and an optional chain filter
 * @returns the JSON body
 */
export function marginAnswer(parameters: MarginAnswerParameters) {
  const { rows, chainId } = parameters;
  const m = rows.margin;
  const inChain = <T extends { chainId: number }>(items: readonly T[]) =>
    chainId === undefined ? [...items] : items.filter((item) => item.chainId === chainId);
  const collaterals = inChain(rows.lines).map((l) => ({
    chainId: l.chainId,
    chain: parameters.chainNames.get(l.chainId) ?? null,
    token: l.token,
    symbol: l.symbol,
    registered: l.registered,
    tokenDecimals: l.tokenDecimals,
    balance: l.balance.toString(),
    pending: l.pending.toString(),
    seq: l.seq.toString(),
    credited: l.credited.toString(),
    creditedSeq: text(l.creditedSeq),
    uncredited: l.uncredited.toString(),
    price: { feed: l.feed, answer: l.price.toString(), decimals: l.feedDecimals },
    valueUsd: text(l.valueUsd),
    haircutBps: l.haircutBps,
    /** The concentration haircut's discount of this balance and of the credit (bps, 0 when off). */
    discountBps: l.discountBps,
    creditedDiscountBps: l.creditedDiscountBps,
    adjustedUsd: text(l.adjustedUsd),
    liquidationThresholdBps: l.liquidationThresholdBps,
    liquidationUsd: text(l.liquidationUsd),
    creditedValueUsd: text(l.creditedValueUsd),
    creditedAdjustedUsd: text(l.creditedAdjustedUsd),
    uncreditedUsd: text(l.uncreditedUsd),
  }));
  return {
    account: parameters.account,
    chainId: chainId ?? null,
    computable: m?.computable ?? true,
    collaterals,
    totals: {
      collateralUsd: text(m === undefined ? 0n : m.collateralUsd),
      adjustedUsd: text(m === undefined ? 0n : m.adjustedUsd),
      liquidationUsd: text(m === undefined ? 0n : m.liquidationUsd),
      initialUsd: text(m === undefined ? 0n : m.initialUsd),
      maintenanceUsd: text(m === undefined ? 0n : m.maintenanceUsd),
      creditedCollateralUsd: text(m === undefined ? 0n : m.creditedCollateralUsd),
      creditedAdjustedUsd: text(m === undefined ? 0n : m.creditedAdjustedUsd),
      creditedLiquidationUsd: text(m === undefined ? 0n : m.creditedLiquidationUsd),
      uncreditedUsd: text(m === undefined ? 0n : m.uncreditedUsd),
    },
    health: {
      healthFactor: text(m === undefined ? MAX_UINT256 : m.healthFactor),
      healthy: m?.healthy ?? true,
      liquidatable: m?.liquidatable ?? false,
      creditedHealthFactor: text(m === undefined ? MAX_UINT256 : m.creditedHealthFactor),
    },
    chainCount: m?.chainCount ?? 0,
    positions: rows.requirements.map((r) => ({
      market: r.market,
      symbol: r.symbol,
      size: r.size.toString(),
      entryPriceWad: r.entryPriceWad.toString(),
      priceWad: text(r.priceWad),
      debtUsd: r.debtUsd.toString(),
      initialUsd: text(r.initialUsd),
      maintenanceUsd: text(r.maintenanceUsd),
    })),
    pendingWithdrawals: inChain(rows.withdrawals).map((w) => ({
      requestGuid: w.requestGuid,
      chainId: w.chainId,
      token: w.token,
      amount: w.amount.toString(),
      status: w.status,
      commandGuid: w.commandGuid,
      requestTimestamp: text(w.requestTimestamp),
    })),
    uncredited: collaterals
      .filter((c) => c.uncredited !== "0")
      .map((c) => ({
        chainId: c.chainId,
        token: c.token,
        symbol: c.symbol,
        vaultBalance: c.balance,
        credited: c.credited,
        amount: c.uncredited,
        valueUsd: c.uncreditedUsd,
      })),
  };
}

/** The JSON body of `GET /accounts/:address/margin`, with the distance to liquidation beside it. */
export type MarginAnswer = ReturnType<typeof marginAnswer> & {
  distanceToLiquidation: ReturnType<typeof distanceAnswer>;
};
