import {
  type Abi,
  type Address,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  type TransactionReceipt,
  toEventSelector,
} from "viem";
import { readPerpFeeds } from "../../indexer/lib/readPerpFeeds.js";
import {
  bulkDepositorAbi,
  bulkDepositorBytecode,
  collateralVaultAbi,
  marginHubAbi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { hubChain } from "../../shared/config/hubChain.js";
import type { ChainConfig, Config } from "../../shared/config/schema.js";
import { vaultChains } from "../../shared/config/vaultChains.js";
import { seededRandom } from "../../test/kit/seededRandom.js";
import { type Call, type ChainSender, chainSender } from "./chainSender.js";
import { openPositions } from "./openPositions.js";
import { planWorkload, type VaultOp, type WorkloadPlan } from "./planWorkload.js";
import { tokenOf } from "./tokenOf.js";
import { traderAt } from "./traderAt.js";

/** Transactions sent on a chain before waiting for their receipts. */
const WINDOW = 16;
/** One price tick on the hub for this many vault-chain blocks. */
const BLOCKS_PER_TICK = 4;
/** Collateral symbols by holder count: every account, a tenth, a hundredth. */
export const SYMBOLS = { stable: "USDC", second: "wstETH", third: "UNI-V2" } as const;

/** Parameters of {@link generateEvents}. */
export type GenerateEventsParameters = {
  /** The running devnet's config. */
  config: Config;
  /** Distinct accounts (a multiple of 500). */
  accounts: number;
  /** The trader family. */
  salt: Hex;
  progress: (line: string) => void;
};

/** What was generated, counted from the receipts. */
export type GenerateEventsReturnType = {
  seconds: number;
  transactions: number;
  /** Events of the indexed contracts, by Ponder's name (`CollateralVault:Deposited`, …). */
  events: Record<string, number>;
  /** Deposits by kind (new account, new row, top-up) and withdrawal requests, in accounts. */
  vaultOps: Record<string, number>;
  /** Accounts with a perp position. */
  positions: number;
  /** Collaterals the ticks are measured on, with their hub feed and holder count. */
  collaterals: { symbol: string; feed: Address; holders: number }[];
  /** Account `i` (a `BulkDepositor` trader) and its first row (stable token, home chain). */
  account: (i: number) => { address: Address; chainId: number; token: Address };
};

/**
 * Generates the benchmark's history on a running devnet: a `BulkDepositor` per chain (same
 * address everywhere), the vault calls of {@link planWorkload} on every vault chain in parallel,
 * one price tick on the hub every {@link BLOCKS_PER_TICK} vault-chain blocks, then on the hub the
 * position holders' credits and positions ({@link openPositions}, ticks between). Every receipt is
 * checked and its events counted.
 *
 * @param parameters devnet config, accounts, salt, progress
 * @returns the counts, the measured collaterals and the account lookup
 */
export async function generateEvents(
  parameters: GenerateEventsParameters,
): Promise<GenerateEventsReturnType> {
  const started = performance.now();
  const { config, salt } = parameters;
  const hub = hubChain(config);
  const vaults = vaultChains(config, { includeHub: false });
  const senders = await Promise.all([hub, ...vaults].map(chainSender));
  const [hubSender, ...vaultSenders] = senders as [ChainSender, ...ChainSender[]];
  const bulks = await Promise.all(senders.map(deployBulkDepositor));
  const bulk = bulks[0]!;
  if (bulks.some((address) => address !== bulk))
    throw new Error(`BulkDepositor addresses differ: ${bulks.join(", ")}`);
  await checkTraderAt(hubSender, bulk, salt, parameters.accounts - 1);

  const plan = planWorkload({
    accounts: parameters.accounts,
    chains: vaults.length,
    symbols: SYMBOLS,
    depositsPerTx: 250,
    withdrawalsPerTx: 80,
  });
  const market = hub.contracts.perpMarkets[0];
  const [perpFeed] = await readPerpFeeds(config);
  if (market === undefined || perpFeed === undefined) throw new Error("the devnet has no perp market");
  const indexed = indexedContracts(config, perpFeed);
  const totals = { events: {} as Record<string, number>, transactions: 0 };
  const count = (chainId: number, receipts: TransactionReceipt[]) => {
    totals.transactions += receipts.length;
    for (const [name, n] of Object.entries(countEvents(indexed, chainId, receipts)))
      totals.events[name] = (totals.events[name] ?? 0) + n;
  };
  const ticker = createTicker(hubSender, perpFeed, count);

  await Promise.all(
    vaultSenders.map(async (sender, c) => {
      const ops = plan.chains[c]!;
      for (let from = 0; from < ops.length; from += WINDOW) {
        const window = ops.slice(from, from + WINDOW);
        count(
          sender.chain.chainId,
          await sender.send(window.map((op) => vaultCall(sender.chain, bulk, salt, op))),
        );
        for (let t = 0; t < Math.round(window.length / BLOCKS_PER_TICK); t++) ticker.tick();
        parameters.progress(
          `chain ${sender.chain.chainId}: ${Math.min(from + WINDOW, ops.length)}/${ops.length} calls (${elapsed(started)})`,
        );
      }
    }),
  );
  await ticker.idle();
  await openPositions({
    hub: hubSender,
    vaults: vaultSenders,
    bulk,
    salt,
    plan,
    perp: { market, feed: perpFeed },
    ticker,
    count,
    progress: parameters.progress,
  });
  await ticker.idle();
  checkTotals(totals.events, plan);

  return {
    seconds: (performance.now() - started) / 1000,
    transactions: totals.transactions,
    events: totals.events,
    vaultOps: plan.accountsPerLabel,
    positions: plan.positions,
    collaterals: Object.values(SYMBOLS).map((symbol) => ({
      symbol,
      feed: tokenOf(hub, symbol).risk.feed,
      holders: plan.holders[symbol] ?? 0,
    })),
    account: (i) => {
      const row = plan.rowsOf(i)[0]!;
      const chain = vaults[row.chain]!;
      return {
        address: traderAt(bulk, salt, i),
        chainId: chain.chainId,
        token: tokenOf(chain, row.symbol).address,
      };
    },
  };
}

/** The hub's price ticks: each sets a feed's answer near its first (the perp's, once {@link Ticker.fall} runs, 7 % lower), in turn. */
type Ticker = { tick: () => void; fall: () => void; idle: () => Promise<void> };

function createTicker(
  hub: ChainSender,
  perpFeed: Address,
  count: (chainId: number, receipts: TransactionReceipt[]) => void,
): Ticker {
  const feeds = [...Object.values(SYMBOLS).map((symbol) => tokenOf(hub.chain, symbol).risk.feed), perpFeed];
  const random = seededRandom(7);
  const first = new Map<Address, bigint>();
  let queue: Promise<void> = Promise.resolve();
  let ticks = 0;
  let fall = 0;
  const tick = () => {
    const feed = feeds[ticks++ % feeds.length]!;
    queue = queue.then(async () => {
      const base =
        first.get(feed) ??
        (
          await hub.client.readContract({
            address: feed,
            abi: mockPriceFeedAbi,
            functionName: "latestRoundData",
          })
        )[1];
      first.set(feed, base);
      // ±0.3 % around the first answer; the perp's feed also falls (positions lose, some near liquidation).
      const moveBps = BigInt(Math.round((random() * 2 - 1) * 30)) - (feed === perpFeed ? BigInt(fall) : 0n);
      const answer = (base * (10_000n + moveBps)) / 10_000n;
      const data = encodeFunctionData({ abi: mockPriceFeedAbi, functionName: "setAnswer", args: [answer] });
      count(hub.chain.chainId, await hub.send([{ to: feed, data }]));
    });
  };
  return {
    tick,
    fall: () => {
      fall = 700;
    },
    idle: () => queue,
  };
}

function vaultCall(chain: ChainConfig, bulk: Address, salt: Hex, op: VaultOp): Call {
  const token = tokenOf(chain, op.symbol);
  const amount = (10n ** BigInt(token.decimals) * BigInt(op.units * 100)) / 100n;
  const data =
    op.kind === "deposit"
      ? encodeFunctionData({
          abi: bulkDepositorAbi,
          functionName: "depositToTraders",
          args: [token.address, salt, BigInt(op.start), BigInt(op.count), amount],
        })
      : encodeFunctionData({
          abi: bulkDepositorAbi,
          functionName: "actMany",
          args: [
            salt,
            BigInt(op.start),
            BigInt(op.count),
            chain.contracts.vault,
            encodeFunctionData({
              abi: collateralVaultAbi,
              functionName: "requestWithdrawal",
              args: [token.address, amount],
            }),
          ],
        });
  return { to: bulk, data };
}

/** The receipts hold one event per account of each call: deposits, requests (and their packets), credits, positions. */
function checkTotals(events: Record<string, number>, plan: WorkloadPlan): void {
  const labels = plan.accountsPerLabel;
  const credits = Array.from({ length: plan.positions }, (_, i) => plan.rowsOf(i).length).reduce(
    (a, b) => a + b,
    0,
  );
  const expected: Record<string, number> = {
    "CollateralVault:Deposited":
      (labels["new account"] ?? 0) + (labels["new row"] ?? 0) + (labels["top-up"] ?? 0),
    "CollateralVault:WithdrawalRequested": labels.withdrawal ?? 0,
    "CollateralVault:PacketSent": labels.withdrawal ?? 0,
    "MarginHub:BalanceCredited": credits,
    "PerpMarket:PositionOpened": plan.positions,
  };
  for (const [name, n] of Object.entries(expected))
    if ((events[name] ?? 0) !== n)
      throw new Error(`the receipts hold ${events[name] ?? 0} ${name} events, expected ${n}`);
}

/** The contracts the indexer follows, by `<chainId>:<lowercase address>`: event names by topic 0. */
type Indexed = Map<string, Map<Hex, string>>;

function indexedContracts(config: Config, perpFeed: Address): Indexed {
  const hub = hubChain(config);
  const indexed: Indexed = new Map();
  const add = (chainId: number, address: string | undefined, name: string, abi: Abi) => {
    const events = new Map<Hex, string>();
    for (const item of abi)
      if (item.type === "event") events.set(toEventSelector(item), `${name}:${item.name}`);
    if (address !== undefined) indexed.set(`${chainId}:${address.toLowerCase()}`, events);
  };
  for (const chain of Object.values(config.chains)) {
    add(chain.chainId, chain.contracts.vault, "CollateralVault", collateralVaultAbi);
    for (const token of Object.values(chain.tokens))
      add(hub.chainId, token.risk.feed, "PriceFeed", mockPriceFeedAbi);
  }
  add(hub.chainId, hub.contracts.hub, "MarginHub", marginHubAbi);
  for (const market of hub.contracts.perpMarkets) add(hub.chainId, market, "PerpMarket", perpMarketAbi);
  add(hub.chainId, perpFeed, "PriceFeed", mockPriceFeedAbi);
  return indexed;
}

/** Events of the contracts the indexer follows in the receipts, by Ponder's `Contract:Event` name. */
function countEvents(
  indexed: Indexed,
  chainId: number,
  receipts: readonly TransactionReceipt[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const log of receipts.flatMap((receipt) => receipt.logs)) {
    const name = indexed.get(`${chainId}:${log.address.toLowerCase()}`)?.get(log.topics[0] ?? "0x");
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

async function deployBulkDepositor(sender: ChainSender): Promise<Address> {
  const data = encodeDeployData({
    abi: bulkDepositorAbi,
    bytecode: bulkDepositorBytecode,
    args: [sender.chain.contracts.vault],
  });
  const [receipt] = await sender.send([{ data }]);
  if (receipt?.contractAddress == null)
    throw new Error(`BulkDepositor deployment failed on chain ${sender.chain.chainId}`);
  return receipt.contractAddress;
}

/** The TypeScript derivation of the traders must match the contract's. */
async function checkTraderAt(sender: ChainSender, bulk: Address, salt: Hex, last: number): Promise<void> {
  for (const index of [0, last]) {
    const onChain = await sender.client.readContract({
      address: bulk,
      abi: bulkDepositorAbi,
      functionName: "traderAt",
      args: [salt, BigInt(index)],
    });
    if (onChain !== traderAt(bulk, salt, index))
      throw new Error(
        `traderAt(${index}): the contract says ${onChain}, bench/indexer/traderAt.ts ${traderAt(bulk, salt, index)}`,
      );
  }
}

function elapsed(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
