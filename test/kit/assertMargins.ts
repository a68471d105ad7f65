import type { Address } from "viem";
import { expect } from "vitest";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import { readAccountRows } from "./readAccountRows.js";
import { recomputeWithShared } from "./recomputeWithShared.js";

/**
 * Asserts that the `account_margin` view's row equals a recomputation from the account's raw rows
 * (read over SQL with `@ponder/client`) with `shared/margin`.
 *
 * @param indexerUrl the indexer's URL
 * @param account the account
 * @returns the rows and both recomputed margins
 */
export async function assertAggregateMatchesRows(indexerUrl: string, account: Address) {
  const rows = await readAccountRows(indexerUrl, account);
  const { vault, credited } = recomputeWithShared(rows);
  expect(rows.stored).toMatchObject({
    collateralUsd: vault.collateralUsd,
    adjustedUsd: vault.adjustedUsd,
    liquidationUsd: vault.liquidationUsd,
    initialUsd: vault.initialUsd,
    maintenanceUsd: vault.maintenanceUsd,
    healthFactor: vault.healthFactor,
    creditedCollateralUsd: credited.collateralUsd,
    creditedAdjustedUsd: credited.adjustedUsd,
    creditedLiquidationUsd: credited.liquidationUsd,
    creditedHealthFactor: credited.healthFactor,
  });
  return { rows, vault, credited };
}

/**
 * Asserts {@link assertAggregateMatchesRows} and that the credited margin equals the hub's
 * on-chain `MarginHub.accountMargin(account)`, field by field.
 *
 * @param indexerUrl the indexer's URL
 * @param hub the hub chain's clients
 * @param account the account
 * @returns the hub's answer
 */
export async function assertCreditedMatchesHub(indexerUrl: string, hub: ChainClients, account: Address) {
  const address = hub.chain.contracts.hub;
  if (address === undefined) throw new Error("assertCreditedMatchesHub: the chain has no MarginHub");
  const onChain = await hub.publicClient.readContract({
    address,
    abi: marginHubAbi,
    functionName: "accountMargin",
    args: [account],
  });
  const { credited } = await assertAggregateMatchesRows(indexerUrl, account);
  expect(credited).toEqual({
    collateralUsd: onChain.collateralUsd,
    adjustedUsd: onChain.adjustedUsd,
    liquidationUsd: onChain.liquidationUsd,
    initialUsd: onChain.initialUsd,
    maintenanceUsd: onChain.maintenanceUsd,
    healthFactor: onChain.healthFactor,
  });
  return onChain;
}
