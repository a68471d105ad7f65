import {
  bigint,
  boolean,
  hex,
  index,
  integer,
  onchainTable,
  onchainView,
  primaryKey,
  relations,
  text,
} from "ponder";
import { accountMarginSql, collateralLineSql, requirementLineSql } from "./lib/marginSql.js";

/*
 * The crossmargin indexer's tables. Addresses, hashes and packets are lowercase hex; token
 * amounts, seqs, nonces and USD values (18 decimals) are `bigint` (numeric(78), exact); chain ids
 * are integers. indexer/README.md describes every table.
 */

/** An account's state at one vault, maintained from the vault's events alone (each carries the post-state). */
export const collateralBalance = onchainTable(
  "collateral_balance",
  (t) => ({
    chainId: t.integer().notNull(),
    vault: t.hex().notNull(),
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    /** Free balance (what the hub may credit). */
    balance: t.bigint().notNull(),
    /** Requested withdrawals awaiting the hub's answer (still seizable). */
    pending: t.bigint().notNull(),
    /** Bumped by the vault on every change. */
    seq: t.bigint().notNull(),
    /** Nonce of the last hub command applied to this (account, token). */
    inboundNonce: t.bigint().notNull(),
    /** Vault-chain block and time of the last change. */
    sourceBlock: t.bigint().notNull(),
    sourceTimestamp: t.bigint().notNull(),
    sourceTxHash: t.hex().notNull(),
  }),
  (table) => ({
    // Account first: every read is by account (the REST answer, GraphQL's `balances` page, the recomputation).
    pk: primaryKey({ columns: [table.account, table.chainId, table.token] }),
    // Holders of a collateral (a price move or a re-configuration recomputes them).
    collateralIdx: index().on(table.chainId, table.token),
  }),
);

/** What the hub has credited an account per (chain, token), from `BalanceCredited`. */
export const hubCredit = onchainTable(
  "hub_credit",
  (t) => ({
    account: t.hex().notNull(),
    chainId: t.integer().notNull(),
    token: t.hex().notNull(),
    balance: t.bigint().notNull(),
    seq: t.bigint().notNull(),
    /** The leaf's vault-chain block (0 for the post-request figures of a withdrawal request). */
    sourceBlock: t.bigint().notNull(),
    hubBlock: t.bigint().notNull(),
    hubTimestamp: t.bigint().notNull(),
    hubTxHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.account, table.chainId, table.token] }),
    // Holders of a collateral (a price move or a re-configuration recomputes them).
    collateralIdx: index().on(table.chainId, table.token),
  }),
);

/**
 * Figures of a key that wait for their route's damage limit at the hub (`LeafWaiting`): the newest
 * per key. Superseded once `hub_credit.seq` reaches `seq` (the row is kept; readers compare).
 */
export const waitingLeaf = onchainTable(
  "waiting_leaf",
  (t) => ({
    account: t.hex().notNull(),
    chainId: t.integer().notNull(),
    token: t.hex().notNull(),
    balance: t.bigint().notNull(),
    seq: t.bigint().notNull(),
    sourceBlock: t.bigint().notNull(),
    hubBlock: t.bigint().notNull(),
    hubTimestamp: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.account, table.chainId, table.token] }),
    chainIdx: index().on(table.chainId),
  }),
);

