import { isDeepStrictEqual } from "node:util";
import type { Address } from "viem";
import { distanceAnswer } from "../../indexer/lib/api/distanceAnswer.js";
import { type MarginAnswer, marginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import {
  accountMargin,
  collateral,
  collateralLine,
  perpMarket,
  requirementLine,
} from "../../indexer/ponder.schema.js";
import { pollUntil } from "./pollUntil.js";

/** A GraphQL answer with errors. */
export class GraphqlError extends Error {
  override name = "GraphqlError";
}

/**
 * GETs a JSON endpoint of the indexer.
 *
 * @param url the full URL
 * @returns the HTTP status and the parsed body
 */
export async function getJson<T = unknown>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  // The indexer's REST endpoints answer JSON; the caller names the shape it expects.
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * Runs a GraphQL query against the indexer's `/graphql`.
 *
 * @param baseUrl the indexer's URL
 * @param query the query
 * @param variables its variables
 * @returns the `data` of the answer
 * @throws {GraphqlError} when the answer has errors
 */
export async function graphqlQuery<T = unknown>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  // A GraphQL answer: { data, errors? }; the caller names the shape of `data`.
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors !== undefined && body.errors.length > 0) {
    throw new GraphqlError(body.errors.map((e) => e.message).join("; "));
  }
  if (body.data === undefined) throw new GraphqlError(`no data (HTTP ${response.status})`);
  return body.data;
}

const LINE_FIELDS =
  "account chainId token registered symbol tokenDecimals balance pending seq credited creditedSeq uncredited feed price feedDecimals haircutBps liquidationThresholdBps discountBps creditedDiscountBps valueUsd adjustedUsd liquidationUsd creditedValueUsd creditedAdjustedUsd creditedLiquidationUsd uncreditedUsd";
const MARGIN_FIELDS =
  "account collateralUsd adjustedUsd liquidationUsd initialUsd maintenanceUsd healthFactor healthy liquidatable creditedCollateralUsd creditedAdjustedUsd creditedLiquidationUsd creditedHealthFactor uncreditedUsd chainCount computable";
const REQUIREMENT_FIELDS =
  "account market symbol size entryPriceWad debtUsd priceWad initialUsd maintenanceUsd";

/** One account's `account_margin` row over Ponder's GraphQL: totals and health. */
export const ACCOUNT_MARGIN_QUERY = `query AccountMargin($account: String!) {
  accountMargins(where: { account: $account }) { items { ${MARGIN_FIELDS} } }
}`;

/** The margin views of one account over Ponder's GraphQL (the views REST reads). */
export const MARGIN_QUERY = `query Margin($account: String!) {
  accountMargins(where: { account: $account }) { items { ${MARGIN_FIELDS} } }
  collateralLines(where: { account: $account }, orderBy: "chainId", limit: 1000) { items { ${LINE_FIELDS} } }
  requirementLines(where: { account: $account }, orderBy: "market", limit: 1000) { items { ${REQUIREMENT_FIELDS} } }
}`;

/** The configured collaterals and markets over GraphQL (what the distance to liquidation reads). */
const RISK_QUERY = `query Risk {
  collaterals(orderBy: "registeredBlock", limit: 1000) { items { chainId token symbol feed feedDecimals heartbeat tokenDecimals haircutBps liquidationThresholdBps liquidationBonusBps capPerAccount concentrationScale concentrationScalarBps concentrationLowerBps concentrationUpperBps answer registeredBlock registeredLogIndex } }
  perpMarkets(orderBy: "address", limit: 1000) { items { address symbol feed feedDecimals initialMarginBps maintenanceMarginBps answer } }
}`;

type GraphqlRows = Record<
  "accountMargins" | "collateralLines" | "requirementLines",
  { items: Record<string, unknown>[] }
>;

/** GraphQL's BigInt strings back to bigints, for the columns that are bigints in the schema. */
function typed<T>(item: Record<string, unknown>, table: object): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    const column = (table as Record<string, { columnType?: string } | undefined>)[key];
    out[key] = column?.columnType === "PgEvmBigint" ? (value === null ? null : BigInt(String(value))) : value;
  }
  return out as T;
}

/**
 * Reads an account's margin over REST and builds the same answer from GraphQL's rows of the
 * margin views, until both are equal (they differ only when a block is indexed between the two
 * reads). Open withdrawals come from the `withdrawal` table, not the views: GraphQL's answer takes
 * REST's.
 *
 * @param baseUrl the indexer's URL
 * @param account the account
 * @param chainId the optional chain filter
 * @returns the agreeing answers
 * @throws {PollTimeoutError} when the two never agree
 */
export async function readMarginBothWays(
  baseUrl: string,
  account: Address,
  chainId: number | null = null,
): Promise<{ rest: MarginAnswer; gql: MarginAnswer }> {
  const query = chainId === null ? "" : `?chainId=${chainId}`;
  return pollUntil(
    async () => {
      const rest = (await getJson<MarginAnswer>(`${baseUrl}/accounts/${account}/margin${query}`)).body;
      const data = await graphqlQuery<GraphqlRows>(baseUrl, MARGIN_QUERY, { account: account.toLowerCase() });
      const lines = data.collateralLines.items
        .map((i) => typed<typeof collateralLine.$inferSelect>(i, collateralLine))
        .sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token));
      const margin = data.accountMargins.items[0];
      const gql = marginAnswer({
        account: account.toLowerCase() as Address,
        rows: {
          margin:
            margin === undefined
              ? undefined
              : typed<typeof accountMargin.$inferSelect>(margin, accountMargin),
          lines,
          requirements: data.requirementLines.items.map((i) =>
            typed<typeof requirementLine.$inferSelect>(i, requirementLine),
          ),
          withdrawals: [],
        },
        chainNames: new Map(rest.collaterals.map((c) => [c.chainId, c.chain ?? ""])),
        chainId: chainId ?? undefined,
      });
      const risk = await graphqlQuery<
        Record<"collaterals" | "perpMarkets", { items: Record<string, unknown>[] }>
      >(baseUrl, RISK_QUERY);
      const collaterals = risk.collaterals.items
        .map((i) => typed<typeof collateral.$inferSelect>(i, collateral))
        .sort((a, b) =>
          a.registeredBlock === b.registeredBlock
            ? a.registeredLogIndex - b.registeredLogIndex
            : a.registeredBlock < b.registeredBlock
              ? -1
              : 1,
        );
      const distanceToLiquidation = distanceAnswer({
        collaterals,
        markets: risk.perpMarkets.items.map((i) => typed<typeof perpMarket.$inferSelect>(i, perpMarket)),
        lines,
        requirements: data.requirementLines.items.map((i) =>
          typed<typeof requirementLine.$inferSelect>(i, requirementLine),
        ),
      });
      return {
        rest,
        gql: { ...gql, pendingWithdrawals: rest.pendingWithdrawals, distanceToLiquidation } as MarginAnswer,
      };
    },
    (both) => isDeepStrictEqual(both.rest, both.gql),
    { what: `GraphQL's margin views for ${account}${chainId === null ? "" : ` (chain ${chainId})`} = REST` },
  );
}

/**
 * POSTs a JSON body (or raw text) to an endpoint of the indexer.
 *
 * @param url the full URL
 * @param body an object to send as JSON, or a string sent as it is
 * @returns the HTTP status and the parsed body
 */
export async function postJson<T = unknown>(
  url: string,
  body: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  // The indexer's REST endpoints answer JSON; the caller names the shape it expects.
  return { status: response.status, body: (await response.json()) as T };
}
