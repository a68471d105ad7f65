import type { ChainClients } from "./chainClients.js";
import { type PollUntilParameters, pollUntil } from "./pollUntil.js";

/**
 * Mines `blocks` blocks on every chain of `chains` (in parallel). The devnet automines only on
 * transactions, so this is what makes a transaction final.
 *
 * @param chains the chains to advance
 * @param blocks blocks to mine on each (default 1)
 */
export async function mineBlocks(chains: readonly ChainClients[], blocks = 1): Promise<void> {
  await Promise.all(chains.map((chain) => chain.testClient.mine({ blocks })));
}

/**
 * Mines one block on each chain that has a transaction in one of its `finalityDepth` newest
 * blocks (a transaction not final yet), and on no other: idle chains stay idle, so the indexer
 * is not flooded with empty blocks.
 *
 * @param chains the chains (each with its config's `finalityDepth`)
 * @returns how many chains were advanced
 */
export async function mineTowardFinality(chains: readonly ChainClients[]): Promise<number> {
  const advanced = await Promise.all(
    chains.map(async (chain) => {
      const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
      const depth = BigInt(chain.chain.finalityDepth);
      const recent: bigint[] = [];
      for (let n = head; n > head - depth && n >= 0n; n--) recent.push(n);
      const counts = await Promise.all(
        recent.map((blockNumber) => chain.publicClient.getBlockTransactionCount({ blockNumber })),
      );
      if (counts.every((count) => count === 0)) return false;
      await chain.testClient.mine({ blocks: 1 });
      return true;
    }),
  );
  return advanced.filter(Boolean).length;
}

/**
 * {@link pollUntil} that, before each read, mines toward finality ({@link mineTowardFinality}):
 * the relayer relays only final state, and on an automining devnet a packet the relayer itself
 * caused (a hub command after a delivered request, a new vault leaf after an applied command)
 * becomes final only once more blocks follow it.
 *
 * @param chains the chains to advance
 * @param read produces the current value
 * @param done whether the value is the one awaited
 * @param parameters timeout (default 60 s), interval (default 300 ms), description
 * @returns the accepted value
 * @throws {PollTimeoutError} after the timeout, with the last value or error
 */
export function pollWhileMining<T>(
  chains: readonly ChainClients[],
  read: () => Promise<T>,
  done: (value: T) => boolean,
  parameters: PollUntilParameters = {},
): Promise<T> {
  return pollUntil(
    async () => {
      await mineTowardFinality(chains);
      return read();
    },
    done,
    { timeoutMs: 60_000, intervalMs: 300, ...parameters },
  );
}
