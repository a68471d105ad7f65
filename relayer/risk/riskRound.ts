import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { type HaircutRiskView, haircutStep, targetHaircutBps } from "../../shared/risk/haircutProposal.js";
import { type PriceObservation, realizedVolatility } from "../../shared/risk/realizedVolatility.js";

/** What a risk round needs. */
export type RiskRoundParameters = {
  hub: Address;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  /** The indexer's base URL (`GET /prices/:feed/history`). */
  apiUrl: string;
  /** Names for the output lines, by `<chainId>:<lowercase token>`. */
  symbols?: ReadonlyMap<string, string>;
  windowSeconds: number;
  z: number;
  horizonSeconds: number;
};

/** One collateral's outcome of a round. */
export type RiskLine = {
  chainId: bigint;
  token: Address;
  name: string;
  sigma: number | null;
  targetBps: number | null;
  currentBps: number;
  proposedBps: number | null;
  txHash: Hex | null;
  /** Why nothing was proposed (null when a proposal was sent). */
  reason: string | null;
};

/**
 * One round of the risk keeper: for every hub collateral with haircut bounds, reads its feed's
 * history from the indexer, computes realized volatility and the target haircut
 * (`shared/risk`), and proposes one step towards the target when it differs from the current
 * haircut. Time is the hub chain's latest block time, the clock the hub's step window runs on.
 *
 * @param p the hub, clients, indexer URL and formula parameters
 * @returns one line per collateral, in the hub's registration order
 */
export async function riskRound(p: RiskRoundParameters): Promise<RiskLine[]> {
  const hub = { address: p.hub, abi: marginHubAbi } as const;
  const now = Number((await p.client.getBlock({ blockTag: "latest" })).timestamp);
  const keys = await p.client.readContract({ ...hub, functionName: "collaterals" });
  const lines: RiskLine[] = [];
  for (const { chainId, token } of keys) {
    const name = p.symbols?.get(`${chainId}:${token.toLowerCase()}`) ?? `${chainId}:${token}`;
    const [config, risk] = await Promise.all([
      p.client.readContract({ ...hub, functionName: "collateralConfig", args: [chainId, token] }),
      p.client.readContract({ ...hub, functionName: "haircutRisk", args: [chainId, token] }),
    ]);
    const line: RiskLine = {
      chainId,
      token,
      name,
      sigma: null,
      targetBps: null,
      currentBps: config.haircutBps,
      proposedBps: null,
      txHash: null,
      reason: null,
    };
    lines.push(line);
    if (risk.maxStepBpsPerDay === 0) {
      line.reason = "no haircut bounds";
      continue;
    }
    const history = await readPriceHistory(p.apiUrl, config.feed, now - p.windowSeconds);
    const vol = realizedVolatility({ observations: history, now, windowSeconds: p.windowSeconds });
    if (!vol.ok) {
      line.reason = `no volatility: ${vol.reason}`;
      continue;
    }
    line.sigma = vol.sigma;
    line.targetBps = targetHaircutBps({
      sigma: vol.sigma,
      minBps: risk.minBps,
      maxBps: risk.maxBps,
      z: p.z,
      horizonSeconds: p.horizonSeconds,
    });
    const view: HaircutRiskView = { ...risk, windowStart: Number(risk.windowStart) };
    const step = haircutStep({ currentBps: config.haircutBps, targetBps: line.targetBps, risk: view, now });
    if (!step.ok) {
      line.reason = step.reason;
      continue;
    }
    line.proposedBps = step.proposedBps;
    line.txHash = await propose(p, chainId, token, step.proposedBps);
  }
  return lines;
}

/** Simulates (so a refusal comes back as the hub's named error) and sends `proposeHaircut`. */
async function propose(p: RiskRoundParameters, chainId: bigint, token: Address, bps: number): Promise<Hex> {
  const { request } = await p.client.simulateContract({
    address: p.hub,
    abi: marginHubAbi,
    functionName: "proposeHaircut",
    args: [chainId, token, bps],
    account: p.wallet.account,
  });
  const hash = await p.wallet.writeContract(request);
  const receipt = await p.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`proposeHaircut ${hash} reverted`);
  return hash;
}

/** Answers per request of `GET /prices/:feed/history` (the endpoint's largest `limit`). */
export const HISTORY_PAGE_SIZE = 10_000;

/**
 * The feed's answers with `updatedAt ≥ since` (unix seconds) from the indexer, oldest first, all of
 * them: a full page is followed by the next from its last `updatedAt` (answers seen twice at that
 * boundary are dropped), so a busy feed's newest answers are never cut off. None when the indexer
 * has none.
 *
 * @param apiUrl the indexer's base URL
 * @param feed the price feed
 * @param since unix seconds
 * @param pageSize answers per request (default {@link HISTORY_PAGE_SIZE})
 * @returns the observations
 * @throws {Error} on an HTTP error, or when more than a page of answers share one `updatedAt`
 */
export async function readPriceHistory(
  apiUrl: string,
  feed: Address,
  since: number,
  pageSize = HISTORY_PAGE_SIZE,
): Promise<PriceObservation[]> {
  const seen = new Set<string>();
  const all: PriceObservation[] = [];
  for (let from = Math.max(0, since); ; ) {
    const url = `${apiUrl.replace(/\/$/, "")}/prices/${feed}/history?since=${from}&limit=${pageSize}`;
    const response = await fetch(url);
    if (response.status === 404) return [];
    if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${await response.text()}`);
    // The endpoint's documented answer (indexer/src/api/getPriceHistory.ts).
    const { observations: page } = (await response.json()) as {
      observations: { roundId: string; blockNumber: number; answer: string; updatedAt: number }[];
    };
    let added = 0;
    for (const o of page) {
      const key = `${o.blockNumber}:${o.roundId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      all.push({ answer: BigInt(o.answer), updatedAt: o.updatedAt });
      added += 1;
    }
    const last = page[page.length - 1];
    if (page.length < pageSize || last === undefined) return all;
    if (added === 0) throw new Error(`more than ${pageSize} answers of feed ${feed} share updatedAt ${from}`);
    from = last.updatedAt;
  }
}

/**
 * One output line: `<name> σ <σ> target <bps> current <bps> → proposed <bps> (tx)` or `… : <why not>`.
 *
 * @param line a round's line
 * @returns the text
 */
export function formatRiskLine(line: RiskLine): string {
  const sigma = line.sigma === null ? "σ -" : `σ ${line.sigma.toFixed(4)}`;
  const target = line.targetBps === null ? "target -" : `target ${line.targetBps}`;
  const head = `${line.name} ${sigma} ${target} current ${line.currentBps}`;
  return line.proposedBps === null
    ? `${head} no proposal: ${line.reason}`
    : `${head} proposed ${line.proposedBps} (tx ${line.txHash})`;
}
