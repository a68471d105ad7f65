import type { Address } from "viem";
import { z } from "zod";
import { awaitStep } from "./awaitStep.js";
import { formatHealth, formatUsd } from "./format.js";
import type { DemoContext } from "./types.js";

const decimal = z.string().regex(/^-?\d+$/);
/** The parts of `GET /accounts/:address/margin` the demo reads (see indexer/README.md). */
const marginSchema = z.object({
  collaterals: z.array(
    z.object({
      chainId: z.number(),
      token: z.string(),
      symbol: z.string().nullable(),
      credited: decimal,
      creditedSeq: decimal.nullable(),
      creditedAdjustedUsd: decimal,
    }),
  ),
  totals: z.object({
    creditedCollateralUsd: decimal,
    creditedAdjustedUsd: decimal,
    initialUsd: decimal,
    maintenanceUsd: decimal,
  }),
  health: z.object({ creditedHealthFactor: decimal }),
});

/** The indexer's view of an account's margin (what the demo reads of it). */
export type IndexedMargin = z.infer<typeof marginSchema>;

/** Parameters of {@link awaitIndexedMargin}. */
export type AwaitIndexedMarginParameters = {
  step: string;
  account: Address;
  /** Hub credits the indexer must have seen: (chain, token) at this seq or later. */
  credits: readonly { chainId: number; token: Address; seq: bigint }[];
};

/**
 * Reads the account's margin from the indexer's REST API (`/accounts/:address/margin`) once it
 * shows every given hub credit, and prints its credited totals and health.
 *
 * @param context the demo context
 * @param parameters step, account, credits to wait for
 * @returns the indexer's answer
 * @throws {DemoStepTimeoutError} when the indexer does not catch up in time
 */
export async function awaitIndexedMargin(
  context: DemoContext,
  parameters: AwaitIndexedMarginParameters,
): Promise<IndexedMargin> {
  const url = `${context.apiUrl}/accounts/${parameters.account}/margin`;
  const margin = await awaitStep({
    step: parameters.step,
    awaited: `GET ${url} to show the hub credits ${parameters.credits.map((c) => `${c.chainId}:${c.token}@seq ${c.seq}`).join(", ")}`,
    read: async () =>
      marginSchema.parse(await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json()),
    done: (answer) => parameters.credits.every((credit) => hasCredit(answer, credit)),
    describe: (answer) =>
      answer.collaterals
        .map((c) => `${c.chainId}:${c.symbol ?? c.token} credited ${c.credited} @ seq ${c.creditedSeq}`)
        .join("; "),
    timeoutMs: context.stepTimeoutMs,
    intervalMs: context.pollingMs,
  });
  const { totals, health } = margin;
  context.log(
    `   indexer ${url.replace(context.apiUrl, "")}: credited collateral ${formatUsd(BigInt(totals.creditedCollateralUsd))}, adjusted ${formatUsd(BigInt(totals.creditedAdjustedUsd))}, initial requirement ${formatUsd(BigInt(totals.initialUsd))}, health ${formatHealth(BigInt(health.creditedHealthFactor))}`,
  );
  return margin;
}

function hasCredit(answer: IndexedMargin, credit: { chainId: number; token: Address; seq: bigint }): boolean {
  return answer.collaterals.some(
    (c) =>
      c.chainId === credit.chainId &&
      c.token.toLowerCase() === credit.token.toLowerCase() &&
      c.creditedSeq !== null &&
      BigInt(c.creditedSeq) >= credit.seq,
  );
}
