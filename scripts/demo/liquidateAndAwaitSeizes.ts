import { type Address, type Hex, parseEventLogs } from "viem";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { awaitStep } from "./awaitStep.js";
import { demoChainById, tokenInfo } from "./demoChainById.js";
import { DemoStepFailedError } from "./errors.js";
import { formatSeconds, formatToken, formatUsd } from "./format.js";
import { sendCall } from "./sendCall.js";
import type { ClosedPosition, DeliveredSeize, DemoChain, DemoContext } from "./types.js";

/** Return type of {@link liquidateAndAwaitSeizes}. */
export type LiquidateAndAwaitSeizesReturnType = {
  txHash: Hex;
  owedUsd: bigint;
  seizedUsd: bigint;
  seizes: DeliveredSeize[];
  /** Every position the one call closed, market by market in the hub's consumer order. */
  closed: ClosedPosition[];
};

type SeizeOrder = {
  chain: DemoChain;
  token: Address;
  recipient: Address;
  amount: bigint;
  nonce: bigint;
  before: bigint;
};

/**
 * The liquidator calls `MarginHub.liquidate(trader)`: the market closes the position and the hub
 * orders SEIZEs of collateral on each vault chain: what the trader owes to the market's settlement
 * address, the bonus to the liquidator. Then waits for the relayer to deliver every SEIZE (the
 * vault's `inboundNonce` reaches the command's nonce) and reads each recipient's balance rising.
 *
 * @param context the demo context
 * @param parameters step and trader
 * @returns the liquidation's figures and every delivered seize
 * @throws {DemoStepTimeoutError} when a SEIZE is not delivered in time
 */
export async function liquidateAndAwaitSeizes(
  context: DemoContext,
  parameters: { step: string; trader: DevnetAccount },
): Promise<LiquidateAndAwaitSeizesReturnType> {
  const { step, trader } = parameters;
  const { liquidator } = context;
  const chains = [context.hub, ...context.vaults];
  const fromBlocks = new Map(
    await Promise.all(
      chains.map(async (chain) => [chain.config.chainId, await chain.publicClient.getBlockNumber()] as const),
    ),
  );
  // Balances of the recipients (the liquidator, each market's settlement address on each chain) before.
  const before = new Map<string, bigint>();
  for (const chain of chains) {
    const settlements = await Promise.all(
      context.markets.map((market) =>
        context.hub.publicClient.readContract({
          address: market.address,
          abi: perpMarketAbi,
          functionName: "settlementRecipient",
          args: [BigInt(chain.config.chainId)],
        }),
      ),
    );
    for (const token of Object.values(chain.config.tokens)) {
      for (const who of new Set([liquidator.address, ...settlements])) {
        before.set(key(chain.config.chainId, token.address, who), await balanceOf(chain, token.address, who));
      }
    }
  }

  const receipt = await sendCall(context.hub, {
    step,
    key: liquidator.privateKey,
    address: context.hub.hub,
    abi: marginHubAbi,
    functionName: "liquidate",
    args: [trader.address],
    timeoutMs: context.stepTimeoutMs,
  });
  const [liquidated] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "Liquidated" });
  if (liquidated === undefined)
    throw new DemoStepFailedError(step, `liquidate ${receipt.transactionHash} emitted no Liquidated event`);
  const packets = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" });
  const closed = parseEventLogs({
    abi: perpMarketAbi,
    logs: receipt.logs,
    eventName: "PositionLiquidated",
  }).map(
    (e): ClosedPosition => ({
      market: e.address,
      symbol:
        context.markets.find((m) => m.address.toLowerCase() === e.address.toLowerCase())?.symbol ?? e.address,
      owedUsd: e.args.owedUsd,
    }),
  );
  const owedSum = closed.reduce((sum, c) => sum + c.owedUsd, 0n);
  if (owedSum !== liquidated.args.owedUsd)
    throw new DemoStepFailedError(
      step,
      `Liquidated.owedUsd ${liquidated.args.owedUsd} is not the markets' sum ${owedSum} (${closed.length} closed)`,
    );
  const orders: SeizeOrder[] = [];
  for (const { args } of parseEventLogs({
    abi: marginHubAbi,
    logs: receipt.logs,
    eventName: "SeizeOrdered",
  })) {
    const chain = demoChainById(context, Number(args.chainId));
    const packet = packets.find((p) => p.args.guid === args.guid);
    if (chain === undefined || packet === undefined)
      throw new DemoStepFailedError(step, `a SEIZE to unknown chain ${args.chainId}`);
    const before_ = before.get(key(chain.config.chainId, args.token, args.recipient)) ?? 0n;
    orders.push({
      chain,
      token: args.token,
      recipient: args.recipient,
      amount: args.amount,
      nonce: packet.args.nonce,
      before: before_,
    });
  }
  context.log(
    `   liquidate(${trader.address}) by the liquidator ${liquidator.address}: tx ${receipt.transactionHash}`,
  );
  context.log(
    `   one call closed ${closed.map((c) => `${c.symbol} (owed ${formatUsd(c.owedUsd)})`).join(" and ")}; owed ${formatUsd(liquidated.args.owedUsd)}, covered by seizures ${formatUsd(liquidated.args.seizedUsd)}; SEIZE orders: ${orders
      .map((o) => {
        const info = tokenInfo(o.chain, o.token);
        const to = o.recipient === liquidator.address ? "bonus to the liquidator" : "owed, to the market";
        return `${formatToken(o.amount, info.decimals, info.symbol)} on chain ${o.chain.config.chainId} (${to}, command nonce ${o.nonce})`;
      })
      .join(", ")}`,
  );
  const ordered = Date.now();
  const seizes = await Promise.all(
    orders.map((order) =>
      awaitSeize(context, {
        step,
        trader,
        order,
        fromBlock: fromBlocks.get(order.chain.config.chainId) ?? 0n,
        ordered,
      }),
    ),
  );
  return {
    txHash: receipt.transactionHash,
    owedUsd: liquidated.args.owedUsd,
    seizedUsd: liquidated.args.seizedUsd,
    seizes,
    closed,
  };
}

