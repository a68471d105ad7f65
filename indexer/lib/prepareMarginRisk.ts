import type { MarginCollateral } from "../../shared/margin/accountMargin.js";
import type { CollateralInput, MarketInput, PriceInput } from "./computeAccountMargin.js";
import { collateralKey } from "./indexerConfig.js";

/** Parameters of {@link prepareMarginRisk}: the shared tables every account is valued with. */
export type PrepareMarginRiskParameters = {
  collaterals: readonly CollateralInput[];
  prices: readonly PriceInput[];
  markets: readonly MarketInput[];
};

/** A registered collateral, priced, with its lookup key. */
export type PricedCollateral = MarginCollateral & {
  /** `collateralKey(chainId, token)`. */
  key: string;
  /** Its price feed (lowercase). */
  feed: string;
};

/**
 * The shared side of every account's margin, prepared once: what `computeAccountMargin` needs
 * besides the account's own rows. Build it again whenever a `collateral`, `price` or
 * `perp_market` row changes.
 */
export type MarginRisk = {
  /** Registered collaterals with their price, in the hub's registration order. */
  collaterals: readonly PricedCollateral[];
  /** The same, by `collateralKey(chainId, token)`. */
  byKey: ReadonlyMap<string, PricedCollateral>;
  /** Perp markets by lowercase address. */
  markets: ReadonlyMap<string, MarketInput>;
  /** Feed answers by lowercase feed. */
  answers: ReadonlyMap<string, bigint>;
};

/**
 * Prepares the shared tables for valuing many accounts: collaterals sorted into registration
 * order (first configuration's block, then log index) and priced with their feed's answer (0 when
 * unknown), markets and answers keyed by lowercase address.
 *
 * @param parameters the `collateral`, `price` and `perp_market` rows
 * @returns the prepared risk
 * @example
 * const risk = prepareMarginRisk({ collaterals, prices, markets });
 * const a = computeAccountMargin({ risk, balances, credits, positions });
 */
export function prepareMarginRisk(parameters: PrepareMarginRiskParameters): MarginRisk {
  const answers = new Map(parameters.prices.map((p) => [p.feed.toLowerCase(), p.answer]));
  const collaterals = [...parameters.collaterals]
    .sort(
      (a, b) => Number(a.registeredBlock - b.registeredBlock) || a.registeredLogIndex - b.registeredLogIndex,
    )
    .map(
      (c): PricedCollateral => ({
        key: collateralKey(c.chainId, c.token),
        feed: c.feed.toLowerCase(),
        chainId: c.chainId,
        token: c.token,
        config: {
          tokenDecimals: c.tokenDecimals,
          haircutBps: c.haircutBps,
          liquidationThresholdBps: c.liquidationThresholdBps,
          capPerAccount: c.capPerAccount,
        },
        feedDecimals: c.feedDecimals,
        price: answers.get(c.feed.toLowerCase()) ?? 0n,
      }),
    );
  return {
    collaterals,
    byKey: new Map(collaterals.map((c) => [c.key, c])),
    // Copies: the rows may be live objects of Ponder's indexing cache.
    markets: new Map(
      parameters.markets.map((m) => [
        m.address.toLowerCase(),
        {
          address: m.address,
          feed: m.feed,
          feedDecimals: m.feedDecimals,
          initialMarginBps: m.initialMarginBps,
          maintenanceMarginBps: m.maintenanceMarginBps,
        },
      ]),
    ),
    answers,
  };
}
