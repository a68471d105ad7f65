import { ponder } from "ponder:registry";
import { hubHead } from "ponder:schema";
import { indexerConfig } from "../lib/indexerConfig.js";
import { invalidateLiveQueries } from "../lib/store/invalidateLiveQueries.js";

/*
 * ChainHead (every chain, every block from the head at start-up): after a reorg, cached `/sql`
 * answers may still show reverted rows (see invalidateLiveQueries), so a head that does not move
 * forward makes them fresh. On the hub chain each block is also recorded in `hub_head`: the
 * block the solvency report's figures are at.
 */

const heads = new Map<number, bigint>();

ponder.on("ChainHead:block", async ({ event, context }) => {
  const last = heads.get(context.chain.id);
  heads.set(context.chain.id, event.block.number);
  if (last !== undefined && event.block.number <= last) await invalidateLiveQueries(context.db);
  if (context.chain.id !== indexerConfig().hub.chainId) return;
  const head = {
    blockNumber: event.block.number,
    blockHash: event.block.hash,
    timestamp: event.block.timestamp,
  };
  await context.db
    .insert(hubHead)
    .values({ chainId: context.chain.id, ...head })
    .onConflictDoUpdate(head);
});
