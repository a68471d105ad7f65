import { type Address, type Hex, parseUnits } from "viem";
import { collateralVaultAbi, marginHubAbi } from "../../shared/abis/generated.js";
import type { RelayerConfig } from "../../shared/config/schema.js";
import { compareIndexerViews } from "./compareIndexerViews.js";
import { estimateDepositGas } from "./estimateDepositGas.js";
import { mean } from "./percentile.js";
import { type DepositOrder, sendDeposits, waitForFunderNonce } from "./sendDeposits.js";
import { BENCH_TOKENS, type BenchChain, type BenchNet } from "./startBenchNet.js";
import { type BenchRelayer, type DeliveryRecord, startBenchRelayer } from "./startBenchRelayer.js";
import { waitForIndexerHeads } from "./waitForIndexerHeads.js";
import type { BlockWatcher } from "./watchBlocks.js";
import type { IndexerWatcher } from "./watchIndexer.js";

/** Parameters of {@link runBurst}. */
export type RunBurstParameters = {
  net: BenchNet;
  blocks: BlockWatcher;
  indexer: IndexerWatcher;
  /** Row label, e.g. `batched (200 leaves), updates`. */
  label: string;
  /** The accounts: each gets one deposit of each bench token on each vault chain. */
  accounts: readonly Address[];
  /** Relayer settings for this run (a fresh relayer with its own queue prefix). */
  settings: Partial<RelayerConfig>;
  prefix: string;
  /** Starts the relayer(s) of the run (default: one in this process, `startBenchRelayer`). */
  startRelayer?: (prefix: string, settings: Partial<RelayerConfig>) => Promise<BenchRelayer>;
  /** Stop waiting this long after the last deposit was mined (the rest is reported as not credited). */
  timeBoxMs: number;
  finalityDepth: number;
  blockTimeMs: number;
  progress: (line: string) => void;
};

/** Mean milliseconds per credited update spent in each stage, deposit block seen → relayer saw the hub receipt. */
export type StageSplit = {
  /** Deposit block seen → its block final (finality depth × block time). */
  finalityMs: number;
  /** How much longer the indexer took to index the deposit's block (0 when it was indexed before it was final). */
  indexerLagMs: number;
  /** Final and indexed → the relayer's discovery round that batched it. */
  discoveryMs: number;
  attestMs: number;
  queueMs: number;
  deliverMs: number;
};

/** What one burst measured. */
export type BurstResult = {
  label: string;
  batchMaxLeaves: number;
  deposits: number;
  /** Vault blocks the deposits landed in, per chain. */
  depositBlocks: { chainId: number; first: bigint; last: bigint }[];
  sendMs: number;
  /** Keys of this burst the hub credited (a `BalanceCredited` for each) within the time box. */
  credited: number;
  allCredited: boolean;
  /** First deposit sent → last credit's hub block seen. */
  totalMs: number;
  /** Last deposit block seen → last credit's hub block seen. */
  tailMs: number;
  /** finalityDepth × block time + one block: the least `tailMs` can be. */
  tailFloorMs: number;
  /** Credited updates ÷ (last credit seen − first credit seen). */
  updatesPerSecond: number;
  batches: number;
  /** Leaves in those batches (more than `credited` when some changed nothing: a seq the hub had already). */
  leavesSubmitted: number;
  hubTransactions: number;
  hubBlocks: number;
  /** Hub blocks from the first credit to the last (inclusive). */
  hubBlockSpan: number;
  gasUsed: bigint;
  /** The hub's block gas limit: `gasUsed` needs at least ⌈gasUsed ÷ limit⌉ blocks. */
  hubGasLimit: bigint;
  gasPerUpdate: number;
  /** Gas per update from the relayer's own metrics (`crossmargin_gas_used_total ÷ crossmargin_updates_delivered_total`). */
  metricsGasPerUpdate: number;
  split: StageSplit | undefined;
  /** Keys whose hub credit equals the vault's balance and seq afterwards (checked when all were credited). */
  verified: { matched: number; checked: number } | undefined;
  relayerWarnings: number;
  /** CPU seconds per group (relayers, attesters, indexer) from the first deposit sent to the last credit, when the relayer measures them. */
  cpuSeconds: Record<string, number> | undefined;
};

