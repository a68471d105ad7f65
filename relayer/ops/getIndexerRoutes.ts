import { z } from "zod";
import { RetryableError } from "../../shared/errors/BaseError.js";

/** One route as the indexer's `GET /routes` answers it. */
export type IndexerRoute = z.infer<typeof routeSchema>;

const routeSchema = z.object({
  route: z.string(),
  srcEid: z.number().int(),
  dstEid: z.number().int(),
  inFlight: z.number().int(),
  oldestInFlightAgeSeconds: z.number().nullable(),
  delivered: z.number().int(),
  lastDelivered: z
    .object({
      guid: z.string(),
      kind: z.string(),
      timestamp: z.string().nullable(),
      txHash: z.string().nullable(),
      latencySeconds: z.number().nullable(),
    })
    .nullable(),
});
const answerSchema = z.object({ routes: z.array(routeSchema) });

/** The indexer could not be reached or gave an answer that is not a `/routes` answer. */
export class IndexerUnavailableError extends RetryableError {
  override name = "IndexerUnavailableError";
}

/** Parameters of {@link getIndexerRoutes}. */
export type GetIndexerRoutesParameters = {
  /** The indexer's base URL, e.g. `http://127.0.0.1:42069`. */
  apiUrl: string;
  /** How long to wait for the answer (default 5 s). */
  timeoutMs?: number | undefined;
};

/**
 * Reads per-route relay progress from the indexer's REST `GET <apiUrl>/routes`: messages in
 * flight, the oldest one's age, deliveries and the last delivery.
 *
 * @param parameters the indexer's URL and a timeout
 * @returns the routes, as the indexer orders them
 * @throws {IndexerUnavailableError} when the indexer does not answer, answers with an error status, or
 * answers something else than `{ routes: [...] }`
 */
export async function getIndexerRoutes(parameters: GetIndexerRoutesParameters): Promise<IndexerRoute[]> {
  const url = `${parameters.apiUrl.replace(/\/+$/, "")}/routes`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(parameters.timeoutMs ?? 5_000) });
  } catch (error) {
    throw new IndexerUnavailableError(`The indexer at ${url} did not answer.`, { cause: causeOf(error) });
  }
  if (!response.ok) {
    const body = (await response.text().catch(() => "")).slice(0, 200);
    throw new IndexerUnavailableError(`The indexer at ${url} answered ${response.status}.`, {
      details: body,
    });
  }
  const parsed = answerSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IndexerUnavailableError(`The indexer at ${url} gave an unexpected answer.`, {
      details: issue === undefined ? "" : `${issue.path.join(".")}: ${issue.message}`,
    });
  }
  return parsed.data.routes;
}

/** `fetch` wraps network errors as "fetch failed" with the real reason (ECONNREFUSED…) as its cause. */
function causeOf(error: unknown): unknown {
  if (error instanceof Error && error.message === "fetch failed" && error.cause instanceof Error)
    return error.cause;
  return error;
}
