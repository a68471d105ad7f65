import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import type { DevnetAccount } from "../devnet/accounts.js";

/** Clients of one devnet chain. */
export type DemoChain = {
  config: ChainConfig;
  publicClient: PublicClient<Transport, Chain>;
  /** A wallet client signing with `key`. */
  walletFor: (key: Hex) => WalletClient<Transport, Chain, Account>;
};

/** Everything the demo's steps act on. */
export type DemoContext = {
  config: Config;
  /** The manifest the demo read. */
  configPath: string;
  hub: DemoChain & { hub: Address; perpMarket: Address };
  /** The two vault-only chains the storylines use, ascending by chain id. */
  vaults: [DemoChain, DemoChain];
  traders: DevnetAccount[];
  liquidator: DevnetAccount;
  /** Signs price-feed updates (the mock feeds accept anyone; the deployer owns them). */
  deployer: DevnetAccount;
  /** The perp market's feed (ETH-USD). */
  perpFeed: Address;
  /** Every perp market of the hub (the config's `perpMarkets`, the hub's consumers), ETH-PERP first. */
  markets: DemoMarket[];
  /** The indexer's base URL. */
  apiUrl: string;
  /** Prints one line of the story. */
  log: (line: string) => void;
  /** How long one step may wait for the relayer or the indexer. */
  stepTimeoutMs: number;
  /** How often waiting steps poll. */
  pollingMs: number;
};

/** One perp market on the hub, with its feed. */
export type DemoMarket = { symbol: string; address: Address; feed: Address };

/** A deposit and its credit on the hub. */
export type CreditedDeposit = {
  chainId: number;
  symbol: string;
  token: Address;
  amount: bigint;
  txHash: Hex;
  /** The vault's seq after the deposit. */
  seq: bigint;
  /** The hub's credit once it reached that seq. */
  credited: bigint;
  /** Milliseconds from the deposit's receipt to the credit on the hub. */
  creditedAfterMs: number;
};

/** A perp position the demo opened. */
export type OpenedPosition = {
  /** Size in ETH with 18 decimals (positive = long). */
  size: bigint;
  txHash: Hex;
  /** The hub's health factor after the position (1e18 = the maintenance line). */
  healthFactor: bigint;
};

/** One price step of the fall. */
export type PriceStep = { answer: bigint; txHash: Hex; healthFactor: bigint; liquidatable: boolean };

/** One SEIZE the hub ordered and the relayer delivered. */
export type DeliveredSeize = {
  chainId: number;
  symbol: string;
  token: Address;
  /** Who received it: the market's settlement address (what was owed) or the liquidator (the bonus). */
  recipient: Address;
  /** Whether this is the liquidator's bonus. */
  bonus: boolean;
  /** What the hub ordered. */
  ordered: bigint;
  /** What the vault applied (its `Seized` amount), which the recipient received or may claim. */
  received: bigint;
  /** The vault transaction that applied it (the relayer's). */
  deliveryTxHash: Hex;
};

/** One market's position the liquidation closed (`PositionLiquidated`). */
export type ClosedPosition = { market: Address; symbol: string; owedUsd: bigint };

/** What the liquidation storyline did. */
export type LiquidationSummary = {
  trader: Address;
  deposits: CreditedDeposit[];
  position: OpenedPosition;
  /** The second market's position ("one account, two markets"). */
  secondPosition: OpenedPosition;
  /** Per market, the hub's initial requirement once both positions were open; `initialUsd` is their sum. */
  requirements: { symbol: string; initialUsd: bigint }[];
  initialUsd: bigint;
  /** What the indexer's margin answer showed as the initial requirement. */
  indexedInitialUsd: bigint;
  /** Both positions, closed by the one `liquidate` call (`owedUsd` is the sum of theirs). */
  closed: ClosedPosition[];
  prices: PriceStep[];
  liquidationTxHash: Hex;
  owedUsd: bigint;
  seizedUsd: bigint;
  seizes: DeliveredSeize[];
};

/** One withdrawal request and how it ended. */
export type WithdrawalOutcome = {
  chainId: number;
  symbol: string;
  amount: bigint;
  requestTxHash: Hex;
  /** The hub's decision. */
  approved: boolean;
  /** The relayer's hub transaction that carried the request (and made the decision). */
  decisionTxHash: Hex;
  /** The relayer's vault transaction that applied the decision. */
  settledTxHash: Hex;
  /** Tokens that reached the trader's wallet (0 for a rejection). */
  released: bigint;
  /** The trader's vault state afterwards. */
  balanceAfter: bigint;
  pendingAfter: bigint;
  /** The hub's credit afterwards. */
  creditedAfter: bigint;
};

/** What the withdrawal storyline did. */
export type WithdrawalSummary = {
  trader: Address;
  deposit: CreditedDeposit;
  position: OpenedPosition;
  approved: WithdrawalOutcome;
  rejected: WithdrawalOutcome;
};

/** What the route-limit storyline did. */
export type RouteLimitSummary = {
  trader: Address;
  /** The limited route's chain (the hub chain's own vault). */
  chainId: number;
  /** The hub's bucket size on that route (USD, 18 decimals). */
  capacityUsd: bigint;
  /** USDC deposited (1.5 × the bucket). */
  amount: bigint;
  /** What `/routes` showed waiting for the refill (USD, 18 decimals). */
  waitingUsd: bigint;
  deposit: CreditedDeposit;
  /** Milliseconds from the deposit to the whole of it credited. */
  appliedAfterMs: number;
  withdrawal: WithdrawalOutcome;
};

/** What `runDemo` returns: every step's figures. */
export type DemoSummary = {
  configPath: string;
  hubChainId: number;
  vaultChainIds: [number, number];
  liquidation: LiquidationSummary;
  withdrawals: WithdrawalSummary;
  routeLimit: RouteLimitSummary;
  elapsedMs: number;
};