async function awaitSeize(
  context: DemoContext,
  parameters: { step: string; trader: DevnetAccount; order: SeizeOrder; fromBlock: bigint; ordered: number },
): Promise<DeliveredSeize> {
  const { order, trader } = parameters;
  const { chain } = order;
  const chainId = chain.config.chainId;
  const vault = chain.config.contracts.vault;
  const info = tokenInfo(chain, order.token);
  await awaitStep({
    step: `${parameters.step}: SEIZE delivered on chain ${chainId}`,
    awaited: `CollateralVault.inboundNonce() on chain ${chainId} to reach ${order.nonce} (the relayer delivers the hub's SEIZE of ${formatToken(order.amount, info.decimals, info.symbol)})`,
    read: () =>
      chain.publicClient.readContract({
        address: vault,
        abi: collateralVaultAbi,
        functionName: "inboundNonce",
      }),
    done: (nonce) => BigInt(nonce) >= order.nonce,
    describe: (nonce) => `inboundNonce ${nonce}`,
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  const events = await chain.publicClient.getContractEvents({
    address: vault,
    abi: collateralVaultAbi,
    eventName: "Seized",
    args: { account: trader.address, token: order.token, recipient: order.recipient },
    fromBlock: parameters.fromBlock,
  });
  const applied = events.find((event) => event.args.commandNonce === order.nonce);
  if (applied === undefined) {
    throw new DemoStepFailedError(
      parameters.step,
      `chain ${chainId} applied command ${order.nonce} but shows no Seized event for it`,
    );
  }
  const after = await balanceOf(chain, order.token, order.recipient);
  // The vault's own figure: with two markets one recipient can get several SEIZEs of one token,
  // so the balance's rise since before the liquidation may cover more than this one.
  const received = applied.args.amount ?? 0n;
  const who = order.recipient === context.liquidator.address ? "liquidator" : "market's settlement address";
  context.log(
    `   SEIZE delivered on chain ${chainId} after ${formatSeconds(Date.now() - parameters.ordered)}: tx ${applied.transactionHash}; ${who}'s ${info.symbol} ${formatToken(order.before, info.decimals, info.symbol)} → ${formatToken(after, info.decimals, info.symbol)}`,
  );
  return {
    chainId,
    symbol: info.symbol,
    token: order.token,
    recipient: order.recipient,
    bonus: order.recipient === context.liquidator.address,
    ordered: order.amount,
    received,
    deliveryTxHash: applied.transactionHash,
  };
}

function key(chainId: number, token: Address, holder: Address): string {
  return `${chainId}:${token.toLowerCase()}:${holder.toLowerCase()}`;
}

async function balanceOf(chain: DemoChain, token: Address, owner: Address): Promise<bigint> {
  return chain.publicClient.readContract({
    address: token,
    abi: mockErc20Abi,
    functionName: "balanceOf",
    args: [owner],
  });
}
