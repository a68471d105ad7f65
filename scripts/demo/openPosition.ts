import { parseEventLogs } from "viem";
import { mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { BPS, WAD } from "../../shared/margin/marginMath.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { DemoStepFailedError } from "./errors.js";
import { formatHealth, formatPrice, formatToken, formatUsd } from "./format.js";
import { readHubMargin } from "./readHubMargin.js";
import { sendCall } from "./sendCall.js";
import type { DemoContext, DemoMarket, OpenedPosition } from "./types.js";

/** Parameters of {@link openPosition}. */
export type OpenPositionParameters = {
  step: string;
  trader: DevnetAccount;
  /** Initial margin (USD, 18 decimals) the new long should take: the size follows from the price and the market's initial margin. */
  initialUsd: bigint;
  /** The market (default: the first, ETH-PERP). */
  market?: DemoMarket | undefined;
};

/** Smallest position the demo opens (0.001 ETH). */
const MIN_SIZE = 10n ** 15n;

/**
 * Opens (or grows) a long `PerpMarket` position whose initial requirement is `initialUsd` at
 * the feed's price. The market asks the hub whether the trader's collateral, credited from the
 * vault chains, covers it (`requireInitialMargin`).
 *
 * @param context the demo context
 * @param parameters step, trader, initial margin to commit
 * @returns the size, the transaction and the hub's health factor afterwards
 * @throws {DemoStepFailedError} when the market refuses the position (e.g. `MarginHub_InsufficientMargin`)
 */
export async function openPosition(
  context: DemoContext,
  parameters: OpenPositionParameters,
): Promise<OpenedPosition> {
  const { hub } = context;
  const market = parameters.market ?? {
    symbol: "ETH-PERP",
    address: hub.perpMarket,
    feed: context.perpFeed,
  };
  const base = market.symbol.replace(/-PERP$/, "");
  const [, answer] = await hub.publicClient.readContract({
    address: market.feed,
    abi: mockPriceFeedAbi,
    functionName: "latestRoundData",
  });
  if (answer <= 0n) throw new DemoStepFailedError(parameters.step, `the ${base}-USD feed answers ${answer}`);
  const initialBps = await hub.publicClient.readContract({
    address: market.address,
    abi: perpMarketAbi,
    functionName: "initialMarginBps",
  });
  const priceWad = answer * 10n ** 10n; // the devnet feeds have 8 decimals
  const notional = (parameters.initialUsd * BPS) / BigInt(initialBps);
  const computed = (notional * WAD) / priceWad;
  const size = computed > MIN_SIZE ? computed : MIN_SIZE;
  const receipt = await sendCall(hub, {
    step: parameters.step,
    key: parameters.trader.privateKey,
    address: market.address,
    abi: perpMarketAbi,
    functionName: "openPosition",
    args: [size],
    timeoutMs: context.stepTimeoutMs,
  });
  const [opened] = parseEventLogs({ abi: perpMarketAbi, logs: receipt.logs, eventName: "PositionOpened" });
  const margin = await readHubMargin(context, parameters.trader.address);
  context.log(
    `   open ${market.symbol} long ${formatToken(size, 18, base)} at ${formatPrice(answer)} (notional ${formatUsd((size * priceWad) / WAD)}): tx ${receipt.transactionHash}`,
  );
  context.log(
    `   hub: adjusted collateral ${formatUsd(margin.adjustedUsd)} vs initial requirement ${formatUsd(margin.initialUsd)}, maintenance ${formatUsd(margin.maintenanceUsd)}; health ${formatHealth(margin.healthFactor)}${opened === undefined ? "" : `; position now ${formatToken(opened.args.size, 18, base)}`}`,
  );
  return { size, txHash: receipt.transactionHash, healthFactor: margin.healthFactor };
}
