import { ponder } from "ponder:registry";
import { price } from "ponder:schema";
import { lower } from "../lib/indexerConfig.js";
import { readFeed } from "../lib/store/readFeed.js";
import { accountsExposedToFeed, recomputeMargins } from "../lib/store/recomputeMargins.js";
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
  const decimals = known?.decimals ?? (await readFeed(context.client, feed)).decimals;
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
  const accounts = await accountsExposedToFeed(context.db, feed);
  await recomputeMargins(context.db, accounts, { chainId: context.chain.id, block, timestamp });
});
