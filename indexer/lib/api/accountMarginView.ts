import type { Address } from "viem";
import type {
  accountMargin,
  collateral,
  collateralBalance,
  hubCredit,
  perpMarket,
  position,
  price,
  withdrawal,
} from "../../ponder.schema.js";
import { type CollateralLine, computeAccountMargin } from "../computeAccountMargin.js";
import { collateralKey } from "../indexerConfig.js";
import type { MarginRisk } from "../prepareMarginRisk.js";

type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

/** One account's rows that `GET /accounts/:address/margin` reads (the columns it uses). */
export type AccountMarginRows = {
  balances: readonly Pick<
    Row<typeof collateralBalance>,
    "chainId" | "token" | "balance" | "pending" | "seq" | "final"
  >[];
  credits: readonly Pick<Row<typeof hubCredit>, "chainId" | "token" | "balance" | "seq">[];
  positions: readonly Pick<Row<typeof position>, "market" | "size" | "entryPriceWad" | "debtUsd">[];
  /** The account's withdrawals not yet settled at the vault. */
  withdrawals: readonly Pick<
    Row<typeof withdrawal>,
    "requestGuid" | "chainId" | "token" | "amount" | "status" | "commandGuid" | "requestTimestamp"
  >[];
  /** The stored aggregate (absent for an account never seen). */
  stored: Pick<
    Row<typeof accountMargin>,
    "lastChangeChainId" | "lastChangeBlock" | "lastChangeTimestamp"
  > | null;
};

/** The shared tables the answer is valued with, and their `prepareMarginRisk` preparation. */
export type SharedTables = {
  collaterals: readonly Row<typeof collateral>[];
  prices: readonly Row<typeof price>[];
  markets: readonly Row<typeof perpMarket>[];
  risk: MarginRisk;
};

/** Parameters of {@link accountMarginView}. */
export type AccountMarginViewParameters = {
  account: Address;
  rows: AccountMarginRows;
  shared: SharedTables;
  /** Chain names by chain id (from the config). */
  chainNames: ReadonlyMap<number, string>;
  /** Only list this chain's collaterals, uncredited amounts and withdrawals (totals stay account-wide). */
  chainId?: number | undefined;
};

/** One (chain, token) line of the answer; amounts are decimal strings. */
export type CollateralView = {
  chainId: number;
  chain: string | null;
  token: Address;
  symbol: string | null;
  /** Whether the hub has configured the collateral (an unconfigured token is worth 0). */
  registered: boolean;
  tokenDecimals: number;
  balance: string;
  pending: string;
  seq: string;
  final: boolean;
  credited: string;
  creditedSeq: string | null;
  uncredited: string;
  price: { feed: Address | null; answer: string; decimals: number };
  valueUsd: string;
  haircutBps: number;
  adjustedUsd: string;
  liquidationThresholdBps: number;
  liquidationUsd: string;
  creditedValueUsd: string;
  creditedAdjustedUsd: string;
};

/**
 * Builds the answer of `GET /accounts/:address/margin` from raw rows with
 * `computeAccountMargin` (the function the handlers store `account_margin` with): per chain and
 * token the raw balance, price, value, haircut and adjusted value; the totals over the vault
 * balances and over the hub credits; health; pending withdrawals; and what the vaults hold that
 * the hub has not credited yet. Bigints are decimal strings; USD amounts have 18 decimals.
 *
 * @param parameters the account, its rows, the shared tables, chain names and an optional chain filter
 * @returns the JSON body
 */
