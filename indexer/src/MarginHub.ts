import { ponder } from "ponder:registry";
import { closeFactor, collateral, hubCredit, liquidation, price, waitingLeaf } from "ponder:schema";
import { decodeFunctionData, type Hex } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { tryDescribePacket } from "../lib/describePacket.js";
import { collateralKey, indexerConfig, lower, lowerHex } from "../lib/indexerConfig.js";
import type { IndexerDb } from "../lib/store/context.js";
import { settleWithdrawal } from "../lib/store/settleWithdrawal.js";
import { storeFeedAnswer } from "../lib/store/storeFeedAnswer.js";
import { followFeed, unfollowFeed } from "../lib/store/upsertPrice.js";
import { upsertRelayMessage } from "../lib/store/upsertRelayMessage.js";
import { upsertSeizure } from "../lib/store/upsertSeizure.js";
import { upsertWithdrawal } from "../lib/store/upsertWithdrawal.js";

/*
 * MarginHub (hub chain): risk configuration, credits, deliveries of vault packets, withdrawal
 * decisions, seize orders and liquidations, and the command packets it sends.
 */

ponder.on("MarginHub:CollateralConfigured", async ({ event, context }) => {
  const chainId = Number(event.args.chainId);
  const token = lower(event.args.token);
  const config = event.args.config;
  const feed = lower(config.feed);
  const at = { chainId: context.chain.id, block: event.block.number, timestamp: event.block.timestamp };
  // The hub caches the feed's decimals here. Its answer is read too (Chainlink proxies emit no
  // events), unless the feed's price came from its own AnswerUpdated: those are indexed in order on
  // this same chain, so the stored answer is the feed's answer at this block.
  const known = await context.db.find(price, { feed });
  const feedDecimals =
    known !== null && known.source === "event"
      ? known.decimals
      : await storeFeedAnswer(context, feed, at, known?.decimals);
  const key = { chainId, token };
  const previous = await context.db.find(collateral, key);
  if (previous !== null && previous.feed !== feed) await unfollowFeed(context.db, previous.feed, key);
  const answer = await followFeed(context.db, feed, { collateral: key });
  const values = {
    symbol: indexerConfig().collaterals.get(collateralKey(chainId, token))?.symbol ?? null,
    feed,
    feedDecimals,
    heartbeat: config.heartbeat,
    tokenDecimals: config.tokenDecimals,
    haircutBps: config.haircutBps,
    liquidationThresholdBps: config.liquidationThresholdBps,
    liquidationBonusBps: config.liquidationBonusBps,
    capPerAccount: config.capPerAccount,
    answer,
  };
  // Re-configuring keeps the registration order (the first configuration's block and log index)
  // and the concentration haircut (off at registration, as on the hub).
  await context.db
    .insert(collateral)
    .values({
      chainId,
      token,
      ...values,
      ...NO_CONCENTRATION,
      registeredBlock: at.block,
      registeredLogIndex: event.log.logIndex,
    })
    .onConflictDoUpdate(values);
});

const NO_CONCENTRATION = {
  concentrationScale: 0n,
  concentrationScalarBps: 0,
  concentrationLowerBps: 0,
  concentrationUpperBps: 0,
};

// The hub accepts a concentration only for a registered collateral (or all zero: off, which is
// what an unregistered one has anyway), so the row exists unless this turns an unknown one off.
ponder.on("MarginHub:ConcentrationSet", async ({ event, context }) => {
  const c = event.args.concentration;
  const key = { chainId: Number(event.args.chainId), token: lower(event.args.token) };
  if ((await context.db.find(collateral, key)) === null) return;
  await context.db.update(collateral, key).set({
    concentrationScale: c.scale,
    concentrationScalarBps: c.scalarBps,
    concentrationLowerBps: c.lowerBps,
    concentrationUpperBps: c.upperBps,
  });
});

ponder.on("MarginHub:CloseFactorSet", async ({ event, context }) => {
  const values = {
    closeFactorBps: event.args.closeFactorBps,
    fullLiquidationHealthBps: event.args.fullLiquidationHealthBps,
  };
  await context.db
    .insert(closeFactor)
    .values({ chainId: context.chain.id, ...values })
    .onConflictDoUpdate(values);
});

ponder.on("MarginHub:BalanceCredited", async ({ event, context }) => {
  const account = lower(event.args.account);
  const at = { chainId: context.chain.id, block: event.block.number, timestamp: event.block.timestamp };
  const values = {
    balance: event.args.balance,
    seq: event.args.seq,
    sourceBlock: event.args.sourceBlock,
    hubBlock: at.block,
    hubTimestamp: at.timestamp,
    hubTxHash: event.transaction.hash,
  };
  const key = { account, chainId: Number(event.args.chainId), token: lower(event.args.token) };
  await context.db
    .insert(hubCredit)
    .values({ ...key, ...values })
    .onConflictDoUpdate(values);
});

// A leaf whose rise its route's limit could not pay for: its figures wait (the credit is unchanged).
ponder.on("MarginHub:LeafWaiting", async ({ event, context }) => {
  const key = {
    account: lower(event.args.account),
    chainId: Number(event.args.chainId),
    token: lower(event.args.token),
  };
  const values = {
    balance: event.args.balance,
    seq: event.args.seq,
    sourceBlock: event.args.sourceBlock,
    hubBlock: event.block.number,
    hubTimestamp: event.block.timestamp,
  };
  await context.db
    .insert(waitingLeaf)
    .values({ ...key, ...values })
    .onConflictDoUpdate(values);
});

ponder.on("MarginHub:BatchApplied", async ({ event, context }) => {
  await deliverBatch(context, event, {
    guid: event.args.guid,
    srcEid: event.args.srcEid,
    sourceBlock: event.args.sourceBlock,
  });
});

