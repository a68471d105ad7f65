import { closeFactor, collateral, hubCredit, perpMarket, position } from "ponder:schema";
import type { Context } from "hono";
import { and, asc, gt, inArray, ne, or } from "ponder";
import type { BadRequest, Parsed } from "../../lib/api/parseRequest.js";
import { parseShocks } from "../../lib/api/parseShocks.js";
import { stressAnswer } from "../../lib/api/stressAnswer.js";
import type { ReadDb } from "./readDb.js";

export const STRESS_DEFAULT_LIMIT = 100;
export const STRESS_MAX_LIMIT = 1000;

/**
 * `POST /stress[?limit=100]` with `{"shocks": {"wstETH": -0.3, "ETH-PERP": -0.2}}`: re-values every
 * account with a position or debt at the newest indexed prices moved by the shocks, with the hub's
 * math (`shared/margin/stressAccount.ts`), and answers which accounts `MarginHub.isLiquidatable`
 * would flag, their shortfall, and what `liquidate` would seize on each vault chain. 400 names the
 * field for a missing or non-JSON body, an unknown symbol, or a shock out of range.
 *
 * @param db the API's database
 * @param chainNames the configured chains' names by id
 * @param consumerOrder the config's `perpMarkets`, in the hub's consumer order: a liquidation
 *   seizes for one market after the other in that order, so the preview must too
 * @returns the Hono handler
 */
export function postStress(
  db: ReadDb,
  chainNames: ReadonlyMap<number, string>,
  consumerOrder: readonly string[] = [],
) {
  return async (c: Context) => {
    const limit = parseLimit(c.req.query("limit"));
    if (!limit.ok) return c.json(limit.bad, 400);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = undefined; // no body, or not JSON: parseShocks names it
    }
    const shocks = parseShocks(body);
    if (!shocks.ok) return c.json(shocks.bad, 400);
    const hasRequirement = or(ne(position.size, 0n), ne(position.debtUsd, 0n));
    const [collaterals, markets, positions, credits, closeFactors] = await Promise.all([
      db
        .select()
        .from(collateral)
        .orderBy(asc(collateral.registeredBlock), asc(collateral.registeredLogIndex)),
      db.select().from(perpMarket).orderBy(asc(perpMarket.address)),
      db.select().from(position).where(hasRequirement).orderBy(asc(position.account), asc(position.market)),
      db
        .select()
        .from(hubCredit)
        .where(
          and(
            gt(hubCredit.balance, 0n),
            inArray(
              hubCredit.account,
              db.select({ account: position.account }).from(position).where(hasRequirement),
            ),
          ),
        ),
      // One hub, so at most one row.
      db.select().from(closeFactor).limit(1),
    ]);
    const answer = stressAnswer({
      rows: {
        collaterals,
        markets: inConsumerOrder(markets, consumerOrder),
        positions,
        credits,
        closeFactor: closeFactors[0],
      },
      shocks: shocks.value,
      chainNames,
      limit: limit.value,
    });
    if (!answer.ok) return c.json(answer.bad, 400);
    return c.json(answer.value);
  };
}

function parseLimit(value: string | undefined): Parsed<number> {
  if (value === undefined || value === "") return { ok: true, value: STRESS_DEFAULT_LIMIT };
  const limit = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit <= STRESS_MAX_LIMIT)) {
    const bad: BadRequest = {
      error: `expected an integer from 1 to ${STRESS_MAX_LIMIT}, got ${JSON.stringify(value.slice(0, 80))}`,
      parameter: "limit",
    };
    return { ok: false, bad };
  }
  return { ok: true, value: limit };
}

/** The markets in the hub's consumer order (`order`); a market not listed goes last, by address. */
function inConsumerOrder<T extends { address: string }>(
  markets: readonly T[],
  order: readonly string[],
): T[] {
  const rank = (m: T) => {
    const index = order.findIndex((address) => address.toLowerCase() === m.address.toLowerCase());
    return index < 0 ? order.length : index;
  };
  return markets.toSorted((a, b) => rank(a) - rank(b) || a.address.localeCompare(b.address));
}
