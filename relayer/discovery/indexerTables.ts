/**
 * The indexer tables the relayer reads, with their column types, for `@ponder/client`.
 *
 * The one place `relayer/` reaches into `indexer/`: the Ponder schema *is* the contract between
 * the two (the relayer reads it over SQL-over-HTTP and never writes it), and declaring the
 * columns a second time would let the two drift apart silently. Nothing else in the relayer
 * imports the indexer.
 */
export {
  collateralBalance,
  hubCredit,
  relayMessage,
  waitingLeaf,
} from "../../indexer/ponder.schema.js";
