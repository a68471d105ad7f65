import { type Address, type Hex, parseEventLogs } from "viem";
import { collateralVaultAbi, marginHubAbi, mockErc20Abi } from "../../shared/abis/generated.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { awaitStep } from "./awaitStep.js";
import { demoToken } from "./demoChainById.js";
import { DemoStepFailedError } from "./errors.js";
import { formatSeconds, formatToken } from "./format.js";
import { sendCall } from "./sendCall.js";
import type { DemoChain, DemoContext, WithdrawalOutcome } from "./types.js";

/** Parameters of {@link withdrawAndAwaitDecision}. */
export type WithdrawAndAwaitDecisionParameters = {
  step: string;
  chain: DemoChain;
  trader: DevnetAccount;
  symbol: string;
  amount: bigint;
  /** The decision the story expects; another one fails the step. */
  expectApproved: boolean;
};

/**
 * Requests a withdrawal at a vault and follows it across: the relayer carries the request to the
 * hub (which approves it only if the account stays healthy) and the hub's answer back to the vault,
 * which releases the tokens (approval) or returns them from pending to the free balance (rejection).
 *
 * @param context the demo context
 * @param parameters step, chain, trader, token, amount and the expected decision
 * @returns the request, the decision and the settlement, with the balances afterwards
 * @throws {DemoStepTimeoutError} when the request or the answer is not delivered in time
 * @throws {DemoStepFailedError} when the hub decides otherwise than expected
 */
export async function withdrawAndAwaitDecision(
  context: DemoContext,
  parameters: WithdrawAndAwaitDecisionParameters,
): Promise<WithdrawalOutcome> {
  const { chain, trader, amount, step } = parameters;
  const chainId = chain.config.chainId;
  const token = demoToken(step, chain, parameters.symbol);
  const vault = chain.config.contracts.vault;
  const label = (value: bigint) => formatToken(value, token.decimals, parameters.symbol);
  const [hubFrom, vaultFrom, walletBefore] = await Promise.all([
    context.hub.publicClient.getBlockNumber(),
    chain.publicClient.getBlockNumber(),
    chain.publicClient.readContract({
      address: token.address,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [trader.address],
    }),
  ]);

  const receipt = await sendCall(chain, {
    step,
    key: trader.privateKey,
    address: vault,
    abi: collateralVaultAbi,
    functionName: "requestWithdrawal",
    args: [token.address, amount],
    timeoutMs: context.stepTimeoutMs,
  });
  const requestedAt = Date.now();
  const [requested] = parseEventLogs({
    abi: collateralVaultAbi,
    logs: receipt.logs,
    eventName: "WithdrawalRequested",
  });
  if (requested === undefined)
    throw new DemoStepFailedError(step, `${receipt.transactionHash} emitted no WithdrawalRequested`);
  context.log(
    `   request ${label(amount)} back on chain ${chainId}: tx ${receipt.transactionHash}; vault balance ${label(requested.args.balance)}, pending ${label(requested.args.pending)}`,
  );

  const decision = await awaitDecision(context, {
    step,
    guid: requested.args.guid,
    fromBlock: hubFrom,
    requestedAt,
  });
  if (decision.approved !== parameters.expectApproved) {
    throw new DemoStepFailedError(
      step,
      `the hub ${decision.approved ? "approved" : "rejected"} a withdrawal the story expected it to ${parameters.expectApproved ? "approve" : "reject"}`,
    );
  }
  const settled = await awaitSettlement(context, {
    step,
    chain,
    trader,
    token: token.address,
    approved: decision.approved,
    nonce: decision.commandNonce,
    fromBlock: vaultFrom,
  });
  const [walletAfter, state, credit] = await Promise.all([
    chain.publicClient.readContract({
      address: token.address,
      abi: mockErc20Abi,
      functionName: "balanceOf",
      args: [trader.address],
    }),
    chain.publicClient.readContract({
      address: vault,
      abi: collateralVaultAbi,
      functionName: "accountState",
      args: [trader.address, token.address],
    }),
    context.hub.publicClient.readContract({
      address: context.hub.hub,
      abi: marginHubAbi,
      functionName: "creditedBalance",
      args: [trader.address, BigInt(chainId), token.address],
    }),
  ]);
  const [balanceAfter, pendingAfter] = state;
  const released = walletAfter - walletBefore;
  context.log(
    decision.approved
      ? `   released on chain ${chainId}: tx ${settled}; trader's wallet ${label(walletBefore)} → ${label(walletAfter)} (+${label(released)}); vault balance ${label(balanceAfter)}, pending ${label(pendingAfter)}`
      : `   returned to the free balance on chain ${chainId}: tx ${settled}; vault balance ${label(balanceAfter)}, pending ${label(pendingAfter)}; wallet unchanged at ${label(walletAfter)}; hub credit ${label(credit[0])}`,
  );
  return {
    chainId,
    symbol: parameters.symbol,
    amount,
    requestTxHash: receipt.transactionHash,
    approved: decision.approved,
    decisionTxHash: decision.txHash,
    settledTxHash: settled,
    released,
    balanceAfter,
    pendingAfter,
    creditedAfter: credit[0],
  };
}

