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
