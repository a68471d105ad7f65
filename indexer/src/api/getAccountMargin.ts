import type { Context } from "hono";
import type { ReadMargin } from "../../lib/api/createMarginReader.js";
import { sendJson } from "../../lib/api/nodeHttp.js";
import { type NodeRoute, splitTarget } from "../../lib/api/nodeRoutes.js";
import { parseAddress, parseChainFilter } from "../../lib/api/parseRequest.js";

/** The Hono route's path (and the `path` label of Ponder's HTTP metrics). */
export const ACCOUNT_MARGIN_PATH = "/accounts/:address/margin";

/**
 * `GET /accounts/:address/margin[?chainId=<id>]`: the account's margin per chain and token, its
 * totals, health, positions, pending withdrawals and uncredited holdings (see indexer/README.md).
 * 400 names the parameter when the address or the chain is not valid. At most one SQL statement
 * per request: concurrent requests share one (see `createMarginReader`).
 *
 * @param readMargin the indexer's margin reader
 * @param knownChains the configured chain ids
 * @returns the Hono handler
 */
export function getAccountMargin(readMargin: ReadMargin, knownChains: ReadonlySet<number>) {
  return async (c: Context) => {
    const address = parseAddress(c.req.param("address"), "address");
    if (!address.ok) return c.json(address.bad, 400);
    const chainId = parseChainFilter(c.req.query("chainId"), "chainId", knownChains);
    if (!chainId.ok) return c.json(chainId.bad, 400);
    return sendJson(c, await readMargin({ account: address.value, chainId: chainId.value }));
  };
}

const PREFIX = "/accounts/";
const SUFFIX = "/margin";

/**
 * The same route served before Hono (see `serveBeforeHono`): it takes only the requests whose
 * answer is a margin view and leaves the rest to the Hono route — a bad address or chain (the
 * 400s), a percent-encoded or `+` in the target (Hono decodes those), `HEAD`.
 *
 * @param readMargin the indexer's margin reader
 * @param knownChains the configured chain ids
 * @returns the node route
 */
export function accountMarginNodeRoute(readMargin: ReadMargin, knownChains: ReadonlySet<number>): NodeRoute {
  return {
    path: ACCOUNT_MARGIN_PATH,
    match: (request) => {
      if (request.method !== "GET") return undefined;
      const target = splitTarget(request.url);
      if (
        target === undefined ||
        target.path.length <= PREFIX.length + SUFFIX.length ||
        !target.path.startsWith(PREFIX) ||
        !target.path.endsWith(SUFFIX) ||
        /[%+]/.test(target.query)
      )
        return undefined;
      const address = parseAddress(target.path.slice(PREFIX.length, -SUFFIX.length), "address");
      if (!address.ok) return undefined;
      const chainId = parseChainFilter(firstQueryValue(target.query, "chainId"), "chainId", knownChains);
      if (!chainId.ok) return undefined;
      return async () => ({
        status: 200,
        body: await readMargin({ account: address.value, chainId: chainId.value }),
      });
    },
  };
}

/** The first value of `key` in an undecoded query string, as Hono's `c.req.query(key)` reads it ("" when it has no `=`). */
function firstQueryValue(query: string, key: string): string | undefined {
  if (query === "") return undefined;
  for (const part of query.split("&")) {
    const equals = part.indexOf("=");
    if ((equals < 0 ? part : part.slice(0, equals)) === key) return equals < 0 ? "" : part.slice(equals + 1);
  }
  return undefined;
}
