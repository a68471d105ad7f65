import { randomUUID } from "node:crypto";
import { indexerState } from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";

/** The `indexer_state` row's key (the table has this one row). */
export const INDEXER_STATE_ID = 0;

/** Makes this process's stamps differ from every other process's. */
const PROCESS = randomUUID().slice(0, 8);
let counter = 0;

/**
 * Gives `indexer_state.riskStamp` a new value, never used before by any process: call it with
 * every write to `collateral`, `price` or `perp_market`, in the same handler, so that a stamp
 * always stands for one content of those tables (a reorg reverts the stamp with the rows it covers).
 *
 * @param db the handler's `context.db`
 * @returns the new stamp
 */
export async function bumpRiskStamp(db: IndexerDb): Promise<string> {
  counter += 1;
  const riskStamp = `${PROCESS}-${counter}`;
  await db
    .insert(indexerState)
    .values({ id: INDEXER_STATE_ID, riskStamp, heldKeys: "", marginErrors: false })
    .onConflictDoUpdate({ riskStamp });
  return riskStamp;
}
