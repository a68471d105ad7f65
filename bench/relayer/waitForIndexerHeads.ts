import type { BenchNet } from "./startBenchNet.js";

/**
 * Waits until the indexer has indexed every chain up to its current head (Ponder's `/status`),
 * so a relayer started next does not see work the hub has already done.
 *
 * @param net the bench network
 * @param timeoutMs give up after this long
 * @throws when the indexer does not catch up in time
 */
export async function waitForIndexerHeads(net: BenchNet, timeoutMs = 60_000): Promise<void> {
  const chains = [net.hub, ...net.vaults];
  const targets = await Promise.all(
    chains.map(async (chain) => ({ name: chain.config.name, head: await chain.client.getBlockNumber() })),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Ponder's /status: { [chain name]: { id, block: { number, timestamp } } }.
    const status = (await fetch(`${net.indexer.url}/status`)
      .then((response) => response.json())
      .catch(() => ({}))) as Record<string, { block?: { number?: number } } | undefined>;
    const behind = targets.filter((t) => BigInt(status[t.name]?.block?.number ?? -1) < t.head);
    if (behind.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the indexer has not reached ${behind.map((t) => `${t.name} block ${t.head}`).join(", ")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
