import type { Address } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";

/** One `BalanceCredited` event of the hub. */
export type BalanceCredit = {
  account: Address;
  chainId: bigint;
  token: Address;
  balance: bigint;
  seq: bigint;
  sourceBlock: bigint;
  /** Hub block of the event. */
  blockNumber: bigint;
};

/**
 * Every `BalanceCredited` event the hub emitted (the full history of what it ever credited, in
 * order), for "never credited" and "credited once per seq" checks that a final state cannot show.
 *
 * @param hub the hub chain's clients
 * @returns the events, oldest first
 */
export async function readBalanceCredits(hub: ChainClients): Promise<BalanceCredit[]> {
  const logs = await hub.publicClient.getContractEvents({
    address: hub.chain.contracts.hub as Address, // the hub chain's config always has the hub
    abi: marginHubAbi,
    eventName: "BalanceCredited",
    fromBlock: 0n,
    toBlock: "latest",
    strict: true,
  });
  return logs.map((log) => ({
    account: log.args.account,
    chainId: BigInt(log.args.chainId),
    token: log.args.token,
    balance: log.args.balance,
    seq: BigInt(log.args.seq),
    sourceBlock: BigInt(log.args.sourceBlock),
    blockNumber: log.blockNumber,
  }));
}
