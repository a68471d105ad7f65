import { ponder } from "ponder:registry";
import { indexerConfig } from "../lib/indexerConfig.js";
import { markFinal } from "../lib/store/markFinal.js";

/*
 * Finality (every chain, every block from the head at start-up): rows whose source block is at
 * least `finalityDepth` blocks deep are marked final, so the relayer carries only those. Rows
 * written during the backfill are marked at the first block this handler sees.
 */

ponder.on("Finality:block", async ({ event, context }) => {
  const chain = indexerConfig().chains.get(context.chain.id);
  if (chain === undefined) return;
  await markFinal(context.db, {
    chainId: chain.chainId,
    head: event.block.number,
    finalityDepth: chain.finalityDepth,
  });
});
