import { collateralRowConfig } from "../../indexer/lib/collateralRowConfig.js";
import {
  type AccountMarginReturnType,
  accountMargin,
  type MarginCollateral,
  type MarginRequirement,
} from "../../shared/margin/accountMargin.js";
import { perpRequirement, priceToWad } from "../../shared/margin/marginMath.js";
import type { AccountRows } from "./readAccountRows.js";

/**
 * An account's margin recomputed straight from its raw rows with `shared/margin` (independently
 * of the indexer's own `computeAccountMargin`): collaterals in registration order priced by their
 * feed's answer, requirements from the positions at their market feed's price.
 *
 * @param rows the account's rows (`readAccountRows`)
 * @returns the margin over the vault balances and over the hub credits
 */
export function recomputeWithShared(rows: AccountRows): {
  vault: AccountMarginReturnType;
  credited: AccountMarginReturnType;
} {
  const answer = (feed: string) => rows.prices.find((p) => p.feed === feed)?.answer ?? 0n;
  const collaterals: MarginCollateral[] = [...rows.collaterals]
    .sort(
      (a, b) => Number(a.registeredBlock - b.registeredBlock) || a.registeredLogIndex - b.registeredLogIndex,
    )
    .map((c) => ({
      chainId: c.chainId,
      token: c.token,
      config: collateralRowConfig(c),
      feedDecimals: c.feedDecimals,
      price: answer(c.feed),
    }));
  const requirements: MarginRequirement[] = rows.positions.map((p) => {
    const market = rows.markets.find((m) => m.address === p.market);
    if (market === undefined || p.size === 0n) return { initialUsd: p.debtUsd, maintenanceUsd: p.debtUsd };
    const price = answer(market.feed);
    return perpRequirement({
      size: p.size,
      entryWad: p.entryPriceWad,
      priceWad: price > 0n ? priceToWad(price, market.feedDecimals) : p.entryPriceWad,
      initialMarginBps: market.initialMarginBps,
      maintenanceMarginBps: market.maintenanceMarginBps,
      debt: p.debtUsd,
    });
  });
  return {
    vault: accountMargin({ credits: rows.balances, collaterals, requirements }),
    credited: accountMargin({ credits: rows.credits, collaterals, requirements }),
  };
}
