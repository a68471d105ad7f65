import { type Address, type Hex, keccak256, parseUnits, toHex } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import { deriveAccount } from "../../test/kit/deriveAccount.js";
import { estimateDepositGas } from "./estimateDepositGas.js";
import { percentile } from "./percentile.js";
import { sendDeposits } from "./sendDeposits.js";
import type { BenchNet } from "./startBenchNet.js";
import type { BenchRelayer, DeliveryRecord } from "./startBenchRelayer.js";
import type { BlockWatcher } from "./watchBlocks.js";

/** Accounts of the latency deposits. */
const LATENCY_SALT: Hex = keccak256(toHex("crossmargin/bench/relayer/latency"));

/** Parameters of {@link measureCreditLatency}. */
export type MeasureCreditLatencyParameters = {
  net: BenchNet;
  blocks: BlockWatcher;
  relayer: BenchRelayer;
  /** Deposits to time, alternating between the two vault chains. */
  deposits: number;
  /** Gap between two deposits: `minGapMs` plus a random part up to `jitterMs`, so deposits land at every phase of the block interval. */
  minGapMs: number;
  jitterMs: number;
  finalityDepth: number;
  blockTimeMs: number;
  progress: (line: string) => void;
};

/** One deposit's crossing, in wall-clock milliseconds. */
export type LatencySample = {
  chainId: number;
  account: Address;
  depositBlock: bigint;
  creditBlock: bigint;
  /** Deposit block first seen → hub block with the `BalanceCredited` first seen. */
  latencyMs: number;
  /** Deposit block first seen → the first hub block after the deposit became final (what an instant relayer would make). */
  idealMs: number;
  /** Hub blocks between that ideal block and the one that credited it. */
  extraHubBlocks: number;
  /** The relayer's steps for this deposit's batch (undefined when its job record is missing). */
  steps?: { detectMs: number; attestMs: number; queueMs: number; deliverMs: number } | undefined;
};

/** Return type of {@link measureCreditLatency}. */
export type CreditLatencyResult = {
  samples: LatencySample[];
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** finalityDepth × block time + one block. */
  floorMs: number;
  overheadP50Ms: number;
  overheadP95Ms: number;
  idealP50Ms: number;
  /** Deposits never credited within the wait. */
  missing: number;
};

/**
 * End-to-end credit latency on a devnet with interval mining: deposits spaced out over time
 * (`depositFor` from the funder to a fresh account each, alternating vault chains), each timed
 * from the moment its block was first seen to the moment the hub block holding its
 * `BalanceCredited` was first seen (both by polling the heads every 25 ms: wall-clock, since
 * anvil's block timestamps have one-second resolution).
 *
 * @param parameters the network, watchers, relayer and the pacing
 * @returns the samples and their percentiles beside the floor the chains impose
 */