/** A collateral's risk configuration on the hub (`CollateralConfigured`), in registration order. */
export const collateral = onchainTable(
  "collateral",
  (t) => ({
    chainId: t.integer().notNull(),
    token: t.hex().notNull(),
    /** The config's symbol for the token, when it lists it. */
    symbol: t.text(),
    feed: t.hex().notNull(),
    /** Cached from the feed when configured (as the hub does). */
    feedDecimals: t.integer().notNull(),
    heartbeat: t.integer().notNull(),
    tokenDecimals: t.integer().notNull(),
    haircutBps: t.integer().notNull(),
    liquidationThresholdBps: t.integer().notNull(),
    liquidationBonusBps: t.integer().notNull(),
    capPerAccount: t.bigint().notNull(),
    /**
     * The concentration haircut (`ConcentrationSet`; all 0 = off, the state at registration):
     * discount = clamp(counted × scalarBps / scale, lowerBps, upperBps), kept on re-configuration.
     */
    concentrationScale: t.bigint().notNull(),
    concentrationScalarBps: t.integer().notNull(),
    concentrationLowerBps: t.integer().notNull(),
    concentrationUpperBps: t.integer().notNull(),
    /** The feed's newest answer (0 before any), copied from `price` on every tick: margins read it. */
    answer: t.bigint().notNull(),
    /** Block and log index of the first configuration: the hub's registration order. */
    registeredBlock: t.bigint().notNull(),
    registeredLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.token] }),
    feedIdx: index().on(table.feed),
  }),
);

/** A price feed's latest answer (hub chain). */
export const price = onchainTable("price", (t) => ({
  feed: t.hex().primaryKey(),
  /** int256 answer with `decimals` decimals. */
  answer: t.bigint().notNull(),
  decimals: t.integer().notNull(),
  roundId: t.bigint().notNull(),
  /** The feed's own update time. */
  updatedAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  /** "event" (AnswerUpdated) or "read" (latestRoundData when a collateral or market was configured). */
  source: t.text().notNull(),
  /** The `collateral` rows and `perp_market` addresses on this feed: each new answer is copied onto them. */
  collaterals: t.json().$type<{ chainId: number; token: `0x${string}` }[]>().notNull(),
  markets: t.json().$type<`0x${string}`[]>().notNull(),
}));

/**
 * Every answer of a price feed (hub chain), one row per `AnswerUpdated`: the history the risk
 * keeper computes realized volatility from (`GET /prices/:feed/history`).
 */
export const priceObservation = onchainTable(
  "price_observation",
  (t) => ({
    feed: t.hex().notNull(),
    roundId: t.bigint().notNull(),
    /** int256 answer with the feed's decimals (`price.decimals`). */
    answer: t.bigint().notNull(),
    /** The feed's own update time (unix seconds). */
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    logIndex: t.integer().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.feed, table.blockNumber, table.logIndex] }),
    feedTimeIdx: index().on(table.feed, table.updatedAt),
  }),
);

/** A perp market (an `IMarginConsumer`), read from the contract when first seen. */
export const perpMarket = onchainTable("perp_market", (t) => ({
  address: t.hex().primaryKey(),
  symbol: t.text().notNull(),
  feed: t.hex().notNull(),
  feedDecimals: t.integer().notNull(),
  initialMarginBps: t.integer().notNull(),
  maintenanceMarginBps: t.integer().notNull(),
  /** The feed's newest answer (0 before any), copied from `price` on every tick: margins read it. */
  answer: t.bigint().notNull(),
  /** `minPositionNotionalUsd` (`MinPositionNotionalSet`): a partial liquidation leaving less closes all. */
  minPositionNotionalUsd: t.bigint().notNull(),
}));

/**
 * The hub's close factor (`CloseFactorSet`), one row per hub chain; no row: never set, every
 * liquidation closes all (the contract's default).
 */
export const closeFactor = onchainTable("close_factor", (t) => ({
  chainId: t.integer().primaryKey(),
  closeFactorBps: t.integer().notNull(),
  fullLiquidationHealthBps: t.integer().notNull(),
}));

/** An account's position and debt in one perp market. */
export const position = onchainTable(
  "position",
  (t) => ({
    market: t.hex().notNull(),
    account: t.hex().notNull(),
    /** Base units with 18 decimals, signed (long > 0, short < 0, 0 = none). */
    size: t.bigint().notNull(),
    entryPriceWad: t.bigint().notNull(),
    /** Realized, unpaid losses (USD, 18 decimals). */
    debtUsd: t.bigint().notNull(),
    /** Sum of realized PnL (USD, 18 decimals, signed). */
    realizedPnlUsd: t.bigint().notNull(),
    /** "open", "closed", "liquidated" or "reduced" (partly liquidated: the rest stays open). */
    status: t.text().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedTimestamp: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.account, table.market] }),
    marketIdx: index().on(table.market),
  }),
);

