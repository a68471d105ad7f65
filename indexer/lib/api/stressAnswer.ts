import type { Address } from "viem";
import type { SeizeCollateral } from "../../../shared/margin/seizePreview.js";
import { shockAnswer } from "../../../shared/margin/shockAnswer.js";
import {
  CLOSE_ALL,
  type StressMarket,
  type StressPosition,
  stressAccount,
} from "../../../shared/margin/stressAccount.js";
import type { closeFactor, collateral, hubCredit, perpMarket, position } from "../../ponder.schema.js";
import { collateralRowConfig } from "../collateralRowConfig.js";
import type { BadRequest, Parsed } from "./parseRequest.js";
import { formatWad } from "./parseShocks.js";

type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

/** What `POST /stress` reads: the risk book at the newest indexed prices. */
export type StressRows = {
  /** Every configured collateral, in the hub's registration order. */
  collaterals: readonly Row<typeof collateral>[];
  /** Every perp market (the hub's consumers), by address. */
  markets: readonly Row<typeof perpMarket>[];
  /** Every position row with a size or a debt. */
  positions: readonly Row<typeof position>[];
  /** The positive hub credits of the accounts with a position or debt. */
  credits: readonly Row<typeof hubCredit>[];
  /** The hub's close factor (`CloseFactorSet`); undefined: never set, every liquidation closes all. */
  closeFactor: Row<typeof closeFactor> | undefined;
};

/** Parameters of {@link stressAnswer}. */
export type StressAnswerParameters = {
  rows: StressRows;
  /** Relative moves by collateral or market symbol, 18 decimals (from `parseShocks`). */
  shocks: ReadonlyMap<string, bigint>;
  chainNames: ReadonlyMap<number, string>;
  /** Most accounts listed (totals count them all). */
  limit: number;
};

type Seized = { owedAmount: bigint; bonusAmount: bigint };

/**
 * The JSON body of `POST /stress`: every account with a position or debt re-valued with the
 * shocked feed answers by `stressAccount` (the hub's math), the ones `MarginHub.isLiquidatable`
 * would flag, their shortfall, the share one `liquidate` would close (the close factor) and what
 * that call would seize per vault chain and token.
 *
 * @param parameters rows, shocks, chain names, limit
 * @returns the body, or a 400 naming the shock that does not resolve
 */
export function stressAnswer(parameters: StressAnswerParameters): Parsed<ReturnType<typeof build>> {
  const feeds = resolveFeeds(parameters.rows, parameters.shocks);
  if (!feeds.ok) return feeds;
  return { ok: true, value: build(parameters, feeds.value) };
}

/** Each shock's symbol → the feeds it moves (a symbol may name collaterals on several chains, or a market). */
function resolveFeeds(rows: StressRows, shocks: ReadonlyMap<string, bigint>): Parsed<Map<Address, bigint>> {
  const feedsOf = new Map<string, Set<Address>>();
  const named = [
    ...rows.collaterals.map((c) => [c.symbol, c.feed] as const),
    ...rows.markets.map((m) => [m.symbol, m.feed] as const),
  ];
  for (const [symbol, feed] of named) {
    if (symbol === null) continue;
    const set = feedsOf.get(symbol) ?? new Set<Address>();
    set.add(feed);
    feedsOf.set(symbol, set);
  }
  const byFeed = new Map<Address, bigint>();
  const shockedBy = new Map<Address, string>();
  for (const [symbol, shock] of shocks) {
    const feeds = feedsOf.get(symbol);
    if (feeds === undefined) {
      const known = [...feedsOf.keys()].sort().join(", ");
      return bad(
        `shocks.${symbol}`,
        `unknown collateral or market symbol (expected one of ${known})`,
        symbol,
      );
    }
    for (const feed of feeds) {
      const earlier = byFeed.get(feed);
      if (earlier !== undefined && earlier !== shock)
        return bad(
          `shocks.${symbol}`,
          `conflicting shocks: ${symbol} and ${shockedBy.get(feed)} share the price feed ${feed} (expected one move per feed)`,
          formatWad(shock),
        );
      byFeed.set(feed, shock);
      shockedBy.set(feed, symbol);
    }
  }
  return { ok: true, value: byFeed };
}

