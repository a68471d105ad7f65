import type { Address } from "viem";
import { expect } from "vitest";
import { marginHubAbi } from "../../shared/abis/generated.js";
import {
  type AccountMarginReturnType,
  isHealthy,
  isLiquidatable,
} from "../../shared/margin/accountMargin.js";
import type { ChainClients } from "./chainClients.js";
import { type AccountRows, readAccountRows } from "./readAccountRows.js";
import { recomputeWithShared } from "./recomputeWithShared.js";

/** Parameters of {@link assertEveryMarginField}. */
export type AssertEveryMarginFieldParameters = {
  /** The indexer's URL. */
  indexerUrl: string;
  /** The hub chain's clients (the hub's address is in its config entry). */
  hub: ChainClients;
  account: Address;
  /** Hub block to read `MarginHub.accountMargin` at (default: latest); the block the indexer caught up to. */
  hubBlock?: bigint;
};

/** Return type of {@link assertEveryMarginField}. */
export type AssertEveryMarginFieldReturnType = {
  rows: AccountRows;
  /** The `account_margin` columns recomputed from the raw rows (undefined: the account has no rows). */
  expected: ReturnType<typeof expectedColumns> | undefined;
  /** The hub's `accountMargin(account)`. */
  onChain: AccountMarginReturnType;
};

/**
 * Asserts that every column of the account's `account_margin` view row
 * equals its recomputation from the account's raw rows with `shared/margin` alone — the margin
 * over the vault balances, `healthy`, `liquidatable`, the credited margin, `uncreditedUsd` and
 * `chainCount` —, and that the credited margin equals the
 * hub's on-chain `MarginHub.accountMargin(account)`, field by field. An account without any raw
 * row must have no stored row either.
 *
 * @param parameters indexer, hub, account, hub block
 * @returns the rows, the expected columns and the hub's answer
 * @example
 * await assertEveryMarginField({ indexerUrl: net.indexer.url, hub: net.hub, account: trader.address });
 */
export async function assertEveryMarginField(
  parameters: AssertEveryMarginFieldParameters,
): Promise<AssertEveryMarginFieldReturnType> {
  const { account, hub } = parameters;
  const address = hub.chain.contracts.hub;
  if (address === undefined) throw new Error("assertEveryMarginField: the chain has no MarginHub");
  const rows = await readAccountRows(parameters.indexerUrl, account);
  const onChain = await hub.publicClient.readContract({
    address,
    abi: marginHubAbi,
    functionName: "accountMargin",
    args: [account],
    blockNumber: parameters.hubBlock,
  });
  const hubView = {
    collateralUsd: onChain.collateralUsd,
    adjustedUsd: onChain.adjustedUsd,
    liquidationUsd: onChain.liquidationUsd,
    initialUsd: onChain.initialUsd,
    maintenanceUsd: onChain.maintenanceUsd,
    healthFactor: onChain.healthFactor,
  };
  // The view has a row for an account with a configured collateral's balance or credit, or an open position or debt.
  const configured = new Set(rows.collaterals.map((c) => `${c.chainId}:${c.token}`));
  const held = [...rows.balances, ...rows.credits].filter((r) => configured.has(`${r.chainId}:${r.token}`));
  const open = rows.positions.filter((p) => p.size !== 0n || p.debtUsd !== 0n);
  const hasRows = held.length + open.length > 0;
  if (!hasRows) {
    expect(rows.stored, `${account}: an account_margin row without raw rows`).toBeUndefined();
    return { rows, expected: undefined, onChain: hubView };
  }
  const expected = expectedColumns(rows);
  expect(rows.stored, `${account}: raw rows but no account_margin row`).toBeDefined();
  expect(
    storedColumns(rows.stored),
    `${account}: account_margin view vs recomputation from raw rows`,
  ).toEqual(expected);
  expect(
    {
      collateralUsd: expected.creditedCollateralUsd,
      adjustedUsd: expected.creditedAdjustedUsd,
      liquidationUsd: expected.creditedLiquidationUsd,
      initialUsd: expected.initialUsd,
      maintenanceUsd: expected.maintenanceUsd,
      healthFactor: expected.creditedHealthFactor,
    },
    `${account}: credited margin vs MarginHub.accountMargin`,
  ).toEqual(hubView);
  return { rows, expected, onChain: hubView };
}

/** The computed columns of a stored `account_margin` row (undefined stays undefined). */
function storedColumns(stored: AccountRows["stored"]) {
  if (stored === undefined) return undefined;
  return {
    collateralUsd: stored.collateralUsd,
    adjustedUsd: stored.adjustedUsd,
    liquidationUsd: stored.liquidationUsd,
    initialUsd: stored.initialUsd,
    maintenanceUsd: stored.maintenanceUsd,
    healthFactor: stored.healthFactor,
    healthy: stored.healthy,
    liquidatable: stored.liquidatable,
    creditedCollateralUsd: stored.creditedCollateralUsd,
    creditedAdjustedUsd: stored.creditedAdjustedUsd,
    creditedLiquidationUsd: stored.creditedLiquidationUsd,
    creditedHealthFactor: stored.creditedHealthFactor,
    uncreditedUsd: stored.uncreditedUsd,
    chainCount: stored.chainCount,
  };
}

/** The computed `account_margin` columns from the raw rows, with `shared/margin` only. */
function expectedColumns(rows: AccountRows) {
  const { vault, credited } = recomputeWithShared(rows);
  const registered = new Set(rows.collaterals.map((c) => `${c.chainId}:${c.token}`));
  const chains = new Set(
    rows.balances
      .filter((b) => b.balance + b.pending > 0n && registered.has(`${b.chainId}:${b.token}`))
      .map((b) => b.chainId),
  );
  return {
    collateralUsd: vault.collateralUsd,
    adjustedUsd: vault.adjustedUsd,
    liquidationUsd: vault.liquidationUsd,
    initialUsd: vault.initialUsd,
    maintenanceUsd: vault.maintenanceUsd,
    healthFactor: vault.healthFactor,
    healthy: isHealthy(vault),
    liquidatable: isLiquidatable(vault),
    creditedCollateralUsd: credited.collateralUsd,
    creditedAdjustedUsd: credited.adjustedUsd,
    creditedLiquidationUsd: credited.liquidationUsd,
    creditedHealthFactor: credited.healthFactor,
    uncreditedUsd: vault.collateralUsd - credited.collateralUsd,
    chainCount: chains.size,
  };
}
