import { accountMargin } from "ponder:schema";
import type { Context } from "hono";
import { and, asc, eq, lt } from "ponder";
import type { BadRequest, Parsed } from "../../lib/api/parseRequest.js";
import type { ReadDb } from "./readDb.js";

const WAD_DECIMALS = 18;
const DECIMAL = /^(0|[1-9][0-9]{0,8})(\.[0-9]{1,18})?$/;
export const AT_RISK_DEFAULT_LIMIT = 100;
export const AT_RISK_MAX_LIMIT = 1000;

/**
 * `GET /accounts/at-risk[?healthBelow=1.1][&limit=100][&basis=credited|vault]`: accounts whose
 * health factor is below `healthBelow` (default 1, the liquidation line), lowest first, priced at
 * the newest indexed prices. `basis=credited` (default) uses the hub's credits, what a
 * liquidation acts on; `basis=vault` values every vault balance as if credited.
 *
 * @param db the API's database
 * @returns the Hono handler
 */
export function getAtRisk(db: ReadDb) {
  return async (c: Context) => {
    const below = parseHealth(c.req.query("healthBelow"));
    if (!below.ok) return c.json(below.bad, 400);
    const limit = parseLimit(c.req.query("limit"));
    if (!limit.ok) return c.json(limit.bad, 400);
    const basis = c.req.query("basis") ?? "credited";
    if (basis !== "credited" && basis !== "vault")
      return c.json(
        { error: `expected "credited" or "vault", got ${JSON.stringify(basis)}`, parameter: "basis" },
        400,
      );
    const health = basis === "credited" ? accountMargin.creditedHealthFactor : accountMargin.healthFactor;
    const rows = await db
      .select()
      .from(accountMargin)
      .where(and(eq(accountMargin.computable, true), lt(health, below.value)))
      .orderBy(asc(health), asc(accountMargin.account))
      .limit(limit.value);
    const text = (value: bigint | null) => (value === null ? null : value.toString());
    return c.json({
      healthBelow: formatWad(below.value),
      basis,
      limit: limit.value,
      accounts: rows.map((r) => ({
        account: r.account,
        healthFactor: text(basis === "credited" ? r.creditedHealthFactor : r.healthFactor),
        liquidatable: basis === "credited" ? r.creditedLiquidationUsd! < r.maintenanceUsd! : r.liquidatable,
        collateralUsd: text(basis === "credited" ? r.creditedCollateralUsd : r.collateralUsd),
        liquidationUsd: text(basis === "credited" ? r.creditedLiquidationUsd : r.liquidationUsd),
        maintenanceUsd: text(r.maintenanceUsd),
        initialUsd: text(r.initialUsd),
        vaultHealthFactor: text(r.healthFactor),
        creditedHealthFactor: text(r.creditedHealthFactor),
      })),
    });
  };
}

/**
 * A health factor as a decimal ("1.1") → 18-decimal fixed point; absent or empty → 1.
 *
 * @param value the raw parameter
 * @param parameter its name, reported back in the error
 * @returns the health factor, or a 400 naming the parameter
 */
export function parseHealth(value: string | undefined, parameter = "healthBelow"): Parsed<bigint> {
  if (value === undefined || value === "") return { ok: true, value: 10n ** 18n };
  const match = DECIMAL.exec(value);
  if (match === null)
    return bad(parameter, "expected a non-negative decimal such as 1.1 (at most 18 decimals)", value);
  const fraction = (match[2] ?? ".").slice(1).padEnd(WAD_DECIMALS, "0");
  return { ok: true, value: BigInt(match[1] ?? "0") * 10n ** 18n + BigInt(fraction) };
}

function parseLimit(value: string | undefined): Parsed<number> {
  if (value === undefined || value === "") return { ok: true, value: AT_RISK_DEFAULT_LIMIT };
  const limit = /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit <= AT_RISK_MAX_LIMIT))
    return bad("limit", `expected an integer from 1 to ${AT_RISK_MAX_LIMIT}`, value);
  return { ok: true, value: limit };
}

function formatWad(value: bigint): string {
  const fraction = (value % 10n ** 18n).toString().padStart(WAD_DECIMALS, "0").replace(/0+$/, "");
  return fraction === "" ? (value / 10n ** 18n).toString() : `${value / 10n ** 18n}.${fraction}`;
}

function bad(parameter: string, expected: string, value: string): { ok: false; bad: BadRequest } {
  return { ok: false, bad: { error: `${expected}, got ${JSON.stringify(value.slice(0, 80))}`, parameter } };
}