export function accountMarginView(parameters: AccountMarginViewParameters) {
  const { rows, shared, chainId } = parameters;
  const result = computeAccountMargin({
    balances: rows.balances,
    credits: rows.credits,
    positions: rows.positions,
    risk: shared.risk,
  });
  const inChain = <T extends { chainId: number }>(items: readonly T[]) =>
    chainId === undefined ? [...items] : items.filter((item) => item.chainId === chainId);
  const collaterals = collateralViews(inChain(result.lines), rows, shared, parameters.chainNames);
  const { margin, credited } = result;
  return {
    account: parameters.account,
    chainId: chainId ?? null,
    collaterals,
    totals: {
      collateralUsd: margin.collateralUsd.toString(),
      adjustedUsd: margin.adjustedUsd.toString(),
      liquidationUsd: margin.liquidationUsd.toString(),
      initialUsd: margin.initialUsd.toString(),
      maintenanceUsd: margin.maintenanceUsd.toString(),
      creditedCollateralUsd: credited.collateralUsd.toString(),
      creditedAdjustedUsd: credited.adjustedUsd.toString(),
      creditedLiquidationUsd: credited.liquidationUsd.toString(),
      uncreditedUsd: result.uncreditedUsd.toString(),
    },
    health: {
      healthFactor: margin.healthFactor.toString(),
      healthy: result.healthy,
      liquidatable: result.liquidatable,
      creditedHealthFactor: credited.healthFactor.toString(),
    },
    chainCount: result.chainCount,
    positions: result.requirements.map((r) => ({
      market: r.market,
      symbol: shared.markets.find((m) => m.address === r.market.toLowerCase())?.symbol ?? null,
      size: r.size.toString(),
      entryPriceWad: r.entryPriceWad.toString(),
      priceWad: r.priceWad.toString(),
      debtUsd: r.debtUsd.toString(),
      initialUsd: r.initialUsd.toString(),
      maintenanceUsd: r.maintenanceUsd.toString(),
    })),
    pendingWithdrawals: inChain(rows.withdrawals).map((w) => ({
      requestGuid: w.requestGuid,
      chainId: w.chainId,
      token: w.token,
      amount: w.amount.toString(),
      status: w.status,
      commandGuid: w.commandGuid,
      requestTimestamp: w.requestTimestamp?.toString() ?? null,
    })),
    uncredited: collaterals
      .filter((c) => c.uncredited !== "0")
      .map((c) => ({
        chainId: c.chainId,
        token: c.token,
        symbol: c.symbol,
        vaultBalance: c.balance,
        credited: c.credited,
        amount: c.uncredited,
        valueUsd: (BigInt(c.valueUsd) - BigInt(c.creditedValueUsd)).toString(),
      })),
    lastChange:
      rows.stored === null
        ? null
        : {
            chainId: rows.stored.lastChangeChainId,
            block: rows.stored.lastChangeBlock.toString(),
            timestamp: rows.stored.lastChangeTimestamp.toString(),
          },
  };
}

function collateralViews(
  lines: readonly CollateralLine[],
  rows: AccountMarginRows,
  shared: SharedTables,
  chainNames: ReadonlyMap<number, string>,
): CollateralView[] {
  const configured = new Map(shared.collaterals.map((c) => [collateralKey(c.chainId, c.token), c]));
  const balanceOf = new Map(rows.balances.map((b) => [collateralKey(b.chainId, b.token), b]));
  const creditOf = new Map(rows.credits.map((c) => [collateralKey(c.chainId, c.token), c]));
  return lines.map((line) => {
    const key = collateralKey(line.chainId, line.token);
    const c = configured.get(key);
    return {
      chainId: line.chainId,
      chain: chainNames.get(line.chainId) ?? null,
      token: line.token,
      symbol: c?.symbol ?? null,
      registered: line.registered,
      tokenDecimals: line.tokenDecimals,
      balance: line.balance.toString(),
      pending: line.pending.toString(),
      seq: (balanceOf.get(key)?.seq ?? 0n).toString(),
      final: balanceOf.get(key)?.final ?? false,
      credited: line.credited.toString(),
      creditedSeq: creditOf.get(key)?.seq.toString() ?? null,
      uncredited: line.uncredited.toString(),
      price: { feed: c?.feed ?? null, answer: line.price.toString(), decimals: line.feedDecimals },
      valueUsd: line.valueUsd.toString(),
      haircutBps: line.haircutBps,
      adjustedUsd: line.adjustedUsd.toString(),
      liquidationThresholdBps: line.liquidationThresholdBps,
      liquidationUsd: line.liquidationUsd.toString(),
      creditedValueUsd: line.creditedValueUsd.toString(),
      creditedAdjustedUsd: line.creditedAdjustedUsd.toString(),
    };
  });
}

/** The JSON body of `GET /accounts/:address/margin`. */
export type AccountMarginView = ReturnType<typeof accountMarginView>;
