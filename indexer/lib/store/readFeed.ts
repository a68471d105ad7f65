import type { Address } from "viem";
import { mockPriceFeedAbi } from "../../../shared/abis/generated.js";
import type { IndexerClient } from "./context.js";

/** Return type of {@link readFeed}: a Chainlink-style feed's decimals and latest round. */
export type ReadFeedReturnType = { decimals: number; answer: bigint; roundId: bigint; updatedAt: bigint };

/**
 * Reads a Chainlink-style feed's `decimals()` and `latestRoundData()` at the handler's block
 * (through Ponder's cached client), both at once. Real Chainlink proxies emit no `AnswerUpdated`,
 * so this is how the indexer learns their price when a collateral or a market is configured.
 *
 * @param client the handler's `context.client`
 * @param feed the feed
 * @param known the feed's decimals when already known (a feed's decimals never change): not read again
 * @returns decimals, answer, round id and update time
 */
export async function readFeed(
  client: IndexerClient,
  feed: Address,
  known: { decimals?: number | undefined } = {},
): Promise<ReadFeedReturnType> {
  const [decimals, [roundId, answer, , updatedAt]] = await Promise.all([
    known.decimals ?? client.readContract({ address: feed, abi: mockPriceFeedAbi, functionName: "decimals" }),
    client.readContract({ address: feed, abi: mockPriceFeedAbi, functionName: "latestRoundData" }),
  ]);
  return { decimals, answer, roundId: BigInt(roundId), updatedAt };
}
