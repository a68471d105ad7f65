import type { Context } from "hono";
import type { ReadMargin } from "../../lib/api/createMarginReader.js";
import { sendJson } from "../../lib/api/nodeHttp.js";
import { parseAddress, parseChainFilter } from "../../lib/api/parseRequest.js";

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
