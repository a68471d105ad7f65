import { count, createClient } from "@ponder/client";
import { discoverySchema } from "../../relayer/discovery/findPendingWork.js";
import { collateralBalance } from "../../relayer/discovery/indexerTables.js";

/**
 * Counts the indexer's `collateral_balance` rows two ways: over SQL-over-HTTP (`/sql`, what the
 * relayer's discovery reads through `@ponder/client`) and over GraphQL. They should agree.
 *
 * @param apiUrl the indexer's base URL
 * @returns e.g. `/sql 2030, GraphQL 2030`
 */
export async function compareIndexerViews(apiUrl: string): Promise<string> {
  const client = createClient(`${apiUrl}/sql`, { schema: discoverySchema });
  const [row] = await client.db.select({ n: count() }).from(collateralBalance);
  const response = await fetch(`${apiUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ collateralBalances(limit: 1) { totalCount } }" }),
  });
  // The GraphQL answer of the query above (Ponder's generated schema).
  const body = (await response.json()) as { data?: { collateralBalances?: { totalCount?: number } } };
  return `/sql ${row?.n ?? "?"}, GraphQL ${body.data?.collateralBalances?.totalCount ?? "?"}`;
}
