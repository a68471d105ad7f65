import { db } from "ponder:api";
import {
  accountMargin,
  collateral,
  collateralBalance,
  hubCredit,
  perpMarket,
  position,
  price,
  withdrawal,
} from "ponder:schema";
import type { Context } from "hono";
import { eq } from "ponder";
import { accountMarginView } from "../../lib/api/accountMarginView.js";
import { parseAddress, parseChainFilter } from "../../lib/api/parseRequest.js";
import { indexerConfig } from "../../lib/indexerConfig.js";

/**
 * `GET /accounts/:address/margin[?chainId=<id>]`: the account's margin per chain and token, its
 * totals, health, positions, pending withdrawals and uncredited holdings (see indexer/README.md).
 * 400 names the parameter when the address or the chain is not valid.
 *
 * @param c the Hono context
 * @returns the JSON answer
 */
export async function getAccountMargin(c: Context) {
  const address = parseAddress(c.req.param("address"), "address");
  if (!address.ok) return c.json(address.bad, 400);
  const { chains } = indexerConfig();
  const chainId = parseChainFilter(c.req.query("chainId"), "chainId", new Set(chains.keys()));
  if (!chainId.ok) return c.json(chainId.bad, 400);
  const account = address.value;
  const rows = {
    balances: await db.select().from(collateralBalance).where(eq(collateralBalance.account, account)),
    credits: await db.select().from(hubCredit).where(eq(hubCredit.account, account)),
    collaterals: await db.select().from(collateral),
    prices: await db.select().from(price),
    positions: await db.select().from(position).where(eq(position.account, account)),
    markets: await db.select().from(perpMarket),
    withdrawals: await db.select().from(withdrawal).where(eq(withdrawal.account, account)),
    stored: (await db.select().from(accountMargin).where(eq(accountMargin.account, account)))[0] ?? null,
  };
  const chainNames = new Map([...chains.values()].map((chain) => [chain.chainId, chain.name]));
  return c.json(accountMarginView({ account, rows, chainNames, chainId: chainId.value }));
}
