import { ponder } from "ponder:registry";
import { INDEXED_EVENTS } from "../indexedEvents.js";
import { rawEvent } from "../ponder.schema.js";

/*
 * The bare baseline's handlers: one per event the real indexer handles, each inserting the raw
 * log and nothing else. (Typed against the root project's `ponder:registry`, which declares the
 * same contracts; the table comes from this project's schema.)
 */
for (const name of INDEXED_EVENTS)
  ponder.on(name, async ({ event, context }) => {
    const [topic0, topic1, topic2, topic3] = event.log.topics;
    await context.db.insert(rawEvent).values({
      id: event.id,
      chainId: context.chain.id,
      address: event.log.address,
      name,
      blockNumber: event.block.number,
      logIndex: event.log.logIndex,
      txHash: event.transaction.hash,
      topic0: topic0 ?? null,
      topic1: topic1 ?? null,
      topic2: topic2 ?? null,
      topic3: topic3 ?? null,
      data: event.log.data,
    });
  });