/**
 * One burst: a fresh relayer with the given settings, then `accounts × 2 tokens × 2 chains`
 * `depositFor` transactions sent at once (signed up front, explicit nonces, no waiting), then
 * waits until the hub has applied a leaf for each (or the time box ends) and reads what it took
 * from the hub's `BatchApplied` events, their receipts and the relayer's delivery jobs.
 *
 * @param parameters network, accounts, relayer settings, time box
 * @returns the burst's figures
 */
export async function runBurst(parameters: RunBurstParameters): Promise<BurstResult> {
  const { net, blocks, progress } = parameters;
  const hubId = net.hub.config.chainId;
  // A relayer started while the indexer still lags the last run's credits would batch them again.
  await waitForIndexerHeads(net);
  const relayer = await (
    parameters.startRelayer ?? ((prefix, settings) => startBenchRelayer(net.config, { prefix, settings }))
  )(parameters.prefix, parameters.settings);
  try {
    const plans = await Promise.all(net.vaults.map((chain) => planChain(chain, parameters.accounts)));
    const total = plans.reduce((sum, plan) => sum + plan.orders.length, 0);
    const hubFrom = (await net.hub.client.getBlockNumber()) + 1n;
    progress(`${parameters.label}: sending ${total.toLocaleString("en-US")} deposits…`);
    const started = Date.now();
    const cpuBefore = relayer.cpuSeconds?.();
    const { deposits, depositBlocks, sendMs } = await sendBurst(net, plans);
    // The watcher sees every block; should it have missed one, time from now instead of never ending.
    const lastDepositSeenRaw = Math.max(
      ...depositBlocks.map((b) => blocks.seenAt(b.chainId, b.last) ?? Number.NaN),
    );
    const lastDepositSeen = Number.isFinite(lastDepositSeenRaw) ? lastDepositSeenRaw : Date.now();
    progress(
      `${parameters.label}: ${total.toLocaleString("en-US")} deposits mined in ${depositBlocks.map((b) => `blocks ${b.first}–${b.last} of ${b.chainId}`).join(", ")} (sent in ${(sendMs / 1000).toFixed(1)} s); waiting for the hub…`,
    );

    const keys = new Set(
      plans.flatMap((plan) =>
        plan.orders.map((o) => creditKey(plan.chain.config.chainId, o.account, o.token)),
      ),
    );
    const { credits, applied } = await awaitCredits({
      net,
      hubFrom,
      keys,
      deadline: lastDepositSeen + parameters.timeBoxMs,
      progress: (n) =>
        progress(
          `${parameters.label}: ${n.toLocaleString("en-US")}/${total.toLocaleString("en-US")} credited`,
        ),
    });
    const cpuAfter = relayer.cpuSeconds?.();
    const credited = credits.size;
    const creditBlocks = [...credits.values()];
    const hubLast = extreme(creditBlocks, "max");
    const firstCredit = extreme(creditBlocks, "min");
    await blocks.waitFor(hubId, hubLast);
    const receipts = await Promise.all(
      [...new Set(applied.map((a) => a.txHash))].map((hash) =>
        net.hub.client.getTransactionReceipt({ hash }),
      ),
    );
    const gasUsed = receipts.reduce((sum, r) => sum + r.gasUsed, 0n);
    const { gasLimit: hubGasLimit } = await net.hub.client.getBlock();
    const firstCreditSeen = blocks.seenAt(hubId, firstCredit) ?? Number.NaN;
    const lastCreditSeen = blocks.seenAt(hubId, hubLast) ?? Number.NaN;
    if (credited < total) await diagnose({ net, relayer, label: parameters.label, progress });
    const deliveries = await relayer.deliveries();
    const metrics = await relayer.gasMetrics();
    const depositBlockOf = new Map(
      deposits.flatMap((list, i) =>
        list.map(
          (d) => [`${net.vaults[i]?.config.chainId}:${d.account}:${d.token}`.toLowerCase(), d.block] as const,
        ),
      ),
    );
    const split = splitStages({ ...parameters, deliveries, depositBlockOf });
    const allCredited = credited >= total;
    const verified = allCredited ? await verifyCredits(net, plans) : undefined;
    return {
      label: parameters.label,
      batchMaxLeaves: parameters.settings.batchMaxLeaves ?? net.config.relayer.batchMaxLeaves,
      deposits: total,
      depositBlocks,
      sendMs,
      credited,
      allCredited,
      totalMs: lastCreditSeen - started,
      tailMs: lastCreditSeen - lastDepositSeen,
      tailFloorMs: (parameters.finalityDepth + 1) * parameters.blockTimeMs,
      updatesPerSecond: credited / Math.max(0.001, (lastCreditSeen - firstCreditSeen) / 1000),
      batches: applied.length,
      leavesSubmitted: applied.reduce((sum, a) => sum + a.leaves, 0),
      hubTransactions: receipts.length,
      hubBlocks: new Set(applied.map((a) => a.block)).size,
      hubBlockSpan: Number(hubLast - firstCredit) + 1,
      gasUsed,
      hubGasLimit,
      gasPerUpdate: credited === 0 ? Number.NaN : Number(gasUsed) / credited,
      metricsGasPerUpdate: metrics.updates === 0 ? Number.NaN : metrics.gas / metrics.updates,
      split,
      verified,
      relayerWarnings: relayer.warnings().count,
      cpuSeconds:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : Object.fromEntries(
              Object.entries(cpuAfter).map(([group, s]) => [group, s - (cpuBefore[group] ?? 0)]),
            ),
    };
  } finally {
    await relayer.stop();
  }
}

