import { createClient, eq } from "@ponder/client";
import type { Address } from "viem";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import * as schema from "../../indexer/ponder.schema.js";

/** Every raw row the margin of one account is computed from, read over SQL (`@ponder/client`). */
export type AccountRows = {
  balances: (typeof schema.collateralBalance.$inferSelect)[];
  credits: (typeof schema.hubCredit.$inferSelect)[];
  positions: (typeof schema.position.$inferSelect)[];
  collaterals: (typeof schema.collateral.$inferSelect)[];
  prices: (typeof schema.price.$inferSelect)[];
  markets: (typeof schema.perpMarket.$inferSelect)[];
  /** The `account_margin` view's row (undefined for an account without rows). */
  stored: typeof schema.accountMargin.$inferSelect | undefined;
};

/**
 * Reads an account's raw rows and stored aggregate through the indexer's SQL-over-HTTP endpoint
 * with `@ponder/client` (drizzle queries), as the relayer does.
 *
 * @param baseUrl the indexer's URL (the client talks to `<baseUrl>/sql`)
 * @param account the account (any case)
 * @returns the rows
 */
export async function readAccountRows(baseUrl: string, account: Address): Promise<AccountRows> {
  const { db } = createClient(`${baseUrl}/sql`, { schema });
  const who = lowerHex(account);
  return {
    balances: await db
      .select()
      .from(schema.collateralBalance)
      .where(eq(schema.collateralBalance.account, who)),
    credits: await db.select().from(schema.hubCredit).where(eq(schema.hubCredit.account, who)),
    positions: await db.select().from(schema.position).where(eq(schema.position.account, who)),
    collaterals: await db.select().from(schema.collateral),
    prices: await db.select().from(schema.price),
    markets: await db.select().from(schema.perpMarket),
    stored: (await db.select().from(schema.accountMargin).where(eq(schema.accountMargin.account, who)))[0],
  };
}
