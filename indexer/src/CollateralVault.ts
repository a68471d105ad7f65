import { ponder } from "ponder:registry";
import { claimable, deposit } from "ponder:schema";
import type { Hex } from "viem";
import { MessageType } from "../../shared/codec/constants.js";
import { commandGuid } from "../lib/commandGuid.js";
import { tryDescribePacket } from "../lib/describePacket.js";
import { indexerConfig, lower } from "../lib/indexerConfig.js";
import type { ChangeAt, IndexerDb } from "../lib/store/context.js";
import { settleWithdrawal } from "../lib/store/settleWithdrawal.js";
import { upsertCollateralBalance } from "../lib/store/upsertCollateralBalance.js";
import { upsertRelayMessage } from "../lib/store/upsertRelayMessage.js";
import { upsertSeizure } from "../lib/store/upsertSeizure.js";
import { upsertWithdrawal } from "../lib/store/upsertWithdrawal.js";

/*
 * CollateralVault (every chain, the hub chain included). Every account event carries the
 * (account, token) post-state, so `collateral_balance` follows from events alone.
 */

type EventMeta = { block: { number: bigint; timestamp: bigint }; transaction: { hash: Hex } };

function changeAt(chainId: number, event: EventMeta): ChangeAt & { txHash: Hex } {
  return {
    chainId,
    block: event.block.number,
    timestamp: event.block.timestamp,
    txHash: event.transaction.hash,
  };
}

ponder.on("CollateralVault:Deposited", async ({ event, context }) => {
  // The hot path of a backfill: no spreads, one object per table.
  const { args, block } = event;
  const chainId = context.chain.id;
  const account = lower(args.account);
  const token = lower(args.token);
  const vault = lower(event.log.address);
  const txHash = event.transaction.hash;
  const { balance, pending, seq } = args;
  await upsertCollateralBalance(context.db, {
    chainId,
    vault,
    account,
    token,
    balance,
    pending,
    seq,
    block: block.number,
    timestamp: block.timestamp,
    txHash,
  });
  await context.db.insert(deposit).values({
    id: event.id,
    chainId,
    vault,
    account,
    token,
    from: lower(args.from),
    amount: args.amount,
    balanceAfter: balance,
    pendingAfter: pending,
    seq,
    blockNumber: block.number,
    timestamp: block.timestamp,
    txHash,
  });
});

ponder.on("CollateralVault:WithdrawalRequested", async ({ event, context }) => {
  const at = changeAt(context.chain.id, event);
  const account = lower(event.args.account);
  const token = lower(event.args.token);
  const vault = lower(event.log.address);
  const { amount, balance, pending, seq, nonce, guid } = event.args;
  await upsertCollateralBalance(context.db, { ...at, vault, account, token, balance, pending, seq });
  await upsertWithdrawal(context.db, {
    requestGuid: guid,
    chainId: at.chainId,
    account,
    token,
    amount,
    status: "requested",
    vault,
    requestNonce: nonce,
    balanceAfter: balance,
    seq,
    requestTxHash: at.txHash,
    requestBlock: at.block,
    requestTimestamp: at.timestamp,
  });
});

ponder.on("CollateralVault:WithdrawalReleased", async ({ event, context }) => {
  await applyCommand(context, event, "approve_withdrawal", event.args);
});

ponder.on("CollateralVault:WithdrawalRejected", async ({ event, context }) => {
  await applyCommand(context, event, "reject_withdrawal", event.args);
});

ponder.on("CollateralVault:Seized", async ({ event, context }) => {
  const { account, token, amount } = event.args;
  const command = await applyCommand(context, event, "seize", event.args);
  await upsertSeizure(context.db, {
    guid: command,
    account: lower(account),
    chainId: context.chain.id,
    token: lower(token),
    recipient: lower(event.args.recipient),
    appliedAmount: amount,
    appliedTxHash: event.transaction.hash,
    appliedBlock: event.block.number,
    appliedTimestamp: event.block.timestamp,
  });
});