type ChainPlan = { chain: BenchChain; orders: DepositOrder[]; gas: bigint };

async function planChain(chain: BenchChain, accounts: readonly Address[]): Promise<ChainPlan> {
  const orders: DepositOrder[] = [];
  let gas = 0n;
  for (const symbol of BENCH_TOKENS) {
    const token = chain.config.tokens[symbol];
    if (token === undefined) throw new Error(`chain ${chain.config.chainId} lists no ${symbol}`);
    // 10 USDC or 0.01 wstETH per deposit: far inside every cap, whatever the number of runs.
    const amount = parseUnits(symbol === "USDC" ? "10" : "0.01", token.decimals);
    const estimate = await estimateDepositGas(chain, token.address, amount);
    if (estimate > gas) gas = estimate;
    for (const account of accounts) orders.push({ account, token: token.address, amount });
  }
  return { chain, orders, gas };
}

type Deposit = { account: Address; token: Address; block: bigint };

/** Sends every chain's deposits at once, waits until all are mined and reads where they landed. */
async function sendBurst(
  net: BenchNet,
  plans: ChainPlan[],
): Promise<{
  deposits: Deposit[][];
  depositBlocks: { chainId: number; first: bigint; last: bigint }[];
  sendMs: number;
}> {
  const vaultFrom = await Promise.all(net.vaults.map((chain) => chain.client.getBlockNumber()));
  const started = Date.now();
  const sent = await Promise.all(
    net.vaults.map((chain, i) =>
      sendDeposits(chain, { orders: plans[i]?.orders ?? [], gas: plans[i]?.gas ?? 0n }),
    ),
  );
  const sendMs = Math.max(...sent.map((s) => s.lastSentAt)) - started;
  await Promise.all(
    net.vaults.map((chain, i) => waitForFunderNonce(chain, sent[i]?.nextNonce ?? 0, 120_000)),
  );
  const deposits = await Promise.all(
    net.vaults.map((chain, i) =>
      readDeposits(chain, net.funder, (vaultFrom[i] ?? 0n) + 1n, plans[i]?.orders.length ?? 0),
    ),
  );
  const depositBlocks = deposits.map((list, i) => {
    const blocks = list.map((deposit) => deposit.block);
    return {
      chainId: net.vaults[i]?.config.chainId ?? 0,
      first: extreme(blocks, "min"),
      last: extreme(blocks, "max"),
    };
  });
  return { deposits, depositBlocks, sendMs };
}

