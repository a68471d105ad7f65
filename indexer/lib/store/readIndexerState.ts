import { collateral, indexerState, perpMarket, price } from "../../ponder.schema.js";
import { collateralKey, type IndexerConfig, indexerConfig, lower } from "../indexerConfig.js";
import { type MarginRisk, prepareMarginRisk } from "../prepareMarginRisk.js";
import { INDEXER_STATE_ID } from "./bumpRiskStamp.js";
import type { IndexerDb } from "./context.js";

/** The keys an account's rows can have: the configured collaterals and perp markets (lowercase). */
export type MarginKeys = {
  collaterals: readonly { chainId: number; token: `0x${string}` }[];
  /** `collateralKey(chainId, token)` of each configured collateral. */
  collateralKeys: ReadonlySet<string>;
  markets: readonly `0x${string}`[];
};

const keysOf = new WeakMap<IndexerConfig, MarginKeys>();

/**
 * The configured collaterals and perp markets (lowercase), the only keys the margin reads. A
 * collateral the hub configures but the config file does not list is not valued.
 *
 * @param config the indexer's config (default: `indexerConfig()`)
 * @returns the keys (the same object for the same config)
 */
export function marginKeys(config: IndexerConfig = indexerConfig()): MarginKeys {
  const known = keysOf.get(config);
  if (known !== undefined) return known;
  const market = config.hub.contracts.perpMarket;
  const collaterals = [...config.collaterals.values()].map((c) => ({
    chainId: c.chainId,
    token: lower(c.token),
  }));
  const keys: MarginKeys = {
    collaterals,
    collateralKeys: new Set(collaterals.map((c) => collateralKey(c.chainId, c.token))),
    markets: market === undefined ? [] : [lower(market)],
  };
  keysOf.set(config, keys);
  return keys;
}

/** Return type of {@link readIndexerState}. */
export type ReadIndexerStateReturnType = {
  /** The shared side of the margin, prepared. */
  risk: MarginRisk;
  /** Collaterals (`collateralKey`) and lowercase markets with at least one account row. */
  held: ReadonlySet<string>;
  /** The stored `heldKeys` (space-separated). */
  heldKeys: string;
  /** Whether `margin_error` has a row. */
  marginErrors: boolean;
};

let riskMemo: { stamp: string; keys: MarginKeys; risk: MarginRisk } | undefined;
let heldMemo: { heldKeys: string; held: ReadonlySet<string> } | undefined;

/**
 * The `indexer_state` row as the handler's store sees it, with what it stands for: the shared
 * side of the margin (`collateral`, `price` and `perp_market` rows of the configured keys, prepared
 * with `prepareMarginRisk`), the held keys and whether any margin error was recorded. One `find`;
 * the tables are read again, by key, only when `riskStamp` moved.
 *
 * @param db the handler's `context.db`
 * @param keys the configured collaterals and markets
 * @returns the prepared risk and the held keys
 */
export async function readIndexerState(
  db: IndexerDb,
  keys: MarginKeys = marginKeys(),
): Promise<ReadIndexerStateReturnType> {
  const state = await db.find(indexerState, { id: INDEXER_STATE_ID });
  // No row: nothing was ever written to the three tables nor to an account (every such write sets it).
  const stamp = state?.riskStamp ?? "";
  const heldKeys = state?.heldKeys ?? "";
  if (heldMemo?.heldKeys !== heldKeys)
    heldMemo = { heldKeys, held: new Set(heldKeys === "" ? [] : heldKeys.split(" ")) };
  if (riskMemo === undefined || riskMemo.stamp !== stamp || riskMemo.keys !== keys)
    riskMemo = { stamp, keys, risk: await readRisk(db, keys) };
  return { risk: riskMemo.risk, held: heldMemo.held, heldKeys, marginErrors: state?.marginErrors ?? false };
}

async function readRisk(db: IndexerDb, keys: MarginKeys): Promise<MarginRisk> {
  const collaterals = [];
  for (const key of keys.collaterals) {
    const row = await db.find(collateral, key);
    if (row !== null) collaterals.push(row);
  }
  const markets = [];
  for (const address of keys.markets) {
    const row = await db.find(perpMarket, { address });
    if (row !== null) markets.push(row);
  }
  const prices = [];
  for (const feed of new Set([...collaterals.map((c) => c.feed), ...markets.map((m) => m.feed)])) {
    const row = await db.find(price, { feed });
    if (row !== null) prices.push(row);
  }
  return prepareMarginRisk({ collaterals, prices, markets });
}
