import { formatSeconds, formatToken, formatUsd } from "./format.js";
import { loadDemoContext } from "./loadDemoContext.js";
import { resetPrices } from "./resetPrices.js";
import { runLiquidationStory } from "./runLiquidationStory.js";
import { runRouteLimitStory } from "./runRouteLimitStory.js";
import { runWithdrawalStory } from "./runWithdrawalStory.js";
import type { DemoSummary } from "./types.js";

/** Parameters of {@link runDemo}. */
export type RunDemoParameters = {
  /** The devnet manifest (default: `$CROSSMARGIN_CONFIG`, else `.devnet/manifest.json`). */
  configPath?: string | undefined;
  /** Prints one line of the story (default: `console.log`). */
  log?: ((line: string) => void) | undefined;
  /** The relayer's HTTP server to check first (default: `http://127.0.0.1:<relayer.port>` from the manifest; not checked when that port is 0). */
  relayerUrl?: string | undefined;
  /** How long one step may wait for the relayer or the indexer (default 90 s). */
  stepTimeoutMs?: number | undefined;
};

/**
 * Walks the whole crossmargin story against a running devnet (`npm run dev`), printing every
 * step's figures as it happens:
 *
 * 1. deposits on two vault chains are credited on the hub (the relayer carries them);
 * 2. they margin an ETH-PERP position on the hub chain, and (2a, one account, two markets) a
 *    BTC-PERP position beside it: the hub's requirement is the sum of both markets';
 * 3. the ETH price falls until the account is liquidatable;
 * 4. the liquidator's one call closes both positions and the relayer delivers the SEIZE commands
 *    to both vault chains;
 * 5. with another trader, a withdrawal the hub approves (the tokens arrive) and one it rejects
 *    (it would leave the account unhealthy);
 * 6. with a third, a deposit above the hub chain route's damage limit: the bucket's worth is
 *    credited at once, the rest waits and is applied after the refill.
 *
 * Prices are reset at the start and after the liquidation and every amount follows the balances
 * at the time, so it runs any number of times on the same devnet.
 *
 * @param parameters manifest path, log, relayer URL, step timeout
 * @returns every step's figures
 * @throws {DevnetNotRunningError} when the devnet, its indexer or its relayer does not answer
 * @throws {DemoStepTimeoutError} naming the step and what it waited for
 * @throws {DemoStepFailedError} when a step sees something the story does not allow
 * @example
 * const summary = await runDemo({ configPath: ".devnet/manifest.json" });
 * summary.liquidation.seizes.map((s) => s.received); // what each recipient got on each chain
 */
export async function runDemo(parameters: RunDemoParameters = {}): Promise<DemoSummary> {
  const started = Date.now();
  const log = parameters.log ?? ((line: string) => console.log(line));
  const context = await loadDemoContext({
    configPath: parameters.configPath,
    log,
    relayerUrl: parameters.relayerUrl,
    stepTimeoutMs: parameters.stepTimeoutMs ?? 90_000,
  });
  const [first, second] = context.vaults;
  log(`crossmargin demo on ${context.configPath}`);
  log(
    `hub chain ${context.hub.config.chainId} (${context.hub.config.rpcUrl}), vault chains ${first.config.chainId} and ${second.config.chainId}, indexer ${context.apiUrl}`,
  );
  log("0. prices as the devnet set them");
  await resetPrices(context, "0. reset prices");

  const liquidation = await runLiquidationStory(context);
  const withdrawals = await runWithdrawalStory(context);
  const routeLimit = await runRouteLimitStory(context);
  const summary: DemoSummary = {
    configPath: context.configPath,
    hubChainId: context.hub.config.chainId,
    vaultChainIds: [first.config.chainId, second.config.chainId],
    liquidation,
    withdrawals,
    routeLimit,
    elapsedMs: Date.now() - started,
  };
  printSummary(log, summary, context.config.chains);
  return summary;
}

function printSummary(
  log: (line: string) => void,
  summary: DemoSummary,
  chains: Record<string, { tokens: Record<string, { decimals: number }> }>,
): void {
  const decimals = (chainId: number, symbol: string) =>
    chains[String(chainId)]?.tokens[symbol]?.decimals ?? 18;
  const amount = (chainId: number, symbol: string, value: bigint) =>
    formatToken(value, decimals(chainId, symbol), symbol);
  const { liquidation, withdrawals, routeLimit } = summary;
  const { approved, rejected } = withdrawals;
  log("");
  log(`── Done in ${formatSeconds(summary.elapsedMs)}`);
  log(
    `   credited: ${liquidation.deposits.map((d) => `${amount(d.chainId, d.symbol, d.credited)} from ${d.chainId} in ${formatSeconds(d.creditedAfterMs)}`).join(", ")}`,
  );
  log(
    `   one account, two markets: ${liquidation.requirements.map((r) => `${r.symbol} ${formatUsd(r.initialUsd)}`).join(" + ")} = ${formatUsd(liquidation.initialUsd)} required (hub and indexer); one liquidation closed ${liquidation.closed.map((c) => c.symbol).join(" and ")}`,
  );
  log(
    `   liquidation: owed ${formatUsd(liquidation.owedUsd)}; seized ${liquidation.seizes.map((s) => `${amount(s.chainId, s.symbol, s.received)} on ${s.chainId} ${s.bonus ? "(bonus, liquidator)" : "(owed, market)"}`).join(", ")}`,
  );
  log(
    `   withdrawals: ${amount(approved.chainId, approved.symbol, approved.amount)} approved and released; ${amount(rejected.chainId, rejected.symbol, rejected.amount)} rejected and back in the vault balance`,
  );
  log(
    `   route limit: ${amount(routeLimit.chainId, "USDC", routeLimit.amount)} deposited against a ${formatUsd(routeLimit.capacityUsd)} bucket; ${formatUsd(routeLimit.waitingUsd)} waited, all credited in ${formatSeconds(routeLimit.appliedAfterMs)}`,
  );
}