ponder.on("MarginHub:RootStored", async ({ event, context }) => {
  const { guid, srcEid, sourceBlock, sourceTimestamp } = event.args;
  await deliverBatch(context, event, { guid, srcEid, sourceBlock, sourceTimestamp });
});

ponder.on("MarginHub:WithdrawalRequestReceived", async ({ event, context }) => {
  const { guid, account, chainId, token, amount, nonce } = event.args;
  await upsertRelayMessage(context.db, {
    guid,
    kind: "withdrawal_request",
    srcEid: Number(chainId),
    dstEid: context.chain.id,
    nonce,
    account: lower(account),
    token: lower(token),
    amount,
    destinationTxHash: event.transaction.hash,
    destinationBlock: event.block.number,
    destinationTimestamp: event.block.timestamp,
  });
});

ponder.on("MarginHub:WithdrawalDecided", async ({ event, context }) => {
  const { requestGuid, account, chainId, token, amount, approved, commandGuid } = event.args;
  await upsertWithdrawal(context.db, {
    requestGuid,
    chainId: Number(chainId),
    account: lower(account),
    token: lower(token),
    amount,
    status: approved ? "approved" : "rejected",
    approved,
    commandGuid: lowerHex(commandGuid),
    decidedTxHash: event.transaction.hash,
    decidedBlock: event.block.number,
    decidedTimestamp: event.block.timestamp,
  });
  const command = await upsertRelayMessage(context.db, {
    guid: commandGuid,
    kind: approved ? "approve_withdrawal" : "reject_withdrawal",
    srcEid: context.chain.id,
    dstEid: Number(chainId),
    requestGuid: lowerHex(requestGuid),
  });
  // The vault may have applied the command already (its chain indexed ahead of the hub's).
  await settleWithdrawal(context.db, command);
});

ponder.on("MarginHub:SeizeOrdered", async ({ event, context }) => {
  const { guid, account, chainId, token, amount, recipient } = event.args;
  const key = { account: lower(account), chainId: Number(chainId), token: lower(token) };
  await upsertSeizure(context.db, {
    guid,
    ...key,
    recipient: lower(recipient),
    amount,
    orderedTxHash: event.transaction.hash,
    orderedBlock: event.block.number,
    orderedTimestamp: event.block.timestamp,
  });
  // The hub lowers the credit at once (no BalanceCredited event).
  const credit = await context.db.find(hubCredit, key);
  if (credit !== null) {
    const balance = credit.balance > amount ? credit.balance - amount : 0n;
    await context.db.update(hubCredit, key).set({
      balance,
      hubBlock: event.block.number,
      hubTimestamp: event.block.timestamp,
      hubTxHash: event.transaction.hash,
    });
  }
});

ponder.on("MarginHub:Liquidated", async ({ event, context }) => {
  const { account, liquidator, recipient, owedUsd, seizedUsd, closeBps } = event.args;
  await context.db.insert(liquidation).values({
    id: event.id,
    account: lower(account),
    liquidator: lower(liquidator),
    recipient: lower(recipient),
    owedUsd,
    seizedUsd,
    badDebtUsd: owedUsd > seizedUsd ? owedUsd - seizedUsd : 0n,
    closeBps,
    txHash: event.transaction.hash,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
  });
});

ponder.on("MarginHub:PacketSent", async ({ event, context }) => {
  const { guid, nonce, dstEid, packet } = event.args;
  const source = {
    guid,
    srcEid: context.chain.id,
    dstEid,
    nonce,
    packet,
    sourceTxHash: event.transaction.hash,
    sourceBlock: event.block.number,
    sourceTimestamp: event.block.timestamp,
  };
  const decoded = tryDescribePacket(packet);
  await upsertRelayMessage(
    context.db,
    decoded === undefined ? { ...source, kind: "unknown" } : { ...decoded, ...source },
  );
});

type HubEvent = { block: { number: bigint; timestamp: bigint }; transaction: { hash: Hex; input: Hex } };

/**
 * A balance batch reached the hub (`BatchApplied`, or `RootStored` for lazy application). The
 * relayer builds batches off-chain, so there is no source event: the packet (nonce, source block
 * time) is read from the delivering call when it went straight to the hub.
 */
async function deliverBatch(
  context: { db: IndexerDb; chain: { id: number } },
  event: HubEvent,
  batch: { guid: Hex; srcEid: number; sourceBlock: bigint; sourceTimestamp?: bigint },
): Promise<void> {
  const packet = packetOfCall(event.transaction.input);
  const described = packet === undefined ? undefined : tryDescribePacket(packet);
  // A call may carry several packets (a multicall); only this batch's own packet describes it.
  const decoded = described?.guid === lowerHex(batch.guid) ? described : undefined;
  await upsertRelayMessage(context.db, {
    ...(decoded === undefined ? {} : { ...decoded, packet }),
    guid: batch.guid,
    kind: "balance_batch",
    srcEid: batch.srcEid,
    dstEid: context.chain.id,
    sourceBlock: batch.sourceBlock,
    sourceTimestamp: batch.sourceTimestamp ?? decoded?.sourceTimestamp,
    destinationTxHash: event.transaction.hash,
    destinationBlock: event.block.number,
    destinationTimestamp: event.block.timestamp,
  });
}

function packetOfCall(input: Hex): Hex | undefined {
  try {
    const call = decodeFunctionData({ abi: marginHubAbi, data: input });
    if (call.functionName === "submitBatch" || call.functionName === "submitRoot") return call.args[0];
  } catch {
    // Not a direct hub call (a multicall or another contract): the packet is unknown.
  }
  return undefined;
}
