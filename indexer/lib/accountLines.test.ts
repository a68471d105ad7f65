import fc from "fast-check";
import type { Address } from "viem";
import { describe, expect, test } from "vitest";
import {
  type AccountLines,
  configuredLines,
  emptyAccountLines,
  formatAccountLines,
  parseAccountLines,
  setBalanceLine,
  setCreditLine,
  setPositionLine,
} from "./accountLines.js";
import { computeAccountMargin } from "./computeAccountMargin.js";
import { collateralKey } from "./indexerConfig.js";
import { prepareMarginRisk } from "./prepareMarginRisk.js";

const addr = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;
const USDC = addr(0x20);
const WSTETH = addr(0x40);
const MARKET = addr(0x60);
const OTHER_MARKET = addr(0x61);

const uint = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const int = fc.bigInt({ min: -(2n ** 255n), max: 2n ** 255n - 1n });
const token = fc.constantFrom(USDC, WSTETH, addr(0x99));
const chainId = fc.constantFrom(1, 2, 31337);

/** One write of a raw row, as the handlers do it. */
const write = fc.oneof(
  fc.record({ kind: fc.constant("balance" as const), chainId, token, balance: uint, pending: uint }),
  fc.record({ kind: fc.constant("credit" as const), chainId, token, balance: uint }),
  fc.record({
    kind: fc.constant("position" as const),
    market: fc.constantFrom(MARKET, OTHER_MARKET),
    size: int,
    entryPriceWad: uint,
    debtUsd: uint,
  }),
);
type Write = typeof write extends fc.Arbitrary<infer T> ? T : never;

/** The raw rows after the writes: one per key, the last write wins (as the tables' upserts). */
function rowsAfter(writes: readonly Write[]): AccountLines {
  const balances = new Map<string, AccountLines["balances"][number]>();
  const credits = new Map<string, AccountLines["credits"][number]>();
  const positions = new Map<string, AccountLines["positions"][number]>();
  for (const w of writes) {
    if (w.kind === "balance") {
      const { chainId, token, balance, pending } = w;
      balances.set(collateralKey(chainId, token), { chainId, token, balance, pending });
    } else if (w.kind === "credit") {
      const { chainId, token, balance } = w;
      credits.set(collateralKey(chainId, token), { chainId, token, balance });
    } else {
      const { market, size, entryPriceWad, debtUsd } = w;
      positions.set(market, { market, size, entryPriceWad, debtUsd });
    }
  }
  return {
    balances: [...balances.values()],
    credits: [...credits.values()],
    positions: [...positions.values()],
  };
}

const byKey = (lines: AccountLines) => ({
  balances: [...lines.balances].sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token)),
  credits: [...lines.credits].sort((a, b) => a.chainId - b.chainId || a.token.localeCompare(b.token)),
  positions: [...lines.positions].sort((a, b) => a.market.localeCompare(b.market)),
});

describe("accountLines", () => {
  test("lines kept through the stored columns, one write at a time, equal the raw rows the writes leave", () => {
    fc.assert(
      fc.property(fc.array(write, { maxLength: 30 }), (writes) => {
        let columns = formatAccountLines(emptyAccountLines());
        for (const w of writes) {
          // Each event: parse the stored row, set the event's own line, store again.
          const lines = parseAccountLines(columns);
          if (w.kind === "balance") setBalanceLine(lines, w);
          else if (w.kind === "credit") setCreditLine(lines, w);
          else setPositionLine(lines, w);
          columns = formatAccountLines(lines);
        }
        expect(byKey(parseAccountLines(columns))).toEqual(byKey(rowsAfter(writes)));
      }),
      { numRuns: 300 },
    );
  });

  test("the stored form is the documented one; a malformed entry is refused", () => {
    const lines = emptyAccountLines();
    setBalanceLine(lines, { chainId: 1, token: USDC, balance: 10n, pending: 2n });
    setCreditLine(lines, { chainId: 1, token: USDC, balance: 7n });
    setPositionLine(lines, { market: MARKET, size: -5n, entryPriceWad: 3n, debtUsd: 0n });
    setBalanceLine(lines, { chainId: 2, token: WSTETH, balance: 1n, pending: 0n });
    setBalanceLine(lines, { chainId: 1, token: USDC, balance: 11n, pending: 1n });
    expect(formatAccountLines(lines)).toEqual({
      balanceLines: `1:${USDC}:11:1 2:${WSTETH}:1:0`,
      creditLines: `1:${USDC}:7`,
      positionLines: `${MARKET}:-5:3:0`,
    });
    expect(() =>
      parseAccountLines({ balanceLines: `1:${USDC}:11`, creditLines: "", positionLines: "" }),
    ).toThrow(/expected 4 fields/);
  });

  test("the margin from the configured lines equals the margin from the raw rows", () => {
    const risk = prepareMarginRisk({
      collaterals: [
        {
          chainId: 1,
          token: USDC,
          feed: addr(0x21),
          feedDecimals: 8,
          tokenDecimals: 6,
          haircutBps: 200,
          liquidationThresholdBps: 9900,
          capPerAccount: 0n,
          registeredBlock: 1n,
          registeredLogIndex: 0,
        },
      ],
      prices: [
        { feed: addr(0x21), answer: 10n ** 8n },
        { feed: addr(0x41), answer: 3_000n * 10n ** 8n },
      ],
      markets: [
        {
          address: MARKET,
          feed: addr(0x41),
          feedDecimals: 8,
          initialMarginBps: 1000,
          maintenanceMarginBps: 500,
        },
      ],
    });
    const keys = { collateralKeys: new Set([collateralKey(1, USDC)]), markets: [MARKET] };
    const small = fc.bigInt({ min: 0n, max: 10n ** 30n });
    const smallWrite = fc.oneof(
      fc.record({ kind: fc.constant("balance" as const), chainId, token, balance: small, pending: small }),
      fc.record({ kind: fc.constant("credit" as const), chainId, token, balance: small }),
      fc.record({
        kind: fc.constant("position" as const),
        market: fc.constantFrom(MARKET, OTHER_MARKET),
        size: fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
        entryPriceWad: fc.bigInt({ min: 1n, max: 10n ** 24n }),
        debtUsd: small,
      }),
    );
    fc.assert(
      fc.property(fc.array(smallWrite, { maxLength: 12 }), (writes) => {
        const lines = emptyAccountLines();
        for (const w of writes) {
          if (w.kind === "balance") setBalanceLine(lines, w);
          else if (w.kind === "credit") setCreditLine(lines, w);
          else setPositionLine(lines, w);
        }
        const rows = rowsAfter(writes);
        const fromRows = computeAccountMargin({
          balances: rows.balances.filter((b) => b.chainId === 1 && b.token === USDC),
          credits: rows.credits.filter((c) => c.chainId === 1 && c.token === USDC),
          positions: rows.positions.filter((p) => p.market === MARKET),
          risk,
        });
        expect(computeAccountMargin({ ...configuredLines(lines, keys), risk })).toEqual(fromRows);
      }),
      { numRuns: 200 },
    );
  });
});
