import type { Address } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";

/**
 * The hub's own figures for a solvency check: every account `BalanceCredited` has named up to
 * `block`, and `MarginHub.collateralValue(account).valueUsd` of each, read at `block`.
 *
 * @param hub the hub chain's clients
 * @param block the hub block to read at
 * @returns value per account (lowercase), zero values included
 */
export async function hubCollateralValues(hub: ChainClients, block: bigint): Promise<Map<Address, bigint>> {
  const address = hub.chain.contracts.hub;
  if (address === undefined) throw new Error("hubCollateralValues: the chain has no MarginHub");
  const logs = await hub.publicClient.getContractEvents({
    address,
    abi: marginHubAbi,
    eventName: "BalanceCredited",
    fromBlock: 0n,
    toBlock: block,
  });
  const accounts = [...new Set(logs.map((log) => log.args.account?.toLowerCase() as Address))]; // indexed, always set
  const values = new Map<Address, bigint>();
  for (const account of accounts) {
    const [valueUsd] = await hub.publicClient.readContract({
      address,
      abi: marginHubAbi,
      functionName: "collateralValue",
      args: [account],
      blockNumber: block,
    });
    values.set(account, valueUsd);
  }
  return values;
}
