import type { Address } from "viem";
import { perpMarketAbi } from "../../../shared/abis/generated.js";
import { perpMarket } from "../../ponder.schema.js";
import { lower } from "../indexerConfig.js";
import type { IndexerClient, IndexerDb } from "./context.js";
import { storeFeedAnswer } from "./storeFeedAnswer.js";
import { followFeed } from "./upsertPrice.js";

type MarketRow = typeof perpMarket.$inferSelect;

/** Parameters of {@link ensurePerpMarket}. */
export type EnsurePerpMarketParameters = {
  /** The market. */
  address: Address;
  /** The event's block and time (the feed's price is read there). */
  block: bigint;
  timestamp: bigint;
};

/**
 * The `perp_market` row of a market, read from the contract (feed, margins, symbol, dust minimum) and stored
 * the first time one of its events is indexed; its feed's current answer is stored too and the
 * market follows the feed, so its positions are priced before the feed next emits `AnswerUpdated`.
 *
 * @param context the handler's `db` and `client`
 * @param parameters the market and the event's block
 * @returns the market row
 */
export async function ensurePerpMarket(
  context: { db: IndexerDb; client: IndexerClient },
  parameters: EnsurePerpMarketParameters,
): Promise<MarketRow> {
  const address = lower(parameters.address);
  const existing = await context.db.find(perpMarket, { address });
  if (existing !== null) return existing;
  const contract = { address, abi: perpMarketAbi } as const;
  const read = context.client;
  const feed = lower(await read.readContract({ ...contract, functionName: "feed" }));
  const [feedDecimals, symbol, initialMarginBps, maintenanceMarginBps, minPositionNotionalUsd] =
    await Promise.all([
      storeFeedAnswer(context, feed, { block: parameters.block, timestamp: parameters.timestamp }, undefined),
      read.readContract({ ...contract, functionName: "symbol" }),
      read.readContract({ ...contract, functionName: "initialMarginBps" }),
      read.readContract({ ...contract, functionName: "maintenanceMarginBps" }),
      read.readContract({ ...contract, functionName: "minPositionNotionalUsd" }),
    ]);
  const answer = await followFeed(context.db, feed, { market: address });
  const row = await context.db.insert(perpMarket).values({
    address,
    symbol,
    feed,
    feedDecimals,
    initialMarginBps,
    maintenanceMarginBps,
    answer,
    minPositionNotionalUsd,
  });
  return row;
}
