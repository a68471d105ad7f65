import { ponder } from "ponder:registry";
import { price, priceObservation } from "ponder:schema";
import { feedClient } from "../lib/feedClient.js";
import { lower } from "../lib/indexerConfig.js";
import { readFeedDecimals } from "../lib/store/readFeed.js";
import { upsertPrice } from "../lib/store/upsertPrice.js";

/*
 * Price feeds (hub chain): collateral feeds from the config and the perp markets' feeds. A new
 * answer updates the feed's `price` row and the few rows that follow it (`upsertPrice`): margins
 * are priced when read (lib/marginSql.ts). Every answer is also kept in `price_observation`, the
 * history the risk keeper reads (`GET /prices/:feed/history`).
 */

ponder.on("PriceFeed:AnswerUpdated", async ({ event, context }) => {
  const feed = lower(event.log.address);
  const block = event.block.number;
  const timestamp = event.block.timestamp;
  const known = await context.db.find(price, { feed });
  const decimals =
    // Not `context.client`: during a backfill it queues behind Ponder's sync (see `feedClient`).
    known?.decimals ?? (await readFeedDecimals(feedClient(), feed, block));
  await upsertPrice(context.db, {
    feed,
    answer: event.args.current,
    decimals,
    roundId: event.args.roundId,
    updatedAt: event.args.updatedAt,
    blockNumber: block,
    timestamp,
    source: "event",
  });
  await context.db.insert(priceObservation).values({
    feed,
    roundId: event.args.roundId,
    answer: event.args.current,
    updatedAt: event.args.updatedAt,
    blockNumber: block,
    logIndex: event.log.logIndex,
    timestamp,
  });
});
