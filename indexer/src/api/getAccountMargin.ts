import {
  accountMargin,
  collateral,
  collateralLine,
  perpMarket,
  requirementLine,
  withdrawal,
} from "ponder:schema";
import type { Context } from "hono";
import { and, asc, eq, isNull, sql } from "ponder";
import { distanceAnswer } from "../../lib/api/distanceAnswer.js";
import { marginAnswer } from "../../lib/api/marginAnswer.js";
import { parseAddress, parseChainFilter } from "../../lib/api/parseRequest.js";
import type { ReadDb } from "./readDb.js";

/**
 * `GET /accounts/:address/margin[?chainId=<id>]`: the account's margin per chain and token, its
 * totals, health, positions, open withdrawals and uncredited holdings, read from the margin views
 * (the ones GraphQL and SQL over HTTP serve). 400 names the parameter when the address or the
 * chain is not valid.
 *
 * @param db the API's database
 * @param chainNames the configured chains' names by id
 * @returns the Hono handler
 */
export function getAccountMargin(db: ReadDb, chainNames: ReadonlyMap<number, string>) {
  const knownChains = new Set(chainNames.keys());
  // Named prepared statements: on Postgres each connection plans them once, not per request.
  const account = sql.placeholder("account");
  const margin = db
    .select()
    .from(accountMargin)
    .where(eq(accountMargin.account, account))
    .prepare("crossmargin_account_margin");
  const lines = db
    .select()
    .from(collateralLine)
    .where(eq(collateralLine.account, account))
    .orderBy(asc(collateralLine.chainId), asc(collateralLine.token))
    .prepare("crossmargin_collateral_lines");
  const requirements = db
    .select()
    .from(requirementLine)
    .where(eq(requirementLine.account, account))
    .orderBy(asc(requirementLine.market))
    .prepare("crossmargin_requirement_lines");
  const withdrawals = db
    .select()
    .from(withdrawal)
    .where(and(eq(withdrawal.account, account), isNull(withdrawal.settledBlock)))
    .orderBy(asc(withdrawal.requestTimestamp), asc(withdrawal.requestGuid))
    .prepare("crossmargin_open_withdrawals");
  const collaterals = db
    .select()
    .from(collateral)
    .orderBy(asc(collateral.registeredBlock), asc(collateral.registeredLogIndex))
    .prepare("crossmargin_collaterals");
  const markets = db
    .select()
    .from(perpMarket)
    .orderBy(asc(perpMarket.address))
    .prepare("crossmargin_markets");
  return async (c: Context) => {
    const address = parseAddress(c.req.param("address"), "address");
    if (!address.ok) return c.json(address.bad, 400);
    const chainId = parseChainFilter(c.req.query("chainId"), "chainId", knownChains);
    if (!chainId.ok) return c.json(chainId.bad, 400);
    const values = { account: address.value };
    const [rows, lineRows, requirementRows, withdrawalRows, collateralRows, marketRows] = await Promise.all([
      margin.execute(values),
      lines.execute(values),
      requirements.execute(values),
      withdrawals.execute(values),
      collaterals.execute(),
      markets.execute(),
    ]);
    const distanceToLiquidation = distanceAnswer({
      collaterals: collateralRows,
      markets: marketRows,
      lines: lineRows,
      requirements: requirementRows,
    });
    return c.json({
      ...marginAnswer({
        account: address.value,
        rows: {
          margin: rows[0],
          lines: lineRows,
          requirements: requirementRows,
          withdrawals: withdrawalRows,
        },
        chainNames,
        chainId: chainId.value,
      }),
      distanceToLiquidation,
    });
  };
}
