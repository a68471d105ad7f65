import { ponder } from "ponder:registry";
import { price } from "ponder:schema";
import { feedClient } from "../lib/feedClient.js";
import { lower } from "../lib/indexerConfig.js";
import { readFeedDecimals } from "../lib/store/readFeed.js";
import { readIndexerState } from "../lib/store/readIndexerState.js";
import { recomputeExposed } from "../lib/store/recomputeExposed.js";
import { upsertPrice } from "../lib/store/upsertPrice.js";

/*
 * Price feeds (hub chain): collateral feeds from the config and the perp markets' feeds. A new
 * answer re-prices every account exposed to the feed.
 */

ponder.on("PriceFeed:AnswerUpdated", async ({ event, context }) => {
  const feed = lower(event.log.address);
  const block = event.block.number;
  const timestamp = event.block.timestamp;
  const known = await context.db.find(price, { feed });
  const decimals =
    // Not `context.client`: during a backfill it queues behind Ponder's sync (see `feedClient`).
    known?.decimals ?? (await readFeedDecimals(feedClient(), feed, block));
  const changed = await upsertPrice(context.db, {
    feed,
    answer: event.args.current,
    decimals,
    roundId: event.args.roundId,
    updatedAt: event.args.updatedAt,
    blockNumber: block,
    timestamp,
    source: "event",
  });
  if (!changed) return;
  // Holders of the configured collaterals it prices, positions in the markets it prices.
  const { risk } = await readIndexerState(context.db);
  await recomputeExposed(context.db, {
    collaterals: risk.collaterals
      .filter((c) => c.feed === feed)
      .map((c) => ({ chainId: Number(c.chainId), token: lower(c.token) })),
    markets: [...risk.markets.values()].filter((m) => lower(m.feed) === feed).map((m) => lower(m.address)),
    at: { chainId: context.chain.id, block, timestamp },
  });
});