/** Every vault deposit. */
export const deposit = onchainTable(
  "deposit",
  (t) => ({
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    vault: t.hex().notNull(),
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    from: t.hex().notNull(),
    amount: t.bigint().notNull(),
    balanceAfter: t.bigint().notNull(),
    pendingAfter: t.bigint().notNull(),
    seq: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
  }),
  // With the key: GraphQL pages an account's deposits by `WHERE account = … ORDER BY id`.
  (table) => ({ accountIdx: index().on(table.account, table.id) }),
);

/**
 * A withdrawal request and its fate, keyed by the request packet's guid. `status`: "requested"
 * (vault) → "approved" | "rejected" (hub decision) → "released" (vault applied the approval). A
 * rejection applied at the vault keeps "rejected" and sets the `settled*` fields.
 */
export const withdrawal = onchainTable(
  "withdrawal",
  (t) => ({
    requestGuid: t.hex().primaryKey(),
    chainId: t.integer().notNull(),
    account: t.hex().notNull(),
    token: t.hex().notNull(),
    amount: t.bigint().notNull(),
    status: t.text().notNull(),
    vault: t.hex(),
    requestNonce: t.bigint(),
    balanceAfter: t.bigint(),
    seq: t.bigint(),
    requestTxHash: t.hex(),
    requestBlock: t.bigint(),
    requestTimestamp: t.bigint(),
    approved: t.boolean(),
    commandGuid: t.hex(),
    decidedTxHash: t.hex(),
    decidedBlock: t.bigint(),
    decidedTimestamp: t.bigint(),
    /** Released (approval) or returned to the balance (rejection) by the vault. */
    settledAmount: t.bigint(),
    settledTxHash: t.hex(),
    settledBlock: t.bigint(),
    settledTimestamp: t.bigint(),
  }),
  // With the key: GraphQL pages an account's withdrawals by `WHERE account = … ORDER BY request_guid`.
  (table) => ({
    accountIdx: index().on(table.account, table.requestGuid),
    statusIdx: index().on(table.status),
  }),
);

/**
 * A cross-chain packet, joined from its source event (`PacketSent`, or none for relayer-built
 * balance batches) and its destination event (`WithdrawalRequestReceived`, `BatchApplied`,
 * `RootStored`, `CommandApplied`). `status`: "observed" (source seen) → "delivered" (destination
 * seen). "attested" and "failed" are the relayer's states; they are not in Ponder's tables.
 */
export const relayMessage = onchainTable(
  "relay_message",
  (t) => ({
    guid: t.hex().primaryKey(),
    /** "withdrawal_request", "approve_withdrawal", "reject_withdrawal", "seize" or "balance_batch". */
    kind: t.text().notNull(),
    srcEid: t.integer().notNull(),
    dstEid: t.integer().notNull(),
    /** `"<srcEid>-><dstEid>"`. */
    route: t.text().notNull(),
    /** Packet nonce (for a batch known only when its packet could be read from the delivering call). */
    nonce: t.bigint(),
    status: t.text().notNull(),
    sender: t.hex(),
    receiver: t.hex(),
    account: t.hex(),
    token: t.hex(),
    amount: t.bigint(),
    /** For commands: what the vault applied (released, returned or seized; at most what was there). */
    appliedAmount: t.bigint(),
    /** For approve/reject commands: the guid of the request they answer. */
    requestGuid: t.hex(),
    /** The packet bytes (what attesters sign); absent for balance batches. */
    packet: t.hex(),
    sourceTxHash: t.hex(),
    sourceBlock: t.bigint(),
    sourceTimestamp: t.bigint(),
    destinationTxHash: t.hex(),
    destinationBlock: t.bigint(),
    destinationTimestamp: t.bigint(),
    /** Destination block time − source block time, in seconds. */
    latencySeconds: t.bigint(),
  }),
  (table) => ({
    routeIdx: index().on(table.route, table.status),
    statusIdx: index().on(table.status),
    accountIdx: index().on(table.account),
  }),
);

