import { parseUnits } from "viem";
import { awaitIndexedMargin } from "./awaitIndexedMargin.js";
import { depositAndAwaitCredit } from "./depositAndAwaitCredit.js";
import { dropPriceUntilLiquidatable } from "./dropPriceUntilLiquidatable.js";
import { DemoStepFailedError } from "./errors.js";
import { liquidateAndAwaitSeizes } from "./liquidateAndAwaitSeizes.js";
import { openPosition } from "./openPosition.js";
import { previewStress } from "./previewStress.js";
import { readHubMargin } from "./readHubMargin.js";
import { resetPrices } from "./resetPrices.js";
import type { DemoContext, LiquidationSummary } from "./types.js";

/** Share of the trader's free margin the position takes: close to the edge, so a small fall liquidates it. */
const POSITION_PERCENT = 90n;

/**
 * Storyline 1, with the first demo trader: collateral deposited on two vault chains (USDC on the
 * first, wstETH on the second) is credited on the hub, margins an ETH-PERP long on the hub chain,
 * the price falls until the hub says liquidatable, the liquidator liquidates, and the relayer
 * delivers the SEIZE commands to both vault chains, where the liquidator's balances rise. The
 * ETH-USD price is put back afterwards. Amounts are fixed and the position is sized from the
 * trader's free margin at the time, so the story runs again on the same devnet.
 *
 * @param context the demo context
 * @returns the figures of every step
 */
export async function runLiquidationStory(context: DemoContext): Promise<LiquidationSummary> {
  const trader = context.traders[0];
  if (trader === undefined) throw new DemoStepFailedError("liquidation", "the manifest lists no trader");
  const [first, second] = context.vaults;
  context.log("");
  context.log(
    `── Storyline 1: collateral on two chains margins a position on the hub, then a liquidation (trader ${trader.address})`,
  );

  context.log("1. deposit on two vault chains; the relayer credits both on the hub");
  const deposits = await Promise.all([
    depositAndAwaitCredit(context, {
      step: "1. deposit USDC",
      chain: first,
      trader,
      symbol: "USDC",
      amount: parseUnits("4000", 6),
    }),
    depositAndAwaitCredit(context, {
      step: "1. deposit wstETH",
      chain: second,
      trader,
      symbol: "wstETH",
      amount: parseUnits("2", 18),
    }),
  ]);
  await awaitIndexedMargin(context, {
    step: "1. the indexer shows the credits",
    account: trader.address,
    credits: deposits.map((d) => ({ chainId: d.chainId, token: d.token, seq: d.seq })),
  });

  context.log(
    `2. open an ETH-PERP long on hub chain ${context.hub.config.chainId} against that collateral (${POSITION_PERCENT}% of the free margin)`,
  );
  const margin = await readHubMargin(context, trader.address);
  const free = margin.adjustedUsd > margin.initialUsd ? margin.adjustedUsd - margin.initialUsd : 0n;
  if (free === 0n)
    throw new DemoStepFailedError("2. open a position", "the trader has no free margin on the hub");
  const position = await openPosition(context, {
    step: "2. open a position",
    trader,
    initialUsd: (free * POSITION_PERCENT) / 100n,
  });

  context.log("2b. stress test: what if ETH and wstETH fell 25 %? (POST /stress, nothing moves on chain)");
  await previewStress(context, { step: "2b. stress test", account: trader.address });

  context.log("3. the ETH price falls (mock feed on the hub)");
  const prices = await dropPriceUntilLiquidatable(context, { step: "3. price falls", trader });

  context.log("4. the liquidator liquidates; the relayer delivers a SEIZE to each vault chain");
  try {
    const liquidation = await liquidateAndAwaitSeizes(context, { step: "4. liquidation", trader });
    return {
      trader: trader.address,
      deposits,
      position,
      prices,
      liquidationTxHash: liquidation.txHash,
      owedUsd: liquidation.owedUsd,
      seizedUsd: liquidation.seizedUsd,
      seizes: liquidation.seizes,
    };
  } finally {
    context.log("5. put the ETH price back");
    await resetPrices(context, "5. reset the price");
  }
}
