import { mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { DEMO_PERPS, DEMO_TOKENS } from "../devnet/demoAssets.js";
import { formatPrice } from "./format.js";
import { setPrice } from "./setPrice.js";
import type { DemoContext } from "./types.js";

/**
 * Puts the devnet's prices back where `npm run dev` set them: every feed (ETH-USD and BTC-USD
 * of the perp markets, and the collaterals') whose answer moved or is older than half its heartbeat. Makes the
 * demo repeatable on the same devnet.
 *
 * @param context the demo context
 * @param step the step, named in errors
 */
export async function resetPrices(context: DemoContext, step: string): Promise<void> {
  const feeds = [
    ...DEMO_PERPS.flatMap((perp) => {
      const market = context.markets.find((m) => m.symbol === perp.symbol);
      return market === undefined
        ? []
        : [
            {
              name: perp.feedSymbol,
              feed: market.feed,
              price: perp.price,
              heartbeat: perp.heartbeat,
              perp: true,
            },
          ];
    }),
    ...DEMO_TOKENS.flatMap((token) => {
      const risk = context.hub.config.tokens[token.symbol]?.risk;
      return risk === undefined
        ? []
        : [
            {
              name: `${token.symbol}-USD`,
              feed: risk.feed,
              price: token.price,
              heartbeat: risk.heartbeat,
              perp: false,
            },
          ];
    }),
  ];
  // Chain time, not wall-clock time: a devnet's clock may have been moved.
  const { timestamp: now } = await context.hub.publicClient.getBlock();
  for (const { name, feed, price, heartbeat, perp } of feeds) {
    const [, answer, , updatedAt] = await context.hub.publicClient.readContract({
      address: feed,
      abi: mockPriceFeedAbi,
      functionName: "latestRoundData",
    });
    const aging = updatedAt + BigInt(heartbeat) / 2n < now;
    if (answer === price && !aging) {
      if (perp) context.log(`   ${name} is at ${formatPrice(price)}`);
      continue;
    }
    const txHash = await setPrice(context, { step, feed, answer: price });
    context.log(`   ${name} ${formatPrice(answer)} → ${formatPrice(price)}: tx ${txHash}`);
  }
}
