import { ponder } from "ponder:registry";
import { indexerConfig } from "../lib/indexerConfig.js";
import { finalAtWrite } from "../lib/store/finalAtWrite.js";
import { markFinal } from "../lib/store/markFinal.js";

/*
 * Finality (every chain, every block from the head at start-up): rows whose source block is at
 * least `finalityDepth` blocks deep are marked final, so the relayer carries only those. Rows
 * written already that deep (a backfill's) are final as they are written (`finalAtWrite`); each
 * head seen here also raises the cutoff that decision uses.
 */

ponder.on("Finality:block", async ({ event, context }) => {
  const chain = indexerConfig().chains.get(context.chain.id);
  if (chain === undefined) return;
  finalAtWrite().observeHead(chain.chainId, event.block.number);
  await markFinal(context.db, {
    chainId: chain.chainId,
    head: event.block.number,
    finalityDepth: chain.finalityDepth,
  });
});