/**
 * The funder's `Deposited` events from `fromBlock` on, once there are `expected` of them (anvil
 * may report a transaction count a moment before its logs answer for that block).
 */
async function readDeposits(
  chain: BenchChain,
  funder: Address,
  fromBlock: bigint,
  expected: number,
): Promise<Deposit[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const head = await chain.client.getBlockNumber();
    if (head >= fromBlock) {
      const events = await chain.client.getContractEvents({
        address: chain.config.contracts.vault,
        abi: collateralVaultAbi,
        eventName: "Deposited",
        args: { from: funder },
        fromBlock,
        toBlock: head,
      });
      if (events.length >= expected || Date.now() > deadline) {
        return events.map((e) => ({
          account: e.args.account as Address, // indexed, always present in a decoded Deposited
          token: e.args.token as Address, // indexed too
          block: e.blockNumber,
        }));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type Applied = { txHash: Hex; block: bigint; leaves: number };

function creditKey(chainId: number | bigint, account: string, token: string): string {
  return `${chainId}:${account}:${token}`.toLowerCase();
}

/**
 * Polls the hub from `hubFrom` until every key has a `BalanceCredited` (the hub emits one only
 * when a leaf changes the credit) or the deadline passes; also returns every `BatchApplied`.
 */
async function awaitCredits(parameters: {
  net: BenchNet;
  hubFrom: bigint;
  keys: ReadonlySet<string>;
  deadline: number;
  progress: (credited: number) => void;
}): Promise<{ credits: Map<string, bigint>; applied: Applied[] }> {
  const { net } = parameters;
  const hub = net.hub.config.contracts.hub as Address; // the hub chain's config has a hub
  const vaultIds = new Set(net.vaults.map((chain) => chain.config.chainId));
  const credits = new Map<string, bigint>();
  let scanned = parameters.hubFrom;
  let lastReport = Date.now();
  for (;;) {
    const head = await net.hub.client.getBlockNumber();
    if (head >= scanned) {
      const events = await net.hub.client.getContractEvents({
        address: hub,
        abi: marginHubAbi,
        eventName: "BalanceCredited",
        fromBlock: scanned,
        toBlock: head,
      });
      for (const event of events) {
        const { account, chainId, token } = event.args;
        if (account === undefined || chainId === undefined || token === undefined) continue;
        const key = creditKey(chainId, account, token);
        if (parameters.keys.has(key) && !credits.has(key)) credits.set(key, event.blockNumber);
      }
      scanned = head + 1n;
    }
    if (credits.size >= parameters.keys.size || Date.now() > parameters.deadline) break;
    if (Date.now() - lastReport > 10_000) {
      parameters.progress(credits.size);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const batches = await net.hub.client.getContractEvents({
    address: hub,
    abi: marginHubAbi,
    eventName: "BatchApplied",
    fromBlock: parameters.hubFrom,
  });
  const applied = batches
    .filter((e) => vaultIds.has(Number(e.args.srcEid)))
    .map((e) => ({ txHash: e.transactionHash, block: e.blockNumber, leaves: Number(e.args.leafCount ?? 0) }));
  return { credits, applied };
}

/** Prints what may explain a burst that did not drain: the relayer's last warnings and the indexer's two views of the vault balances. */
async function diagnose(parameters: {
  net: BenchNet;
  relayer: BenchRelayer;
  label: string;
  progress: (line: string) => void;
}): Promise<void> {
  const { count, last } = parameters.relayer.warnings();
  parameters.progress(
    `${parameters.label}: not drained; the relayer logged ${count} warnings, the last ones:`,
  );
  for (const line of last.slice(-5)) parameters.progress(`    ${line.slice(0, 300)}`);
  const views = await compareIndexerViews(parameters.net.indexer.url).catch((error: unknown) =>
    String(error),
  );
  parameters.progress(`${parameters.label}: indexer collateral_balance rows: ${views}`);
}

/** Mean time per credited update in each stage, from the deposit's block to the relayer's receipt. */
function splitStages(parameters: {
  blocks: BlockWatcher;
  indexer: IndexerWatcher;
  finalityDepth: number;
  deliveries: DeliveryRecord[];
  depositBlockOf: Map<string, bigint>;
}): StageSplit | undefined {
  const stages: StageSplit[] = [];
  for (const delivery of parameters.deliveries) {
    if (delivery.kind !== "balance_batch") continue;
    for (const key of delivery.keys) {
      const block = parameters.depositBlockOf.get(
        `${delivery.srcChainId}:${key.account}:${key.token}`.toLowerCase(),
      );
      if (block === undefined) continue;
      const depositSeen = parameters.blocks.seenAt(delivery.srcChainId, block);
      const finalSeen = parameters.blocks.seenAt(
        delivery.srcChainId,
        block + BigInt(parameters.finalityDepth),
      );
      if (depositSeen === undefined || finalSeen === undefined) continue;
      const indexedAt = parameters.indexer.indexedAt(delivery.srcChainId, block) ?? finalSeen;
      const ready = Math.max(finalSeen, indexedAt);
      stages.push({
        finalityMs: finalSeen - depositSeen,
        indexerLagMs: ready - finalSeen,
        discoveryMs: delivery.discoveredAt - ready,
        attestMs: delivery.attestedAt - delivery.discoveredAt,
        queueMs: delivery.processedOn - delivery.attestedAt,
        deliverMs: delivery.finishedOn - delivery.processedOn,
      });
    }
  }
  if (stages.length === 0) return undefined;
  return {
    finalityMs: mean(stages.map((s) => s.finalityMs)),
    indexerLagMs: mean(stages.map((s) => s.indexerLagMs)),
    discoveryMs: mean(stages.map((s) => s.discoveryMs)),
    attestMs: mean(stages.map((s) => s.attestMs)),
    queueMs: mean(stages.map((s) => s.queueMs)),
    deliverMs: mean(stages.map((s) => s.deliverMs)),
  };
}

/** Reads every key's hub credit and vault state: equal balance and seq means credited exactly. */
async function verifyCredits(
  net: BenchNet,
  plans: ChainPlan[],
): Promise<{ matched: number; checked: number }> {
  let matched = 0;
  let checked = 0;
  for (const plan of plans) {
    const chainId = BigInt(plan.chain.config.chainId);
    const results = await Promise.all(
      plan.orders.map(async (order) => {
        const [state, credit] = await Promise.all([
          plan.chain.client.readContract({
            address: plan.chain.config.contracts.vault,
            abi: collateralVaultAbi,
            functionName: "accountState",
            args: [order.account, order.token],
          }),
          net.hub.client.readContract({
            address: net.hub.config.contracts.hub as Address, // the hub chain always has a hub
            abi: marginHubAbi,
            functionName: "creditedBalance",
            args: [order.account, chainId, order.token],
          }),
        ]);
        return state[0] === credit[0] && BigInt(state[2]) === BigInt(credit[1]);
      }),
    );
    checked += results.length;
    matched += results.filter(Boolean).length;
  }
  return { matched, checked };
}

/** The least or greatest of some block numbers (0 for none): `Math.min`/`Math.max` take no bigints. */
function extreme(values: readonly bigint[], which: "min" | "max"): bigint {
  let result: bigint | undefined;
  for (const value of values) {
    if (result === undefined || (which === "min" ? value < result : value > result)) result = value;
  }
  return result ?? 0n;
}