/** A liquidation on the hub (`Liquidated`); its per-chain seizures share its `txHash`. */
export const liquidation = onchainTable(
  "liquidation",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    liquidator: t.hex().notNull(),
    recipient: t.hex().notNull(),
    owedUsd: t.bigint().notNull(),
    seizedUsd: t.bigint().notNull(),
    /** `owedUsd − seizedUsd`: what the seizures could not cover, booked by the consumers as bad debt. */
    badDebtUsd: t.bigint().notNull(),
    /** The share of positions and debt closed (bps; 10000 = all, below it the close factor). */
    closeBps: t.integer().notNull(),
    txHash: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

/**
 * Releases a vault could not transfer (the recipient is blocklisted, the token paused, a receive
 * hook reverted): owed to `recipient`, who pulls them with `CollateralVault.claim`.
 */
export const claimable = onchainTable(
  "claimable",
  (t) => ({
    chainId: t.integer().notNull(),
    recipient: t.hex().notNull(),
    token: t.hex().notNull(),
    amount: t.bigint().notNull(),
    /** Σ ever recorded (`ClaimRecorded`) and Σ ever paid (`Claimed`). */
    recorded: t.bigint().notNull(),
    claimed: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.recipient, table.token] }),
    recipientIdx: index().on(table.recipient),
  }),
);

/**
 * The newest hub-chain block the indexer has processed (one row, written by the `ChainHead` block
 * source on every hub block, in the same commit as that block's rows): the block that
 * `GET /solvency` reports its figures at.
 */
export const hubHead = onchainTable("hub_head", (t) => ({
  chainId: t.integer().primaryKey(),
  blockNumber: t.bigint().notNull(),
  blockHash: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
}));

/** A SEIZE command, keyed by its packet guid: "ordered" (hub) → "applied" (vault). */
export const seizure = onchainTable(
  "seizure",
  (t) => ({
    guid: t.hex().primaryKey(),
    account: t.hex().notNull(),
    chainId: t.integer().notNull(),
    token: t.hex().notNull(),
    recipient: t.hex().notNull(),
    status: t.text().notNull(),
    /** Ordered by the hub. */
    amount: t.bigint(),
    orderedTxHash: t.hex(),
    orderedBlock: t.bigint(),
    orderedTimestamp: t.bigint(),
    /** Taken by the vault (at most what was there). */
    appliedAmount: t.bigint(),
    appliedTxHash: t.hex(),
    appliedBlock: t.bigint(),
    appliedTimestamp: t.bigint(),
  }),
  (table) => ({ accountIdx: index().on(table.account) }),
);

export const positionRelations = relations(position, ({ one }) => ({
  market: one(perpMarket, { fields: [position.market], references: [perpMarket.address] }),
}));

export const withdrawalRelations = relations(withdrawal, ({ one }) => ({
  requestMessage: one(relayMessage, { fields: [withdrawal.requestGuid], references: [relayMessage.guid] }),
}));

/*
 * Margin, priced at read time from the rows above and the newest indexed prices (SQL in
 * lib/marginSql.ts). USD amounts have 18 decimals; a figure beyond uint256 reads as null.
 */
const marginTables = { collateralBalance, hubCredit, collateral, position, perpMarket };