/** Waits for the hub's `WithdrawalDecided` of the request; returns the decision and its command's nonce. */
async function awaitDecision(
  context: DemoContext,
  parameters: { step: string; guid: Hex; fromBlock: bigint; requestedAt: number },
): Promise<{ approved: boolean; txHash: Hex; commandNonce: bigint }> {
  const { step } = parameters;
  const [decided] = await awaitStep({
    step: `${step}: the hub decides`,
    awaited: `a WithdrawalDecided event on hub ${context.hub.config.chainId} for request ${parameters.guid} (the relayer delivers the request)`,
    read: () =>
      context.hub.publicClient.getContractEvents({
        address: context.hub.hub,
        abi: marginHubAbi,
        eventName: "WithdrawalDecided",
        args: { requestGuid: parameters.guid },
        fromBlock: parameters.fromBlock,
      }),
    done: (events) => events.length > 0,
    describe: () => "no decision yet",
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  if (decided === undefined) throw new DemoStepFailedError(step, "no decision"); // awaited above
  const approved = decided.args.approved ?? false;
  const receipt = await context.hub.publicClient.getTransactionReceipt({ hash: decided.transactionHash });
  const command = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" }).find(
    (p) => p.args.guid === decided.args.commandGuid,
  );
  if (command === undefined) {
    throw new DemoStepFailedError(step, `the decision ${decided.transactionHash} sent no command`);
  }
  context.log(
    `   hub ${context.hub.config.chainId} ${approved ? "APPROVED" : "REJECTED"} it after ${formatSeconds(Date.now() - parameters.requestedAt)}: tx ${decided.transactionHash} (the relayer delivered the request; ${approved ? "the account stays healthy" : "it would leave the account below its initial margin"})`,
  );
  return { approved, txHash: decided.transactionHash, commandNonce: command.args.nonce };
}

/** Waits for the vault to apply the hub's answer (its `inboundNonce` reaches the command's); returns the applying transaction. */
async function awaitSettlement(
  context: DemoContext,
  parameters: {
    step: string;
    chain: DemoChain;
    trader: DevnetAccount;
    token: Address;
    approved: boolean;
    nonce: bigint;
    fromBlock: bigint;
  },
): Promise<Hex> {
  const { chain, nonce, step } = parameters;
  const chainId = chain.config.chainId;
  await awaitStep({
    step: `${step}: the vault applies the answer`,
    awaited: `CollateralVault.inboundNonce() on chain ${chainId} to reach ${nonce} (the relayer delivers the hub's ${parameters.approved ? "APPROVE" : "REJECT"}_WITHDRAWAL)`,
    read: () =>
      chain.publicClient.readContract({
        address: chain.config.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "inboundNonce",
      }),
    done: (applied) => BigInt(applied) >= nonce,
    describe: (applied) => `inboundNonce ${applied}`,
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  const settled = await findSettlement(chain, parameters);
  if (settled === undefined) {
    throw new DemoStepFailedError(
      step,
      `chain ${chainId} applied command ${nonce} but shows no event for it`,
    );
  }
  return settled;
}

async function findSettlement(
  chain: DemoChain,
  parameters: {
    approved: boolean;
    trader: DevnetAccount;
    token: Address;
    fromBlock: bigint;
    nonce: bigint;
  },
): Promise<Hex | undefined> {
  const filter = {
    address: chain.config.contracts.vault,
    abi: collateralVaultAbi,
    args: { account: parameters.trader.address, token: parameters.token },
    fromBlock: parameters.fromBlock,
  } as const;
  const events = parameters.approved
    ? await chain.publicClient.getContractEvents({ ...filter, eventName: "WithdrawalReleased" })
    : await chain.publicClient.getContractEvents({ ...filter, eventName: "WithdrawalRejected" });
  return events.find((event) => event.args.commandNonce === parameters.nonce)?.transactionHash;
}
