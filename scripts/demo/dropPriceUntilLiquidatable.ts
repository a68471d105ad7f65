import { marginHubAbi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { BPS } from "../../shared/margin/marginMath.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { DemoStepFailedError } from "./errors.js";
import { formatHealth, formatPrice } from "./format.js";
import { readHubMargin } from "./readHubMargin.js";
import { setPrice } from "./setPrice.js";
import type { DemoContext, PriceStep } from "./types.js";

/** Parameters of {@link dropPriceUntilLiquidatable}. */
export type DropPriceUntilLiquidatableParameters = {
  step: string;
  trader: DevnetAccount;
  /** Each step lowers the price by this many bps of the starting price (default 300 = 3 %). */
  stepBps?: number;
  /** Give up after this many steps (default 20). */
  maxSteps?: number;
};

/**
 * Lowers the ETH-USD feed step by step, printing the trader's health on the hub after each
 * step, until the hub says the trader is liquidatable (`MarginHub.isLiquidatable`).
 *
 * @param context the demo context
 * @param parameters step, trader, step size, most steps
 * @returns every price step
 * @throws {DemoStepFailedError} when the trader is still not liquidatable after `maxSteps`
 */
export async function dropPriceUntilLiquidatable(
  context: DemoContext,
  parameters: DropPriceUntilLiquidatableParameters,
): Promise<PriceStep[]> {
  const stepBps = BigInt(parameters.stepBps ?? 300);
  const maxSteps = parameters.maxSteps ?? 20;
  const [, start] = await context.hub.publicClient.readContract({
    address: context.perpFeed,
    abi: mockPriceFeedAbi,
    functionName: "latestRoundData",
  });
  const steps: PriceStep[] = [];
  let previous = start;
  for (let k = 1n; k <= BigInt(maxSteps); k++) {
    const answer = (start * (BPS - k * stepBps)) / BPS;
    if (answer <= 0n) break;
    const txHash = await setPrice(context, { step: parameters.step, feed: context.perpFeed, answer });
    const margin = await readHubMargin(context, parameters.trader.address);
    const liquidatable = await context.hub.publicClient.readContract({
      address: context.hub.hub,
      abi: marginHubAbi,
      functionName: "isLiquidatable",
      args: [parameters.trader.address],
    });
    context.log(
      `   ETH-USD ${formatPrice(previous)} → ${formatPrice(answer)}: health ${formatHealth(margin.healthFactor)}${liquidatable ? " < 1: liquidatable" : ""} (tx ${txHash})`,
    );
    steps.push({ answer, txHash, healthFactor: margin.healthFactor, liquidatable });
    previous = answer;
    if (liquidatable) return steps;
  }
  throw new DemoStepFailedError(
    parameters.step,
    `the trader is not liquidatable after ${maxSteps} price steps`,
  );
}
