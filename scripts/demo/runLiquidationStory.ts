import { parseUnits } from "viem";
import { perpMarketAbi } from "../../shared/abis/generated.js";
import type { DevnetAccount } from "../devnet/accounts.js";
import { awaitIndexedMargin } from "./awaitIndexedMargin.js";
import { awaitStep } from "./awaitStep.js";
import { depositAndAwaitCredit } from "./depositAndAwaitCredit.js";
import { dropPriceUntilLiquidatable } from "./dropPriceUntilLiquidatable.js";
import { DemoStepFailedError } from "./errors.js";
import { formatUsd } from "./format.js";
import { liquidateAndAwaitSeizes } from "./liquidateAndAwaitSeizes.js";
import { openPosition } from "./openPosition.js";
import { previewStress } from "./previewStress.js";
import { readHubMargin } from "./readHubMargin.js";
import { resetPrices } from "./resetPrices.js";
import type { DemoContext, LiquidationSummary } from "./types.js";

/** Share of the trader's free margin the ETH-PERP position takes. */
const POSITION_PERCENT = 60n;
/** Share the BTC-PERP position takes: together 90 %, close to the edge, so a small ETH fall liquidates both. */
const SECOND_POSITION_PERCENT = 30n;

/**
 * Storyline 1, with the first demo trader: collateral deposited on two vault chains (USDC on the
 * first, wstETH on the second) is credited on the hub, margins an ETH-PERP long and a BTC-PERP
 * long on the hub chain (one account, two markets: their requirements add up against one margin),
 * the ETH price falls until the hub says liquidatable, the liquidator's one `liquidate` call closes
 * both positions, and the relayer delivers the SEIZE commands to both vault chains, where the
 * liquidator's and the markets' balances rise. The prices are put back afterwards. Amounts are fixed and the position is sized from the
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

  const [, btc] = context.markets;
  if (btc === undefined)
    throw new DemoStepFailedError("2a. one account, two markets", "the hub has one market");
  context.log(
    `2a. one account, two markets: a ${btc.symbol} long (${SECOND_POSITION_PERCENT}% of the free margin) on the same collateral`,
  );
  const secondPosition = await openPosition(context, {
    step: "2a. open a second position",
    trader,
    initialUsd: (free * SECOND_POSITION_PERCENT) / 100n,
    market: btc,
  });
  const shared = await showSharedMargin(context, trader);

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
      secondPosition,
      ...shared,
      closed: liquidation.closed,
      prices,
      liquidationTxHash: liquidation.txHash,
      owedUsd: liquidation.owedUsd,
      seizedUsd: liquidation.seizedUsd,
      seizes: liquidation.seizes,
    };
  } finally {
    context.log("5. put the prices back");
    await resetPrices(context, "5. reset the price");
  }
}

/**
 * "One account, two markets": each market's initial requirement, the hub's (their sum) and the
 * indexer's, and what that means for a withdrawal (it must leave enough for both).
 */
async function showSharedMargin(context: DemoContext, trader: DevnetAccount) {
  const step = "2a. requirements add up";
  const requirements = await Promise.all(
    context.markets.map(async (market) => {
      const [initialUsd] = await context.hub.publicClient.readContract({
        address: market.address,
        abi: perpMarketAbi,
        functionName: "marginRequirement",
        args: [trader.address],
      });
      return { symbol: market.symbol, initialUsd };
    }),
  );
  const margin = await readHubMargin(context, trader.address);
  const sum = requirements.reduce((total, r) => total + r.initialUsd, 0n);
  if (sum !== margin.initialUsd)
    throw new DemoStepFailedError(step, `the hub requires ${margin.initialUsd}, the markets ${sum}`);
  const url = `${context.apiUrl}/accounts/${trader.address}/margin`;
  const indexed = await awaitStep({
    step,
    awaited: `the indexer's initial requirement at the hub's ${formatUsd(sum)}`,
    read: async () => {
      const body = (await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json()) as {
        totals?: { initialUsd?: string | null };
      }; // the margin answer (indexer/README.md)
      return BigInt(body.totals?.initialUsd ?? "0");
    },
    done: (initial) => initial === sum,
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  context.log(
    `   requirements add up: ${requirements.map((r) => `${r.symbol} ${formatUsd(r.initialUsd)}`).join(" + ")} = hub ${formatUsd(margin.initialUsd)} = indexer ${formatUsd(indexed)}`,
  );
  context.log(
    `   a withdrawal must cover both: the hub approves one only while the adjusted collateral left (${formatUsd(margin.adjustedUsd)} now) stays ≥ ${formatUsd(sum)}, so at most ${formatUsd(margin.adjustedUsd - sum)} of it may leave`,
  );
  return { requirements, initialUsd: margin.initialUsd, indexedInitialUsd: indexed };
}
