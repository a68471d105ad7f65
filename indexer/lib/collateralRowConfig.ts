import type { MarginCollateralConfig } from "../../shared/margin/accountMargin.js";

/** The columns of a `collateral` row the margin math reads. */
export type CollateralConfigRow = {
  tokenDecimals: number;
  haircutBps: number;
  liquidationThresholdBps: number;
  capPerAccount: bigint;
  concentrationScale: bigint;
  concentrationScalarBps: number;
  concentrationLowerBps: number;
  concentrationUpperBps: number;
};

/**
 * A `collateral` row as `shared/margin`'s configuration, its concentration haircut included
 * (all zero = off), so the stress test and the distance to liquidation discount like the hub.
 *
 * @param row the collateral row
 * @returns its margin configuration
 */
export function collateralRowConfig(row: CollateralConfigRow): MarginCollateralConfig {
  return {
    tokenDecimals: row.tokenDecimals,
    haircutBps: row.haircutBps,
    liquidationThresholdBps: row.liquidationThresholdBps,
    capPerAccount: row.capPerAccount,
    concentration: {
      scale: row.concentrationScale,
      scalarBps: row.concentrationScalarBps,
      lowerBps: row.concentrationLowerBps,
      upperBps: row.concentrationUpperBps,
    },
  };
}
