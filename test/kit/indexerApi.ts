import { isDeepStrictEqual } from "node:util";
import type { Address } from "viem";
import type { AccountMarginView } from "../../indexer/lib/api/accountMarginView.js";
import { MARGIN_QUERY } from "./marginQuery.js";
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

/**
 * Reads an account's margin over REST and over GraphQL's `margin(account:)` (every field
 * selected), until both answers are equal: they differ only when a block is indexed between the
 * two reads, so a pair that never agrees within the timeout fails the caller.
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
): Promise<{ rest: AccountMarginView; gql: AccountMarginView }> {
  const query = chainId === null ? "" : `?chainId=${chainId}`;
  return pollUntil(
    async () => ({
      rest: (await getJson<AccountMarginView>(`${baseUrl}/accounts/${account}/margin${query}`)).body,
      gql: (await graphqlQuery<{ margin: AccountMarginView }>(baseUrl, MARGIN_QUERY, { account, chainId }))
        .margin,
    }),
    (both) => isDeepStrictEqual(both.rest, both.gql),
    { what: `GraphQL margin(account: ${account}${chainId === null ? "" : `, chainId: ${chainId}`}) = REST` },
  );
}
