import type { Address } from "viem";
import { type LiquidationPoint, liquidationDistance } from "../../../shared/margin/liquidationDistance.js";
import type { collateral, collateralLine, perpMarket, requirementLine } from "../../ponder.schema.js";
import { collateralRowConfig } from "../collateralRowConfig.js";
import { formatWad } from "./parseShocks.js";

type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

/** What the distance to liquidation reads beyond the account's margin rows. */
export type DistanceRows = {
  /** Every configured collateral, in the hub's registration order. */
  collaterals: readonly Row<typeof collateral>[];
  /** Every perp market, by address. */
  markets: readonly Row<typeof perpMarket>[];
  /** The account's collateral lines (their `credited` amounts) and requirement lines (its positions and debts). */
  lines: readonly Row<typeof collateralLine>[];
  requirements: readonly Row<typeof requirementLine>[];
};

const point = (p: LiquidationPoint | null) =>
  p === null ? null : { liquidationAnswer: p.answer.toString(), move: formatWad(p.moveWad) };

/**
 * The `distanceToLiquidation` of `GET /accounts/:address/margin`: over the hub's credits, per
 * credited collateral the answer its feed must fall to (and the relative move) for the account to
 * turn liquidatable with every other price unchanged, and per market with a position the answers
 * below and above (`shared/margin/liquidationDistance.ts`). Null where the hub's math would revert.
 *
 * @param rows configured collaterals and markets, the account's lines
 * @returns the JSON field
 */
export function distanceAnswer(rows: DistanceRows) {
  const symbolOf = new Map(rows.collaterals.map((c) => [`${c.chainId}:${c.token}`, c.symbol]));
  const marketSymbol = new Map(rows.markets.map((m) => [m.address, m.symbol]));
  let distance: ReturnType<typeof liquidationDistance>;
  try {
    distance = liquidationDistance({
      credits: rows.lines.map((l) => ({ chainId: l.chainId, token: l.token, balance: l.credited })),
      collaterals: rows.collaterals.map((c) => ({
        chainId: c.chainId,
        token: c.token,
        config: collateralRowConfig(c),
        feedDecimals: c.feedDecimals,
        price: c.answer,
        liquidationBonusBps: c.liquidationBonusBps,
      })),
      markets: rows.markets.map((m) => ({
        address: m.address,
        feedDecimals: m.feedDecimals,
        initialMarginBps: m.initialMarginBps,
        maintenanceMarginBps: m.maintenanceMarginBps,
        price: m.answer,
        minPositionNotionalUsd: m.minPositionNotionalUsd,
      })),
      positions: rows.requirements.map((r) => ({
        market: r.market,
        size: r.size,
        entryWad: r.entryPriceWad,
        debtUsd: r.debtUsd,
      })),
    });
  } catch {
    return null; // beyond the hub's uint256/int256 math: the account is not computable
  }
  return {
    basis: "credited" as const,
    liquidatable: distance.liquidatable,
    collaterals: distance.collaterals.map((c) => ({
      chainId: Number(c.chainId),
      token: c.token,
      symbol: symbolOf.get(`${c.chainId}:${c.token}`) ?? null,
      answer: c.answer.toString(),
      down: point(c.down),
    })),
    markets: distance.markets.map((m) => ({
      market: m.market as Address,
      symbol: marketSymbol.get(m.market) ?? null,
      answer: m.answer.toString(),
      down: point(m.down),
      up: point(m.up),
    })),
  };
}
