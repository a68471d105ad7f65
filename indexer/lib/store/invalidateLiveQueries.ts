import { sql } from "ponder";
import * as schema from "../../ponder.schema.js";
import type { IndexerDb } from "./context.js";

/** Every onchain table of the schema with one of its columns (views and relations are not tables). */
const TABLES = [
  [schema.collateralBalance, schema.collateralBalance.chainId],
  [schema.hubCredit, schema.hubCredit.account],
  [schema.collateral, schema.collateral.chainId],
  [schema.price, schema.price.feed],
  [schema.perpMarket, schema.perpMarket.address],
  [schema.position, schema.position.market],
  [schema.deposit, schema.deposit.id],
  [schema.withdrawal, schema.withdrawal.requestGuid],
  [schema.relayMessage, schema.relayMessage.guid],
  [schema.liquidation, schema.liquidation.id],
  [schema.seizure, schema.seizure.guid],
  [schema.claimable, schema.claimable.chainId],
  [schema.hubHead, schema.hubHead.chainId],
  [schema.closeFactor, schema.closeFactor.chainId],
] as const;

/**
 * Makes Ponder's SQL-over-HTTP (`/sql/*`, `@ponder/client`) drop its cached results of every
 * table, by running one statement per table that changes nothing.
 *
 * Why: the `client` middleware caches query results and forgets them when a table it read is
 * written (a statement-level trigger notes the table, and the checkpoint commit notifies). In
 * ponder 0.16.10 the revert of a reorg writes the tables outside that mechanism, so a cached
 * answer can outlive a reorg — a deposit the reorg removed stays visible over `/sql` while REST
 * and GraphQL already drop it. A no-op `UPDATE … WHERE false` still fires the statement trigger,
 * so calling this on the first block after a reorg makes every cached answer fresh again.
 *
 * @param db the handler's `context.db`
 */
export async function invalidateLiveQueries(db: IndexerDb): Promise<void> {
  for (const [table, column] of TABLES) {
    const name = sql.identifier(column.name);
    await db.sql.execute(sql`UPDATE ${table} SET ${name} = ${name} WHERE false`);
  }
}
