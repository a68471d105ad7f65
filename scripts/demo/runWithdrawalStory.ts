import { parseUnits } from "viem";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { awaitIndexedMargin } from "./awaitIndexedMargin.js";
import { closePosition } from "./closePosition.js";
import { demoToken } from "./demoChainById.js";
import { depositAndAwaitCredit } from "./depositAndAwaitCredit.js";
import { DemoStepFailedError } from "./errors.js";
import { openPosition } from "./openPosition.js";
import { readHubMargin } from "./readHubMargin.js";
import type { DemoContext, WithdrawalSummary } from "./types.js";
import { withdrawAndAwaitDecision } from "./withdrawAndAwaitDecision.js";

const SYMBOL = "USDC";

/**
 * Storyline 2, with the second demo trader: 10,000 USDC deposited on the first vault chain is
 * credited; a position leaves free margin worth half of that collateral; a withdrawal of 10 % of
 * it is approved by the hub and the tokens reach the trader's wallet; a withdrawal of all the rest
 * is rejected (it would leave the account below its initial margin) and returns to the free
 * balance. The position is closed at the end (and at the start, if an interrupted run left one),
 * and every amount is taken from the balances at the time, so the story runs again on the same devnet.
 *
 * @param context the demo context
 * @returns the figures of every step
 */
export async function runWithdrawalStory(context: DemoContext): Promise<WithdrawalSummary> {
  const trader = context.traders[1];
  if (trader === undefined)
    throw new DemoStepFailedError("withdrawals", "the manifest lists fewer than two traders");
  const [chain] = context.vaults;
  const chainId = chain.config.chainId;
  const token = demoToken("withdrawals", chain, SYMBOL);
  context.log("");
  context.log(`── Storyline 2: withdrawals the hub approves, and one it rejects (trader ${trader.address})`);
  await closePosition(context, { step: "6. close a leftover position", trader });

  context.log(`6. deposit ${SYMBOL} on chain ${chainId}`);
  const deposit = await depositAndAwaitCredit(context, {
    step: "6. deposit",
    chain,
    trader,
    symbol: SYMBOL,
    amount: parseUnits("10000", 6),
  });
  const indexed = await awaitIndexedMargin(context, {
    step: "6. the indexer shows the credit",
    account: trader.address,
    credits: [{ chainId, token: token.address, seq: deposit.seq }],
  });
  const line = indexed.collaterals.find(
    (c) => c.chainId === chainId && c.token.toLowerCase() === token.address.toLowerCase(),
  );
  const chainAdjusted = BigInt(line?.creditedAdjustedUsd ?? "0");

  context.log(
    `7. open an ETH-PERP long that leaves free margin worth half of the ${SYMBOL} on chain ${chainId}`,
  );
  const margin = await readHubMargin(context, trader.address);
  const free = margin.adjustedUsd - margin.initialUsd;
  const commit = free - chainAdjusted / 2n;
  if (commit <= 0n)
    throw new DemoStepFailedError("7. open a position", "the trader has too little free margin on the hub");
  const position = await openPosition(context, { step: "7. open a position", trader, initialUsd: commit });

  const vaultBalance = async () =>
    (
      await chain.publicClient.readContract({
        address: chain.config.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "accountState",
        args: [trader.address, token.address],
      })
    )[0];
  context.log("8. withdraw 10 % of it: the account stays healthy, so the hub approves and the tokens arrive");
  const approved = await withdrawAndAwaitDecision(context, {
    step: "8. approved withdrawal",
    chain,
    trader,
    symbol: SYMBOL,
    amount: (await vaultBalance()) / 10n,
    expectApproved: true,
  });
  context.log(
    "9. withdraw all the rest: that would leave the account below its initial margin, so the hub rejects it",
  );
  const rejected = await withdrawAndAwaitDecision(context, {
    step: "9. rejected withdrawal",
    chain,
    trader,
    symbol: SYMBOL,
    amount: await vaultBalance(),
    expectApproved: false,
  });
  context.log("10. close the position (the next run starts clean)");
  await closePosition(context, { step: "10. close the position", trader });
  return { trader: trader.address, deposit, position, approved, rejected };
}
