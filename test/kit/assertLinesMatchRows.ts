import { expect } from "vitest";
import { type AccountLines, parseAccountLines } from "../../indexer/lib/accountLines.js";
import type { AccountRows } from "./readAccountRows.js";

/**
 * Asserts that the lines stored in the account's `account_margin` row (what the handlers compute
 * the next change from) are exactly its raw `collateral_balance`, `hub_credit` and `position` rows:
 * one line per row, with the row's figures. Nothing to check when the account has no stored row.
 *
 * @param rows the account's rows and stored aggregate ({@link readAccountRows})
 * @param label names the account in a failure
 */
export function assertLinesMatchRows(rows: AccountRows, label: string): void {
  if (rows.stored === undefined) return;
  const fromRows: AccountLines = {
    balances: rows.balances.map(({ chainId, token, balance, pending }) => ({
      chainId,
      token,
      balance,
      pending,
    })),
    credits: rows.credits.map(({ chainId, token, balance }) => ({ chainId, token, balance })),
    positions: rows.positions.map(({ market, size, entryPriceWad, debtUsd }) => ({
      market,
      size,
      entryPriceWad,
      debtUsd,
    })),
  };
  expect(sorted(parseAccountLines(rows.stored)), `${label}: stored account lines vs raw rows`).toEqual(
    sorted(fromRows),
  );
}

function sorted(lines: AccountLines): AccountLines {
  const byCollateral = (a: { chainId: number; token: string }, b: { chainId: number; token: string }) =>
    a.chainId - b.chainId || a.token.localeCompare(b.token);
  return {
    balances: [...lines.balances].sort(byCollateral),
    credits: [...lines.credits].sort(byCollateral),
    positions: [...lines.positions].sort((a, b) => a.market.localeCompare(b.market)),
  };
}
