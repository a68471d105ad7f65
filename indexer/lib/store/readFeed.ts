import type { Address } from "viem";
import { mockPriceFeedAbi } from "../../../shared/abis/generated.js";
import type { FeedReader } from "../feedClient.js";

/** Return type of {@link readFeed}: a Chainlink-style feed's decimals and latest round. */
export type ReadFeedReturnType = { decimals: number; answer: bigint; roundId: bigint; updatedAt: bigint };

/** Parameters of {@link readFeed}. */
export type ReadFeedParameters = {
  /** The block to read at (the handler's event block). */
  blockNumber: bigint;
  /** The feed's decimals when already known (a feed's decimals never change): not read again. */
  decimals?: number | undefined;
};

/**
 * Reads a Chainlink-style feed's `decimals()` and `latestRoundData()` at a block, both at once.
 * Real Chainlink proxies emit no `AnswerUpdated`, so this is how the indexer learns their price
 * when a collateral or a market is configured.
 *
 * @param reader the client to read with (`feedClient()` in the handlers)
 * @param feed the feed
 * @param parameters the block, and the decimals when known
 * @returns decimals, answer, round id and update time
 * @example
 * const { answer, decimals } = await readFeed(feedClient(), feed, { blockNumber: event.block.number });
 */
export async function readFeed(
  reader: FeedReader,
  feed: Address,
  parameters: ReadFeedParameters,
): Promise<ReadFeedReturnType> {
  const { blockNumber } = parameters;
  const [decimals, [roundId, answer, , updatedAt]] = await Promise.all([
    parameters.decimals ?? readFeedDecimals(reader, feed, blockNumber),
    reader.readContract({
      address: feed,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
      blockNumber,
    }),
  ]);
  return { decimals, answer, roundId: BigInt(roundId), updatedAt };
}

/**
 * Reads a feed's `decimals()` at a block.
 *
 * @param reader the client to read with (`feedClient()` in the handlers)
 * @param feed the feed
 * @param blockNumber the block to read at
 * @returns the decimals
 */
export async function readFeedDecimals(
  reader: FeedReader,
  feed: Address,
  blockNumber: bigint,
): Promise<number> {
  return reader.readContract({ address: feed, abi: mockPriceFeedAbi, functionName: "decimals", blockNumber });
}
