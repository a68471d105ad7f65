import { db } from "ponder:api";
import type { Context } from "hono";
import { accountMarginView } from "../../lib/api/accountMarginView.js";
import { parseAddress, parseChainFilter } from "../../lib/api/parseRequest.js";
import { readAccountMarginRows, type StampedSharedTables } from "../../lib/api/readAccountMarginRows.js";
import { indexerConfig } from "../../lib/indexerConfig.js";

/** The shared tables as of the last answer (read again by the same statement when their stamp moves). */
let shared: StampedSharedTables | undefined;

/** Chain ids and names from the config (fixed for the process). */
const chainsOf = () => {
  const chains = [...indexerConfig().chains.values()];
  return {
    known: new Set(chains.map((chain) => chain.chainId)),
    names: new Map(chains.map((chain) => [chain.chainId, chain.name])),
  };
};
let configured: ReturnType<typeof chainsOf> | undefined;

/**
 * `GET /accounts/:address/margin[?chainId=<id>]`: the account's margin per chain and token, its
 * totals, health, positions, pending withdrawals and uncredited holdings (see indexer/README.md).
 * 400 names the parameter when the address or the chain is not valid. One SQL statement per
 * request; the collaterals, prices and markets are kept between requests while their
 * `indexer_state.riskStamp` does not move.
 *
 * @param c the Hono context
 * @returns the JSON answer
 */
export async function getAccountMargin(c: Context) {
  const address = parseAddress(c.req.param("address"), "address");
  if (!address.ok) return c.json(address.bad, 400);
  configured ??= chainsOf();
  const chainId = parseChainFilter(c.req.query("chainId"), "chainId", configured.known);
  if (!chainId.ok) return c.json(chainId.bad, 400);
  const account = address.value;
  const read = await readAccountMarginRows(db, { account, shared });
  shared = read.shared;
  const chainNames = configured.names;
  return c.json(
    accountMarginView({ account, rows: read.rows, shared: read.shared, chainNames, chainId: chainId.value }),
  );
}
