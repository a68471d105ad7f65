import { index, onchainTable, primaryKey, relations } from "ponder";

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
    /** `sourceBlock ≤ head − finalityDepth` of the vault chain (set by the Finality block handler). */
    final: t.boolean().notNull(),
  }),
  (table) => ({
    // Account first: every read is by account (the REST answer, GraphQL's `balances` page, the recomputation).
    pk: primaryKey({ columns: [table.account, table.chainId, table.token] }),
    // Holders of a collateral (a price move or a re-configuration recomputes them).
    collateralIdx: index().on(table.chainId, table.token),
    finalIdx: index().on(table.chainId, table.final),
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
}));

/** A perp market (an `IMarginConsumer`), read from the contract when first seen. */
export const perpMarket = onchainTable("perp_market", (t) => ({
  address: t.hex().primaryKey(),
  symbol: t.text().notNull(),
  feed: t.hex().notNull(),
  feedDecimals: t.integer().notNull(),
  initialMarginBps: t.integer().notNull(),
  maintenanceMarginBps: t.integer().notNull(),
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
    /** "open", "closed" or "liquidated". */
    status: t.text().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedTimestamp: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.account, table.market] }),
    marketIdx: index().on(table.market),
  }),
);

/**
 * An account's cross-chain margin, recomputed with `shared/margin` whenever one of its rows or a
 * price it depends on changes. `collateralUsd`…`healthFactor` price the vault balances (free
 * balance, every chain, at once); `credited*` price what the hub has credited.
 */
export const accountMargin = onchainTable("account_margin", (t) => ({
  account: t.hex().primaryKey(),
  collateralUsd: t.bigint().notNull(),
  adjustedUsd: t.bigint().notNull(),
  liquidationUsd: t.bigint().notNull(),
  initialUsd: t.bigint().notNull(),
  maintenanceUsd: t.bigint().notNull(),
  /** 18 decimals; 2^256 − 1 without a maintenance requirement. */
  healthFactor: t.bigint().notNull(),
  /** `adjustedUsd ≥ initialUsd`. */
  healthy: t.boolean().notNull(),
  /** `liquidationUsd < maintenanceUsd`. */
  liquidatable: t.boolean().notNull(),
  creditedCollateralUsd: t.bigint().notNull(),
  creditedAdjustedUsd: t.bigint().notNull(),
  creditedLiquidationUsd: t.bigint().notNull(),
  creditedHealthFactor: t.bigint().notNull(),
  /** `collateralUsd − creditedCollateralUsd` (signed: a credit may briefly exceed a vault balance being withdrawn). */
  uncreditedUsd: t.bigint().notNull(),
  /** Chains where the account has a balance or pending withdrawal. */
  chainCount: t.integer().notNull(),
  lastChangeChainId: t.integer().notNull(),
  lastChangeBlock: t.bigint().notNull(),
  lastChangeTimestamp: t.bigint().notNull(),
  /**
   * The account's lines: one per raw row it has, with the figures its margin is computed from, so
   * that an event recomputes the account from this row and its own change instead of reading the
   * account's other rows (in live indexing each such read is a database round trip). Written with
   * every change of the raw rows, in the same handler, so a reorg reverts them together. Text, not
   * json (reading a text field of a cached row does not copy the row): space-separated
   * `"<chainId>:<token>:<balance>:<pending>"` of its `collateral_balance` rows…
   */
  balanceLines: t.text().notNull(),
  /** …`"<chainId>:<token>:<balance>"` of its `hub_credit` rows… */
  creditLines: t.text().notNull(),
  /** …and `"<market>:<size>:<entryPriceWad>:<debtUsd>"` of its `position` rows (size signed). */
  positionLines: t.text().notNull(),
}));

/**
 * Accounts whose margin could not be computed (a value beyond uint256, where the hub's own math
 * would revert), as of their last failed recomputation; their `account_margin` row, if any, keeps
 * its last figures.
 */
export const marginError = onchainTable("margin_error", (t) => ({
  account: t.hex().primaryKey(),
  error: t.text().notNull(),
  chainId: t.integer().notNull(),
  block: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

/**
 * The indexer's own bookkeeping, one row (`id` 0), reverted with everything else on a reorg.
 * `riskStamp` changes with every write to `collateral`, `price` or `perp_market`: the handlers and
 * the REST API keep those tables in memory and read them again only when it moved (stamps are
 * unique per indexer process and write, and mean nothing beyond that). `heldKeys` lists, space-
 * separated, the collaterals (`"<chainId>:<token>"`) and markets that have at least one account
 * row, so that a price move or a configuration nobody is exposed to costs no SQL.
 * `marginErrors` is set once `margin_error` has a row.
 */
export const indexerState = onchainTable("indexer_state", (t) => ({
  id: t.integer().primaryKey(),
  riskStamp: t.text().notNull(),
  heldKeys: t.text().notNull(),
  marginErrors: t.boolean().notNull(),
}));

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
    /** `sourceBlock ≤ head − finalityDepth` of the source chain: safe for the relayer to carry. */
    sourceFinal: t.boolean().notNull(),
    destinationTxHash: t.hex(),
    destinationBlock: t.bigint(),
    destinationTimestamp: t.bigint(),
    /** Destination block time − source block time, in seconds. */
    latencySeconds: t.bigint(),
  }),
  (table) => ({
    routeIdx: index().on(table.route, table.status),
    statusIdx: index().on(table.status, table.sourceFinal),
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

export const accountMarginRelations = relations(accountMargin, ({ many }) => ({
  balances: many(collateralBalance),
  credits: many(hubCredit),
  positions: many(position),
  withdrawals: many(withdrawal),
  deposits: many(deposit),
}));

export const collateralBalanceRelations = relations(collateralBalance, ({ one }) => ({
  margin: one(accountMargin, { fields: [collateralBalance.account], references: [accountMargin.account] }),
}));

export const hubCreditRelations = relations(hubCredit, ({ one }) => ({
  margin: one(accountMargin, { fields: [hubCredit.account], references: [accountMargin.account] }),
}));

export const positionRelations = relations(position, ({ one }) => ({
  margin: one(accountMargin, { fields: [position.account], references: [accountMargin.account] }),
  market: one(perpMarket, { fields: [position.market], references: [perpMarket.address] }),
}));

export const depositRelations = relations(deposit, ({ one }) => ({
  margin: one(accountMargin, { fields: [deposit.account], references: [accountMargin.account] }),
}));

export const withdrawalRelations = relations(withdrawal, ({ one }) => ({
  margin: one(accountMargin, { fields: [withdrawal.account], references: [accountMargin.account] }),
  requestMessage: one(relayMessage, { fields: [withdrawal.requestGuid], references: [relayMessage.guid] }),
}));