export async function measureCreditLatency(
  parameters: MeasureCreditLatencyParameters,
): Promise<CreditLatencyResult> {
  const { net, blocks, progress } = parameters;
  const hubId = net.hub.config.chainId;
  const hubFrom = await net.hub.client.getBlockNumber();
  const gas = new Map<number, bigint>();
  for (const chain of net.vaults) {
    const token = chain.config.tokens.USDC?.address as Address; // the devnet lists USDC on every chain
    gas.set(chain.config.chainId, await estimateDepositGas(chain, token, parseUnits("100", 6)));
  }
  const sent: { chainId: number; account: Address; hash: Hex }[] = [];
  for (let i = 0; i < parameters.deposits; i++) {
    const chain = net.vaults[i % 2] ?? net.vaults[0];
    const account = deriveAccount(LATENCY_SALT, BigInt(i));
    const token = chain.config.tokens.USDC?.address as Address; // as above
    const { hashes } = await sendDeposits(chain, {
      orders: [{ account, token, amount: parseUnits("100", 6) }],
      gas: gas.get(chain.config.chainId) ?? 300_000n,
      concurrency: 1,
    });
    sent.push({ chainId: chain.config.chainId, account, hash: hashes[0] as Hex });
    if ((i + 1) % 10 === 0) progress(`latency: ${i + 1}/${parameters.deposits} deposits sent`);
    await sleep(parameters.minGapMs + Math.random() * parameters.jitterMs);
  }

  const wanted = new Set(sent.map((s) => s.account.toLowerCase()));
  const credits = new Map<string, bigint>();
  const deadline = Date.now() + 60_000;
  while (credits.size < wanted.size && Date.now() < deadline) {
    const events = await net.hub.client.getContractEvents({
      address: net.hub.config.contracts.hub as Address, // the hub chain always has a hub
      abi: marginHubAbi,
      eventName: "BalanceCredited",
      fromBlock: hubFrom,
    });
    for (const event of events) {
      const account = event.args.account?.toLowerCase();
      if (account !== undefined && wanted.has(account) && !credits.has(account))
        credits.set(account, event.blockNumber);
    }
    if (credits.size < wanted.size) await sleep(250);
  }
  // Every credit's hub block has been seen by the watcher once it is in a log we read.
  await Promise.all([...credits.values()].map((block) => blocks.waitFor(hubId, block)));

  const deliveries = await parameters.relayer.deliveries();
  const samples: LatencySample[] = [];
  for (const deposit of sent) {
    const creditBlock = credits.get(deposit.account.toLowerCase());
    if (creditBlock === undefined) continue;
    const chain = net.vaults.find((c) => c.config.chainId === deposit.chainId) ?? net.vaults[0];
    const receipt = await chain.client.getTransactionReceipt({ hash: deposit.hash });
    samples.push(
      sample({ ...parameters, deposit, depositBlock: receipt.blockNumber, creditBlock, deliveries, hubId }),
    );
  }
  const latencies = samples.map((s) => s.latencyMs);
  const floorMs = (parameters.finalityDepth + 1) * parameters.blockTimeMs;
  const p50Ms = percentile(latencies, 50);
  const p95Ms = percentile(latencies, 95);
  return {
    samples,
    p50Ms,
    p95Ms,
    maxMs: Math.max(...latencies),
    floorMs,
    overheadP50Ms: p50Ms - floorMs,
    overheadP95Ms: p95Ms - floorMs,
    idealP50Ms: percentile(
      samples.map((s) => s.idealMs),
      50,
    ),
    missing: sent.length - samples.length,
  };
}

function sample(parameters: {
  blocks: BlockWatcher;
  finalityDepth: number;
  deposit: { chainId: number; account: Address };
  depositBlock: bigint;
  creditBlock: bigint;
  deliveries: DeliveryRecord[];
  hubId: number;
}): LatencySample {
  const { blocks, deposit, depositBlock, creditBlock, hubId } = parameters;
  const seen = (chainId: number, block: bigint) => blocks.seenAt(chainId, block) ?? Number.NaN;
  const depositSeen = seen(deposit.chainId, depositBlock);
  const finalSeen = seen(deposit.chainId, depositBlock + BigInt(parameters.finalityDepth));
  const creditSeen = seen(hubId, creditBlock);
  // The first hub block seen after the deposit became final: where an instant relayer's transaction would land.
  let ideal = creditBlock;
  while (ideal > 0n && seen(hubId, ideal - 1n) > finalSeen) ideal -= 1n;
  const record = parameters.deliveries.find(
    (d) =>
      d.srcChainId === deposit.chainId &&
      d.keys.some((key) => key.account.toLowerCase() === deposit.account.toLowerCase()),
  );
  return {
    chainId: deposit.chainId,
    account: deposit.account,
    depositBlock,
    creditBlock,
    latencyMs: creditSeen - depositSeen,
    idealMs: seen(hubId, ideal) - depositSeen,
    extraHubBlocks: Number(creditBlock - ideal),
    steps:
      record === undefined
        ? undefined
        : {
            detectMs: record.discoveredAt - finalSeen,
            attestMs: record.attestedAt - record.discoveredAt,
            queueMs: record.processedOn - record.attestedAt,
            deliverMs: record.finishedOn - record.processedOn,
          },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
