import { type Hex, parseEventLogs } from "viem";
import { perpMarketAbi } from "../../shared/abis/generated.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { formatUsd } from "./format.js";
import { sendCall } from "./sendCall.js";
import type { DemoContext } from "./types.js";

/**
 * Closes the trader's `PerpMarket` position if it has one (a loss becomes debt at the market).
 *
 * @param context the demo context
 * @param parameters step and trader
 * @returns the closing transaction, or undefined when there was no position
 */
export async function closePosition(
  context: DemoContext,
  parameters: { step: string; trader: DevnetAccount },
): Promise<Hex | undefined> {
  const { hub } = context;
  const held = await hub.publicClient.readContract({
    address: hub.perpMarket,
    abi: perpMarketAbi,
    functionName: "position",
    args: [parameters.trader.address],
  });
  if (held.size === 0n) return undefined;
  const receipt = await sendCall(hub, {
    step: parameters.step,
    key: parameters.trader.privateKey,
    address: hub.perpMarket,
    abi: perpMarketAbi,
    functionName: "closePosition",
    args: [],
    timeoutMs: context.stepTimeoutMs,
  });
  const [closed] = parseEventLogs({ abi: perpMarketAbi, logs: receipt.logs, eventName: "PositionClosed" });
  context.log(
    `   closed the ETH-PERP position: tx ${receipt.transactionHash}${closed === undefined ? "" : ` (pnl ${formatUsd(closed.args.pnlUsd)}, debt ${formatUsd(closed.args.debtUsd)})`}`,
  );
  return receipt.transactionHash;
}
