import type { Address } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { DemoContext } from "./types.js";

/** The hub's `accountMargin` (USD with 18 decimals; health 1e18 = the maintenance line). */
export type HubMargin = {
  collateralUsd: bigint;
  adjustedUsd: bigint;
  liquidationUsd: bigint;
  initialUsd: bigint;
  maintenanceUsd: bigint;
  healthFactor: bigint;
};

/**
 * Reads an account's margin from the hub (`MarginHub.accountMargin`: prices with the feeds' last
 * answers, never reverts on a stale feed).
 *
 * @param context the demo context
 * @param account the account
 * @returns its margin
 */
export async function readHubMargin(context: DemoContext, account: Address): Promise<HubMargin> {
  return context.hub.publicClient.readContract({
    address: context.hub.hub,
    abi: marginHubAbi,
    functionName: "accountMargin",
    args: [account],
  });
}