/** Per account and (chain, token) with a vault balance or a hub credit: both, and their value. */
export const collateralLine = onchainView("collateral_line", {
  account: hex("account").notNull(),
  chainId: integer("chain_id").notNull(),
  token: hex("token").notNull(),
  /** Whether the hub configured the collateral (an unconfigured token counts 0). */
  registered: boolean("registered").notNull(),
  symbol: text("symbol"),
  tokenDecimals: integer("token_decimals").notNull(),
  balance: bigint("balance").notNull(),
  pending: bigint("pending").notNull(),
  /** The vault's seq (0 without a vault row) and the credited leaf's seq (null without a credit). */
  seq: bigint("seq").notNull(),
  credited: bigint("credited").notNull(),
  creditedSeq: bigint("credited_seq"),
  /** `max(0, balance − credited)`. */
  uncredited: bigint("uncredited").notNull(),
  feed: hex("feed"),
  price: bigint("price").notNull(),
  feedDecimals: integer("feed_decimals").notNull(),
  haircutBps: integer("haircut_bps").notNull(),
  liquidationThresholdBps: integer("liquidation_threshold_bps").notNull(),
  /** The concentration discount (bps, 0 when off) of the counted vault balance and of the counted credit. */
  discountBps: integer("discount_bps").notNull(),
  creditedDiscountBps: integer("credited_discount_bps").notNull(),
  valueUsd: bigint("value_usd"),
  adjustedUsd: bigint("adjusted_usd"),
  liquidationUsd: bigint("liquidation_usd"),
  creditedValueUsd: bigint("credited_value_usd"),
  creditedAdjustedUsd: bigint("credited_adjusted_usd"),
  creditedLiquidationUsd: bigint("credited_liquidation_usd"),
  /** `max(0, valueUsd − creditedValueUsd)`. */
  uncreditedUsd: bigint("uncredited_usd"),
}).as(collateralLineSql(marginTables));

/** Per account and perp market with a position or debt: the requirement at the newest price. */
export const requirementLine = onchainView("requirement_line", {
  account: hex("account").notNull(),
  market: hex("market").notNull(),
  symbol: text("symbol"),
  size: bigint("size").notNull(),
  entryPriceWad: bigint("entry_price_wad").notNull(),
  debtUsd: bigint("debt_usd").notNull(),
  /** The price used: the feed's newest positive answer, else the entry price. */
  priceWad: bigint("price_wad").notNull(),
  initialUsd: bigint("initial_usd").notNull(),
  maintenanceUsd: bigint("maintenance_usd").notNull(),
}).as(requirementLineSql(marginTables));

/**
 * Per account: `MarginHub.accountMargin` over the vault balances (`collateralUsd`…`healthFactor`,
 * as if the hub had credited them all) and over the hub's credits (`credited*`, the hub's view).
 */
export const accountMargin = onchainView("account_margin", {
  account: hex("account").notNull(),
  collateralUsd: bigint("collateral_usd"),
  adjustedUsd: bigint("adjusted_usd"),
  liquidationUsd: bigint("liquidation_usd"),
  initialUsd: bigint("initial_usd"),
  maintenanceUsd: bigint("maintenance_usd"),
  /** 18 decimals; 2^256 − 1 without a maintenance requirement. */
  healthFactor: bigint("health_factor"),
  /** `adjustedUsd ≥ initialUsd`. */
  healthy: boolean("healthy").notNull(),
  /** `liquidationUsd < maintenanceUsd`. */
  liquidatable: boolean("liquidatable").notNull(),
  creditedCollateralUsd: bigint("credited_collateral_usd"),
  creditedAdjustedUsd: bigint("credited_adjusted_usd"),
  creditedLiquidationUsd: bigint("credited_liquidation_usd"),
  creditedHealthFactor: bigint("credited_health_factor"),
  /** `collateralUsd − creditedCollateralUsd` (signed: a credit may briefly exceed a balance being withdrawn). */
  uncreditedUsd: bigint("uncredited_usd"),
  /** Chains where the account has a balance or pending withdrawal of a configured collateral. */
  chainCount: integer("chain_count").notNull(),
  /** False where the hub's math would revert (a figure beyond uint256, a pnl beyond int256); the figures are then null. */
  computable: boolean("computable").notNull(),
}).as(accountMarginSql(marginTables, requirementLine));
