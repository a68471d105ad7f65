import type { Address } from "viem";
import type { AccountRowsInput, BalanceInput, CreditInput, PositionInput } from "./computeAccountMargin.js";

/**
 * An account's current lines: one per raw row it has (`collateral_balance`, `hub_credit`,
 * `position`), with the figures its margin is computed from. Stored in its `account_margin` row so
 * that an event recomputes the account from that one row and its own change, without reading the
 * account's other rows.
 */
export type AccountLines = {
  balances: BalanceInput[];
  credits: CreditInput[];
  positions: PositionInput[];
};

/** The `account_margin` columns that hold an account's lines (space-separated, `:`-joined fields). */
export type AccountLineColumns = {
  /** `"<chainId>:<token>:<balance>:<pending>"` per `collateral_balance` row. */
  balanceLines: string;
  /** `"<chainId>:<token>:<balance>"` per `hub_credit` row. */
  creditLines: string;
  /** `"<market>:<size>:<entryPriceWad>:<debtUsd>"` per `position` row (size signed). */
  positionLines: string;
};

/** No lines (a new account). */
export function emptyAccountLines(): AccountLines {
  return { balances: [], credits: [], positions: [] };
}

/**
 * An account's lines from its stored columns.
 *
 * @param columns the stored `balanceLines`, `creditLines`, `positionLines`
 * @returns the lines, in stored order
 * @throws {Error} on a malformed entry (the columns are written only by {@link formatAccountLines})
 * @example
 * parseAccountLines({ balanceLines: "31338:0xabc…:100:0", creditLines: "", positionLines: "" });
 */
export function parseAccountLines(columns: AccountLineColumns): AccountLines {
  return {
    balances: entries(columns.balanceLines, 4).map(
      ([chainId = "", token = "", balance = "", pending = ""]) => ({
        chainId: Number(chainId),
        token: token as Address, // formatAccountLines wrote an address there
        balance: BigInt(balance),
        pending: BigInt(pending),
      }),
    ),
    credits: entries(columns.creditLines, 3).map(([chainId = "", token = "", balance = ""]) => ({
      chainId: Number(chainId),
      token: token as Address, // formatAccountLines wrote an address there
      balance: BigInt(balance),
    })),
    positions: entries(columns.positionLines, 4).map(
      ([market = "", size = "", entryPriceWad = "", debtUsd = ""]) => ({
        market: market as Address, // formatAccountLines wrote an address there
        size: BigInt(size),
        entryPriceWad: BigInt(entryPriceWad),
        debtUsd: BigInt(debtUsd),
      }),
    ),
  };
}

/** The `:`-split entries of a column, each checked to have `fields` fields (so no default above applies). */
function entries(column: string, fields: number): string[][] {
  if (column === "") return [];
  return column.split(" ").map((entry) => {
    const parts = entry.split(":");
    if (parts.length !== fields) throw new Error(`account line: expected ${fields} fields, got "${entry}"`);
    return parts;
  });
}

/**
 * The stored columns of an account's lines (only the fields the margin needs).
 *
 * @param lines the lines
 * @returns `balanceLines`, `creditLines`, `positionLines`
 */
export function formatAccountLines(lines: AccountRowsInput): AccountLineColumns {
  return {
    balanceLines: lines.balances.map((b) => `${b.chainId}:${b.token}:${b.balance}:${b.pending}`).join(" "),
    creditLines: lines.credits.map((c) => `${c.chainId}:${c.token}:${c.balance}`).join(" "),
    positionLines: lines.positions
      .map((p) => `${p.market}:${p.size}:${p.entryPriceWad}:${p.debtUsd}`)
      .join(" "),
  };
}

/**
 * Sets the line of one `collateral_balance` row (replacing the line of the same chain and token,
 * else appending it).
 *
 * @param lines the account's lines (changed in place)
 * @param line the row's figures as written (token lowercase)
 */
export function setBalanceLine(lines: AccountLines, line: BalanceInput): void {
  const { chainId, token, balance, pending } = line;
  const at = lines.balances.findIndex((b) => b.chainId === chainId && b.token === token);
  const entry = { chainId, token, balance, pending };
  if (at === -1) lines.balances.push(entry);
  else lines.balances[at] = entry;
}

/**
 * Sets the line of one `hub_credit` row.
 *
 * @param lines the account's lines (changed in place)
 * @param line the row's figures as written (token lowercase)
 */
export function setCreditLine(lines: AccountLines, line: CreditInput): void {
  const { chainId, token, balance } = line;
  const at = lines.credits.findIndex((c) => c.chainId === chainId && c.token === token);
  const entry = { chainId, token, balance };
  if (at === -1) lines.credits.push(entry);
  else lines.credits[at] = entry;
}

/**
 * Sets the line of one `position` row.
 *
 * @param lines the account's lines (changed in place)
 * @param line the row's figures as written (market lowercase)
 */
export function setPositionLine(lines: AccountLines, line: PositionInput): void {
  const { market, size, entryPriceWad, debtUsd } = line;
  const at = lines.positions.findIndex((p) => p.market === market);
  const entry = { market, size, entryPriceWad, debtUsd };
  if (at === -1) lines.positions.push(entry);
  else lines.positions[at] = entry;
}

/** The configured collaterals (`collateralKey`) and markets (lowercase): the only lines the margin counts. */
export type ConfiguredKeys = {
  collateralKeys: ReadonlySet<string>;
  markets: readonly string[];
};

/**
 * The lines the margin counts: those of configured collaterals and markets.
 *
 * @param lines every line of the account
 * @param keys the configured collaterals and markets
 * @returns the configured lines
 */
export function configuredLines(lines: AccountRowsInput, keys: ConfiguredKeys): AccountRowsInput {
  // Tokens and markets in lines are lowercase already: the key is built without `collateralKey`'s
  // lowercasing (the backfill runs this once per event).
  const isConfigured = (row: { chainId: number; token: string }) =>
    keys.collateralKeys.has(`${row.chainId}:${row.token}`);
  const isKnown = (p: { market: string }) => keys.markets.includes(p.market);
  // Usually every line counts: no copies then.
  if (
    lines.balances.every(isConfigured) &&
    lines.credits.every(isConfigured) &&
    lines.positions.every(isKnown)
  )
    return lines;
  return {
    balances: lines.balances.filter(isConfigured),
    credits: lines.credits.filter(isConfigured),
    positions: lines.positions.filter(isKnown),
  };
}
