import { type Address, encodeFunctionData } from "viem";
import { mockPriceFeedAbi } from "../../shared/abis/generated.js";
import type { ChainConfig } from "../../shared/config/schema.js";
import { chainSender } from "./chainSender.js";
import type { StartPonderReturnType } from "./startPonder.js";

/** Parameters of {@link measureTicks}. */
export type MeasureTicksParameters = {
  /** The live real indexer. */
  ponder: StartPonderReturnType;
  hub: ChainConfig;
  /** The feeds ticked, with the holders of the collateral each prices. */
  collaterals: readonly { symbol: string; feed: Address; holders: number }[];
  /** Ticks per feed (round-robin over the feeds). */
  rounds: number;
  progress: (line: string) => void;
};

/** One tick: sent → Ponder's "Indexed block" line for its block, and Ponder's own duration for that block. */
export type Tick = { holders: number; symbol: string; latencyMs: number; ponderMs: number; events: number };

/** No tick waits longer than this for its block to be indexed. */
const TICK_TIMEOUT_MS = 60_000;

/**
 * Times price ticks on a live indexer: per round, one `setAnswer` on each feed (±0.05 %, the
 * order turning each round), each from the moment it is sent (anvil automines it) to the
 * "Indexed block" line Ponder logs once that hub block is committed (the block `/status` then
 * reports), with a pause of 200–500 ms between ticks so that they do not line up with Ponder's
 * polling. Checks that the last answer of each feed is the one the indexer serves.
 *
 * @param parameters the indexer, the hub, the feeds and rounds
 * @returns every tick
 */
export async function measureTicks(parameters: MeasureTicksParameters): Promise<Tick[]> {
  const { ponder, hub, collaterals } = parameters;
  const sender = await chainSender(hub);
  const indexed = new Map<number, { at: number; ponderMs: number; events: number }>();
  const waiters = new Set<() => void>();
  const unsubscribe = ponder.onLog((log, at) => {
    if (log.msg !== "Indexed block" || log.chain_id !== hub.chainId || log.number === undefined) return;
    indexed.set(log.number, { at, ponderMs: log.duration ?? Number.NaN, events: log.event_count ?? 0 });
    for (const wake of waiters) wake();
  });
  const ticks: Tick[] = [];
  const last = new Map<Address, bigint>();
  try {
    for (let round = 0; round < parameters.rounds; round++) {
      for (let i = 0; i < collaterals.length; i++) {
        const { symbol, feed, holders } = collaterals[(round + i) % collaterals.length]!;
        const [, answer] = await sender.client.readContract({
          address: feed,
          abi: mockPriceFeedAbi,
          functionName: "latestRoundData",
        });
        const next = (answer * (round % 2 === 0 ? 10_005n : 9_995n)) / 10_000n;
        const data = encodeFunctionData({ abi: mockPriceFeedAbi, functionName: "setAnswer", args: [next] });
        const sentAt = performance.now();
        const [receipt] = await sender.send([{ to: feed, data }]);
        const block = Number(receipt!.blockNumber);
        const done = await waitFor(() => indexed.get(block), waiters);
        ticks.push({
          holders,
          symbol,
          latencyMs: done.at - sentAt,
          ponderMs: done.ponderMs,
          events: done.events,
        });
        last.set(feed, next);
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
      }
      parameters.progress(`ticks: round ${round + 1}/${parameters.rounds}`);
    }
  } finally {
    unsubscribe();
  }
  for (const [feed, answer] of last) await expectPrice(ponder.url, feed, answer);
  return ticks;
}

async function waitFor<T>(get: () => T | undefined, waiters: Set<() => void>): Promise<T> {
  const found = get();
  if (found !== undefined) return found;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(wake);
      reject(new Error(`a tick's block was not indexed within ${TICK_TIMEOUT_MS / 1000} s`));
    }, TICK_TIMEOUT_MS);
    const wake = () => {
      const value = get();
      if (value === undefined) return;
      clearTimeout(timer);
      waiters.delete(wake);
      resolve(value);
    };
    waiters.add(wake);
  });
}

/** The indexer's `price` row of the feed holds the last answer set. */
async function expectPrice(url: string, feed: Address, answer: bigint): Promise<void> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `{ price(feed: "${feed.toLowerCase()}") { answer } }` }),
  });
  const body = (await response.json()) as { data?: { price?: { answer?: string } } }; // GraphQL answer shape
  if (body.data?.price?.answer !== answer.toString())
    throw new Error(`price of ${feed}: the indexer serves ${JSON.stringify(body)}, the feed says ${answer}`);
}
