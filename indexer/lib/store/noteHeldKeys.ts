import { indexerState } from "../../ponder.schema.js";
import { INDEXER_STATE_ID } from "./bumpRiskStamp.js";
import type { IndexerDb } from "./context.js";
import type { ReadIndexerStateReturnType } from "./readIndexerState.js";

/**
 * Adds collaterals or markets that just got an account row to `indexer_state.heldKeys` (a write
 * only when one is new: once per collateral and market).
 *
 * @param db the handler's `context.db`
 * @param state the state as read in this handler ({@link readIndexerState})
 * @param keys `collateralKey`s and lowercase markets of the rows written
 */
export async function noteHeldKeys(
  db: IndexerDb,
  state: Pick<ReadIndexerStateReturnType, "held" | "heldKeys">,
  keys: readonly string[],
): Promise<void> {
  const added = keys.filter((key, i) => !state.held.has(key) && keys.indexOf(key) === i);
  if (added.length === 0) return;
  const heldKeys = [...(state.heldKeys === "" ? [] : [state.heldKeys]), ...added].join(" ");
  await db
    .insert(indexerState)
    .values({ id: INDEXER_STATE_ID, riskStamp: "", heldKeys, marginErrors: false })
    .onConflictDoUpdate({ heldKeys });
}