ponder.on("CollateralVault:PacketSent", async ({ event, context }) => {
  const { guid, nonce, dstEid, packet } = event.args;
  const source = {
    nonce,
    packet,
    sourceTxHash: event.transaction.hash,
    sourceBlock: event.block.number,
    sourceTimestamp: event.block.timestamp,
  };
  const path = { guid, srcEid: context.chain.id, dstEid };
  const decoded = tryDescribePacket(packet);
  await upsertRelayMessage(
    context.db,
    decoded === undefined ? { ...path, ...source, kind: "unknown" } : { ...decoded, ...path, ...source },
  );
});

ponder.on("CollateralVault:CommandApplied", async ({ event, context }) => {
  const { guid, nonce, messageType } = event.args;
  await upsertRelayMessage(context.db, {
    guid,
    kind: commandKind(messageType),
    srcEid: indexerConfig().hub.chainId,
    dstEid: context.chain.id,
    nonce,
    destinationTxHash: event.transaction.hash,
    destinationBlock: event.block.number,
    destinationTimestamp: event.block.timestamp,
  });
});

type CommandKind = "approve_withdrawal" | "reject_withdrawal" | "seize";

function commandKind(messageType: number): CommandKind {
  if (messageType === MessageType.ApproveWithdrawal) return "approve_withdrawal";
  if (messageType === MessageType.RejectWithdrawal) return "reject_withdrawal";
  return "seize";
}

/**
 * A hub command applied at the vault: the new vault state, the command's `relay_message` row
 * (applied amount and delivery; the guid follows from the command nonce), the withdrawal it
 * settles (if the hub's decision is indexed already), and the account's margin.
 *
 * @returns the command's guid
 */
async function applyCommand(
  context: { db: IndexerDb; chain: { id: number } },
  event: EventMeta & { log: { address: Hex } },
  kind: CommandKind,
  args: {
    account: Hex;
    token: Hex;
    amount: bigint;
    balance: bigint;
    pending: bigint;
    seq: bigint;
    commandNonce: bigint;
  },
): Promise<Hex> {
  const at = changeAt(context.chain.id, event);
  const account = lower(args.account);
  const token = lower(args.token);
  const vault = lower(event.log.address);
  const { hub } = indexerConfig();
  const { balance, pending, seq, commandNonce } = args;
  await upsertCollateralBalance(context.db, {
    ...at,
    vault,
    account,
    token,
    balance,
    pending,
    seq,
    inboundNonce: commandNonce,
  });
  const guid = commandGuid({
    hubChainId: hub.chainId,
    hub: hub.contracts.hub,
    chainId: at.chainId,
    vault,
    nonce: commandNonce,
  });
  const command = await upsertRelayMessage(context.db, {
    guid,
    kind,
    srcEid: hub.chainId,
    dstEid: at.chainId,
    nonce: commandNonce,
    appliedAmount: args.amount,
    destinationTxHash: at.txHash,
    destinationBlock: at.block,
    destinationTimestamp: at.timestamp,
  });
  if (kind !== "seize") await settleWithdrawal(context.db, command);
  return guid;
}

ponder.on("CollateralVault:ClaimRecorded", async ({ event, context }) => {
  const { recipient, token, amount } = event.args;
  const key = { chainId: context.chain.id, recipient: lower(recipient), token: lower(token) };
  const at = { updatedBlock: event.block.number, updatedTxHash: event.transaction.hash };
  await context.db
    .insert(claimable)
    .values({ ...key, amount, recorded: amount, claimed: 0n, ...at })
    .onConflictDoUpdate((row) => ({ amount: row.amount + amount, recorded: row.recorded + amount, ...at }));
});

ponder.on("CollateralVault:Claimed", async ({ event, context }) => {
  const { recipient, token, amount } = event.args;
  const key = { chainId: context.chain.id, recipient: lower(recipient), token: lower(token) };
  const at = { updatedBlock: event.block.number, updatedTxHash: event.transaction.hash };
  // A claim always follows its ClaimRecorded on the same chain, so the row exists.
  await context.db
    .insert(claimable)
    .values({ ...key, amount: 0n, recorded: 0n, claimed: amount, ...at })
    .onConflictDoUpdate((row) => ({
      amount: row.amount > amount ? row.amount - amount : 0n,
      claimed: row.claimed + amount,
      ...at,
    }));
});
