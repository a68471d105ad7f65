import type { Address } from "viem";
import type { stressAnswer } from "../../indexer/lib/api/stressAnswer.js";
import { awaitStep } from "./awaitStep.js";
import { formatToken, formatUsd } from "./format.js";
import type { DemoContext } from "./types.js";

type StressBody = Extract<ReturnType<typeof stressAnswer>, { ok: true }>["value"];

/** The shock the demo asks about: ETH and wstETH both 25 % lower. */
export const DEMO_SHOCKS = { "ETH-PERP": -0.25, wstETH: -0.25 };

/**
 * Asks the indexer's `POST /stress` what the demo shock would do (nothing on chain changes) and
 * prints the trader's shortfall and what a liquidation would seize on each vault chain. Waits
 * until the indexer shows the trader liquidatable under the shock (it has indexed the position).
 *
 * @param context the demo context
 * @param parameters the step's name and the trader
 * @returns the trader's row of the stress answer
 * @throws {DemoStepTimeoutError} when the trader is not listed in time
 */
export async function previewStress(context: DemoContext, parameters: { step: string; account: Address }) {
  const account = parameters.account.toLowerCase();
  const body = await awaitStep({
    step: parameters.step,
    awaited: `POST /stress to list ${account} as liquidatable`,
    read: async () => {
      const response = await fetch(`${context.apiUrl}/stress`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ shocks: DEMO_SHOCKS }),
      });
      return (await response.json()) as StressBody; // the endpoint's documented body
    },
    done: (b) => b.accounts?.some((a) => a.account === account) === true,
    describe: (b) => `${b.totals?.liquidatableAccounts ?? 0} liquidatable, not the trader`,
    timeoutMs: context.stepTimeoutMs,
    intervalMs: 250,
  });
  const row = body.accounts.find((a) => a.account === account);
  if (row === undefined) throw new Error("unreachable: awaited above");
  context.log(
    `   POST /stress ${JSON.stringify({ shocks: DEMO_SHOCKS })}: ${body.totals.liquidatableAccounts} liquidatable; this trader falls ${formatUsd(BigInt(row.shortfallUsd))} short, owes ${formatUsd(BigInt(row.owedUsd))}, bad debt ${formatUsd(BigInt(row.badDebtUsd))}`,
  );
  for (const chain of row.seizures)
    for (const t of chain.tokens)
      context.log(
        `   would seize on ${chain.chainId}: ${formatToken(BigInt(t.amount), t.tokenDecimals, t.symbol ?? t.token)} (bonus ${formatToken(BigInt(t.bonusAmount), t.tokenDecimals, t.symbol ?? t.token)})`,
      );
  return row;
}
