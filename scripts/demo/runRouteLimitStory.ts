import { marginHubAbi } from "../../shared/abis/generated.js";
import { awaitStep } from "./awaitStep.js";
import { demoToken } from "./demoChainById.js";
import { depositAndAwaitCredit } from "./depositAndAwaitCredit.js";
import { DemoStepFailedError } from "./errors.js";
import { formatSeconds, formatToken, formatUsd } from "./format.js";
import type { DemoContext, RouteLimitSummary } from "./types.js";
import { withdrawAndAwaitDecision } from "./withdrawAndAwaitDecision.js";

const SYMBOL = "USDC";

/** The `limit` of a vault → hub route in `GET /routes` (decimal strings). */
type RouteLimitBody = {
  capacityUsd: string | null;
  refillPerSecondUsd: string | null;
  availableUsd: string | null;
  waitingLeaves: number;
  waitingValueUsd: string;
};

/**
 * Storyline 3, with the third demo trader: the hub's damage limit on the hub chain's own vault
 * route (the devnet sets $100,000, refilled $10,000 a second). A USDC deposit of 1.5 times the
 * bucket is credited as far as the bucket pays at once; the rest waits (shown by `/routes`) and the
 * relayer's keeper applies it after the refill. The trader then withdraws it all (a fall is never
 * limited), so the story runs again on the same devnet.
 *
 * @param context the demo context
 * @returns the figures of every step
 * @throws {DemoStepFailedError} when the hub chain's route has no limit
 */
export async function runRouteLimitStory(context: DemoContext): Promise<RouteLimitSummary> {
  const trader = context.traders[2];
  if (trader === undefined)
    throw new DemoStepFailedError("route limit", "the manifest lists fewer than three traders");
  const chain = context.hub;
  const chainId = chain.config.chainId;
  const token = demoToken("route limit", chain, SYMBOL);
  const [capacityUsd, refillUsd] = await chain.publicClient.readContract({
    address: chain.hub,
    abi: marginHubAbi,
    functionName: "routeLimit",
    args: [chainId],
  });
  if (capacityUsd === 0n)
    throw new DemoStepFailedError(
      "11. route limit",
      `the hub has no damage limit on route ${chainId}->${chainId}`,
    );
  context.log("");
  context.log(`── Storyline 3: a damage limit on a route (trader ${trader.address})`);
  context.log(
    `11. the hub credits at most ${formatUsd(capacityUsd)} more from chain ${chainId} at once, refilled ${formatUsd(refillUsd)} a second`,
  );
  // USDC is $1 on the devnet: 1.5 × the bucket, in 6-decimal units.
  const amount = (capacityUsd * 3n) / 2n / 10n ** 12n;
  const started = Date.now();
  const credited = depositAndAwaitCredit(context, {
    step: "11. deposit",
    chain,
    trader,
    symbol: SYMBOL,
    amount,
  });
  const route = `${context.apiUrl}/routes?chainId=${chainId}`;
  const waiting = await awaitStep({
    step: "11. the rest waits",
    awaited: `/routes to show a leaf waiting on ${chainId}->${chainId}`,
    read: async () => {
      const body = (await (await fetch(route)).json()) as {
        routes: { srcEid: number; dstEid: number; limit: RouteLimitBody | null }[];
      };
      return body.routes.find((r) => r.srcEid === chainId && r.dstEid === chainId)?.limit ?? null;
    },
    done: (limit) => (limit?.waitingLeaves ?? 0) > 0,
    describe: (limit) => JSON.stringify(limit),
    timeoutMs: context.stepTimeoutMs,
    intervalMs: 100,
  });
  const waitingUsd = BigInt(waiting?.waitingValueUsd ?? "0");
  context.log(
    `   deposit ${formatToken(amount, token.decimals, SYMBOL)}: ${formatUsd(amount * 10n ** 12n - waitingUsd)} credited at once, ${formatUsd(waitingUsd)} waits for the refill (GET /routes: limit.waitingValueUsd)`,
  );
  const deposit = await credited;
  const appliedAfterMs = Date.now() - started;
  context.log(
    `   the relayer's keeper applied the rest (applyWaiting): all credited ${formatSeconds(appliedAfterMs)} after the deposit`,
  );

  context.log("12. withdraw it all again (a fall is never limited; the next run starts clean)");
  const withdrawal = await withdrawAndAwaitDecision(context, {
    step: "12. withdraw",
    chain,
    trader,
    symbol: SYMBOL,
    amount,
    expectApproved: true,
  });
  return {
    trader: trader.address,
    chainId,
    capacityUsd,
    amount,
    waitingUsd,
    deposit,
    appliedAfterMs,
    withdrawal,
  };
}
