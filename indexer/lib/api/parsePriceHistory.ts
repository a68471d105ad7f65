import type { Address } from "viem";
import { type BadRequest, type Parsed, parseAddress } from "./parseRequest.js";

/** Default and largest `limit` of `GET /prices/:feed/history`. */
export const PRICE_HISTORY_DEFAULT_LIMIT = 1000;
export const PRICE_HISTORY_MAX_LIMIT = 10_000;

/** A parsed `GET /prices/:feed/history` request. */
export type PriceHistoryQuery = { feed: Address; since: bigint; limit: number };

const SECONDS = /^(0|[1-9][0-9]{0,11})$/;
const LIMIT = /^[1-9][0-9]{0,5}$/;

/**
 * Parses `GET /prices/:feed/history?since=<unix seconds>&limit=<n>`: `feed` an address, `since`
 * whole unix seconds (default 0: from the first answer), `limit` 1 to 10,000 (default 1,000).
 *
 * @param raw the path parameter and query values as received
 * @returns the query, or a 400 naming the parameter
 * @example
 * parsePriceHistory({ feed: "0x…", since: "-1" }); // { ok: false, bad: { error: "expected whole unix seconds …", parameter: "since" } }
 */
export function parsePriceHistory(raw: {
  feed: string | undefined;
  since?: string | undefined;
  limit?: string | undefined;
}): Parsed<PriceHistoryQuery> {
  const feed = parseAddress(raw.feed, "feed");
  if (!feed.ok) return feed;
  let since = 0n;
  if (raw.since !== undefined && raw.since !== "") {
    if (!SECONDS.test(raw.since))
      return bad("since", "expected whole unix seconds (a non-negative integer)", raw.since);
    since = BigInt(raw.since);
  }
  let limit = PRICE_HISTORY_DEFAULT_LIMIT;
  if (raw.limit !== undefined && raw.limit !== "") {
    const n = LIMIT.test(raw.limit) ? Number(raw.limit) : Number.NaN;
    if (!(n <= PRICE_HISTORY_MAX_LIMIT))
      return bad("limit", `expected an integer from 1 to ${PRICE_HISTORY_MAX_LIMIT}`, raw.limit);
    limit = n;
  }
  return { ok: true, value: { feed: feed.value, since, limit } };
}

function bad(parameter: string, expected: string, value: string): { ok: false; bad: BadRequest } {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return { ok: false, bad: { error: `${expected}, got ${JSON.stringify(shown)}`, parameter } };
}
