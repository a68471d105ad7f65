/** What a demo token is, as the config's `kind` field names it. */
export type TokenKind = "stable" | "lst" | "erc4626" | "lp";

/** A demo collateral token deployed on every devnet chain, with its hub risk settings. */
export type DemoToken = {
  symbol: string;
  name: string;
  decimals: number;
  kind: TokenKind;
  /** Price of one whole token in USD with {@link FEED_DECIMALS} decimals (the hub feed's answer). */
  price: bigint;
  /** Vault deposit cap over all accounts, in token units. */
  depositCap: bigint;
  haircutBps: number;
  liquidationThresholdBps: number;
  liquidationBonusBps: number;
  /** Token units counted per account (0 = no cap). */
  capPerAccount: bigint;
  /** Minted to every trader on every chain, in token units. */
  mintPerTrader: bigint;
  /** For an ERC-4626 token: its underlying asset (a plain MockERC20 deployed beside it). */
  underlying?: { symbol: string; name: string; decimals: number; mintPerTrader: bigint };
};

/** Decimals of every devnet price feed (as Chainlink's USD feeds). */
export const FEED_DECIMALS = 8;

/** Staleness bound of the devnet feeds: the mock feeds never move on their own, so a day. */
export const DEVNET_HEARTBEAT = 86_400;

/** Oldest balance batch the devnet hub accepts, in seconds. */
export const MAX_ATTESTATION_AGE = 3_600;

/**
 * The devnet's damage limit on the hub chain's own vault route (`MarginHub.setRouteLimit`, USD with
 * 18 decimals): the demo's route-limit step deposits above it. The vault-only chains carry no
 * limit, so the benchmarks' bursts and the tests' deposits there are credited as before.
 */
export const DEVNET_ROUTE_LIMIT = {
  capacityUsd: 100_000n * 10n ** 18n,
  refillPerSecondUsd: 10_000n * 10n ** 18n,
};

/**
 * The devnet hub's close factor (`MarginHub.setCloseFactor`, Aave's figures): while an account's
 * health is at least 0.95 a liquidation closes half of its positions and debt, below it all. The
 * contract's default (10000) closes all.
 */
export const DEVNET_CLOSE_FACTOR = { closeFactorBps: 5_000, fullLiquidationHealthBps: 9_500 } as const;

/**
 * The devnet's volatility-haircut bounds (`MarginHub.setHaircutBounds`) for every collateral: from
 * its configured haircut up to {@link DEVNET_HAIRCUT_RANGE_BPS} above it (capped so the adjusted
 * weight stays positive), moving at most {@link DEVNET_HAIRCUT_STEP_BPS} per day.
 */
export const DEVNET_HAIRCUT_RANGE_BPS = 2_000;
export const DEVNET_HAIRCUT_STEP_BPS = 500;

/**
 * The haircut bounds the devnet gives a demo token: `[haircut, min(haircut + range, 9999)]`, step
 * per day {@link DEVNET_HAIRCUT_STEP_BPS}. The lower bound is the configured haircut, so
 * `10000 − min ≤ threshold` holds as it does for the config; the devnet sets no concentration.
 *
 * @param token the demo token
 * @returns min, max and step in bps
 */
export function devnetHaircutBounds(token: Pick<DemoToken, "haircutBps">): {
  minBps: number;
  maxBps: number;
  maxStepBpsPerDay: number;
} {
  return {
    minBps: token.haircutBps,
    maxBps: Math.min(token.haircutBps + DEVNET_HAIRCUT_RANGE_BPS, 9_999),
    maxStepBpsPerDay: DEVNET_HAIRCUT_STEP_BPS,
  };
}

/** Seconds every owner action waits in the devnet's timelocks (production: days). */
export const DEVNET_TIMELOCK_DELAY = 60;

const usd = (dollars: number, cents = 0): bigint => BigInt(dollars) * 10n ** 8n + BigInt(cents) * 10n ** 6n;
const units = (amount: number, decimals: number): bigint => BigInt(amount) * 10n ** BigInt(decimals);

/** The demo collaterals, in the order they are registered on the hub. */
export const DEMO_TOKENS: readonly DemoToken[] = [
  {
    symbol: "USDC",
    name: "USD Coin",
    decimals: 6,
    kind: "stable",
    price: usd(1),
    depositCap: units(100_000_000, 6),
    haircutBps: 200,
    // The hub requires liquidationThresholdBps ≥ 10_000 − haircutBps (liquidation weight ≥ adjusted weight).
    liquidationThresholdBps: 9_900,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    mintPerTrader: units(1_000_000, 6),
  },
  {
    symbol: "wstETH",
    name: "Wrapped liquid staked Ether 2.0",
    decimals: 18,
    kind: "lst",
    price: usd(3_500),
    depositCap: units(100_000, 18),
    haircutBps: 1_500,
    liquidationThresholdBps: 8_800,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    mintPerTrader: units(100, 18),
  },
  {
    symbol: "sUSDe",
    name: "Staked USDe",
    decimals: 18,
    kind: "erc4626",
    price: usd(1, 10),
    depositCap: units(100_000_000, 18),
    haircutBps: 1_000,
    liquidationThresholdBps: 9_000,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    mintPerTrader: units(100_000, 18),
    underlying: { symbol: "USDe", name: "USDe", decimals: 18, mintPerTrader: units(1_000_000, 18) },
  },
  {
    symbol: "UNI-V2",
    name: "Uniswap V2 WETH/USDC LP",
    decimals: 18,
    kind: "lp",
    price: usd(2_000),
    depositCap: units(1_000_000, 18),
    haircutBps: 3_000,
    liquidationThresholdBps: 7_500,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    mintPerTrader: units(1_000, 18),
  },
];

/** One perpetual market of the devnet's hub. */
export type DemoPerp = {
  /** Market symbol, as `PerpMarket.symbol()` returns it and `POST /stress` takes it. */
  symbol: string;
  /** Symbol of its `MockPriceFeed` on the hub chain (the manifest's `devnet.perpFeeds` key). */
  feedSymbol: string;
  /** The feed's starting answer (8 decimals). */
  price: bigint;
  heartbeat: number;
  initialMarginBps: number;
  maintenanceMarginBps: number;
};

/** The demo ETH perpetual market on the hub (the first of {@link DEMO_PERPS}). */
export const DEMO_PERP = {
  symbol: "ETH-PERP",
  feedSymbol: "ETH-USD",
  price: usd(3_000),
  heartbeat: DEVNET_HEARTBEAT,
  initialMarginBps: 1_000,
  maintenanceMarginBps: 500,
} as const satisfies DemoPerp;

/** The second demo market: BTC, with its own feed and tighter margins than ETH's. */
export const DEMO_BTC_PERP = {
  symbol: "BTC-PERP",
  feedSymbol: "BTC-USD",
  price: usd(60_000),
  heartbeat: DEVNET_HEARTBEAT,
  initialMarginBps: 800,
  maintenanceMarginBps: 400,
} as const satisfies DemoPerp;

/**
 * Every perp market of the devnet, in deployment order: each is a hub consumer, so an account's
 * requirements in both add up against one margin.
 */
export const DEMO_PERPS: readonly DemoPerp[] = [DEMO_PERP, DEMO_BTC_PERP];
