import { ponder } from "ponder:registry";
import { invalidateLiveQueries } from "../lib/store/invalidateLiveQueries.js";

/*
 * ChainHead (every chain, every block from the head at start-up): after a reorg, cached `/sql`
 * answers may still show reverted rows (see invalidateLiveQueries), so a head that does not move
 * forward makes them fresh.
 */

const heads = new Map<number, bigint>();

ponder.on("ChainHead:block", async ({ event, context }) => {
  const last = heads.get(context.chain.id);
  heads.set(context.chain.id, event.block.number);
  if (last !== undefined && event.block.number <= last) await invalidateLiveQueries(context.db);
});