function build(parameters: StressAnswerParameters, shockOf: ReadonlyMap<Address, bigint>) {
  const { rows, chainNames } = parameters;
  const priceOf = (feed: Address, answer: bigint) => {
    const shock = shockOf.get(feed);
    return shock === undefined ? answer : shockAnswer(answer, shock);
  };
  const collaterals: SeizeCollateral[] = rows.collaterals.map((c) => ({
    chainId: c.chainId,
    token: c.token,
    config: collateralRowConfig(c),
    feedDecimals: c.feedDecimals,
    price: priceOf(c.feed, c.answer),
    liquidationBonusBps: c.liquidationBonusBps,
  }));
  const markets: StressMarket[] = rows.markets.map((m) => ({
    address: m.address,
    feedDecimals: m.feedDecimals,
    initialMarginBps: m.initialMarginBps,
    maintenanceMarginBps: m.maintenanceMarginBps,
    price: priceOf(m.feed, m.answer),
    minPositionNotionalUsd: m.minPositionNotionalUsd,
  }));
  const closeFactorOf = rows.closeFactor ?? CLOSE_ALL;
  const symbolOf = new Map(
    rows.collaterals.map((c) => [
      `${c.chainId}:${c.token}`,
      { symbol: c.symbol, tokenDecimals: c.tokenDecimals },
    ]),
  );
  const positionsOf = groupBy(rows.positions, (p) => p.account);
  const creditsOf = groupBy(rows.credits, (c) => c.account);

  const liquidatable = [];
  const notComputable: Address[] = [];
  const seizedTotal = new Map<string, Seized>();
  let shortfallUsd = 0n;
  let owedUsd = 0n;
  let coveredUsd = 0n;
  for (const [account, accountPositions] of positionsOf) {
    const positions: StressPosition[] = accountPositions.map((p) => ({
      market: p.market,
      size: p.size,
      entryWad: p.entryPriceWad,
      debtUsd: p.debtUsd,
    }));
    const credits = (creditsOf.get(account) ?? []).map((c) => ({
      chainId: c.chainId,
      token: c.token,
      balance: c.balance,
    }));
    let result: ReturnType<typeof stressAccount>;
    try {
      result = stressAccount({
        credits,
        collaterals,
        markets,
        positions,
        closeFactor: {
          closeFactorBps: closeFactorOf.closeFactorBps,
          fullLiquidationHealthBps: closeFactorOf.fullLiquidationHealthBps,
        },
      });
    } catch {
      notComputable.push(account); // the hub's math would revert for this account
      continue;
    }
    if (!result.liquidatable || result.seizure === undefined) continue;
    const seized = new Map<string, Seized>();
    for (const s of result.seizure.seizures) {
      for (const into of [seized, seizedTotal]) {
        const key = `${s.chainId}:${s.token}`;
        const sum = into.get(key) ?? { owedAmount: 0n, bonusAmount: 0n };
        into.set(key, {
          owedAmount: sum.owedAmount + s.owedAmount,
          bonusAmount: sum.bonusAmount + s.bonusAmount,
        });
      }
    }
    shortfallUsd += result.shortfallUsd;
    owedUsd += result.seizure.owedUsd;
    coveredUsd += result.seizure.coveredUsd;
    liquidatable.push({
      account,
      healthFactor: result.margin.healthFactor.toString(),
      liquidationUsd: result.margin.liquidationUsd.toString(),
      maintenanceUsd: result.margin.maintenanceUsd.toString(),
      shortfallUsd: result.shortfallUsd,
      closeBps: Number(result.closeBps ?? 10_000n),
      owedUsd: result.seizure.owedUsd.toString(),
      coveredUsd: result.seizure.coveredUsd.toString(),
      badDebtUsd: (result.seizure.owedUsd - result.seizure.coveredUsd).toString(),
      seizures: byChain(seized, chainNames, symbolOf),
    });
  }
  liquidatable.sort((a, b) =>
    a.shortfallUsd === b.shortfallUsd
      ? a.account.localeCompare(b.account)
      : a.shortfallUsd > b.shortfallUsd
        ? -1
        : 1,
  );
  return {
    shocks: Object.fromEntries([...parameters.shocks].map(([symbol, shock]) => [symbol, formatWad(shock)])),
    prices: [...shockOf].map(([feed, shock]) => {
      const source =
        rows.collaterals.find((c) => c.feed === feed) ?? rows.markets.find((m) => m.feed === feed);
      const answer = source?.answer ?? 0n;
      return {
        feed,
        shock: formatWad(shock),
        answer: answer.toString(),
        shockedAnswer: priceOf(feed, answer).toString(),
        decimals: source?.feedDecimals ?? 0,
      };
    }),
    accountsEvaluated: positionsOf.size,
    totals: {
      liquidatableAccounts: liquidatable.length,
      shortfallUsd: shortfallUsd.toString(),
      owedUsd: owedUsd.toString(),
      coveredUsd: coveredUsd.toString(),
      badDebtUsd: (owedUsd - coveredUsd).toString(),
      seizures: byChain(seizedTotal, chainNames, symbolOf),
    },
    limit: parameters.limit,
    accounts: liquidatable
      .slice(0, parameters.limit)
      .map(({ shortfallUsd: s, ...rest }) => ({ ...rest, shortfallUsd: s.toString() })),
    notComputable,
  };
}

/** Seized amounts keyed `"<chainId>:<token>"` → per vault chain, then token. */
function byChain(
  seized: ReadonlyMap<string, Seized>,
  chainNames: ReadonlyMap<number, string>,
  symbolOf: ReadonlyMap<string, { symbol: string | null; tokenDecimals: number }>,
) {
  const chains = new Map<
    number,
    {
      token: Address;
      symbol: string | null;
      tokenDecimals: number;
      amount: string;
      owedAmount: string;
      bonusAmount: string;
    }[]
  >();
  for (const [key, s] of [...seized].sort(([a], [b]) => a.localeCompare(b))) {
    const [chainText, token] = key.split(":") as [string, Address]; // built as `${chainId}:${token}` above
    const chainId = Number(chainText);
    const tokens = chains.get(chainId) ?? [];
    tokens.push({
      token,
      symbol: symbolOf.get(key)?.symbol ?? null,
      tokenDecimals: symbolOf.get(key)?.tokenDecimals ?? 0,
      amount: (s.owedAmount + s.bonusAmount).toString(),
      owedAmount: s.owedAmount.toString(),
      bonusAmount: s.bonusAmount.toString(),
    });
    chains.set(chainId, tokens);
  }
  return [...chains]
    .sort(([a], [b]) => a - b)
    .map(([chainId, tokens]) => ({ chainId, chain: chainNames.get(chainId) ?? null, tokens }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => Address): Map<Address, T[]> {
  const groups = new Map<Address, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}

function bad(parameter: string, expected: string, got: string): { ok: false; bad: BadRequest } {
  return { ok: false, bad: { error: `${expected}, got ${JSON.stringify(got.slice(0, 80))}`, parameter } };
}
