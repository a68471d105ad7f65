import type { Address } from "viem";
import { marginHubAbi } from "../../shared/abis/generated.js";
import type { ChainClients } from "./chainClients.js";
import type { LedgerDeposit } from "./mixedLedger.js";

type Tracked = { deposit: LedgerDeposit; finalAt?: number; creditedAt?: number };

/**
 * Follows deposits until the hub credits them: each `observe` reads every vault chain's head (a
 * deposit turns final when the head is `finalityDepth` above its block: the floor the chains
 * impose) and the hub's credit of every deposit not credited yet. The latency over the floor is
 * credited-seen minus final-seen, so it is as fine as the calls to `observe` are frequent.
 *
 * @param parameters the hub and the vault chains
 * @returns `add`, `observe`, `credited` and `latencies`
 */
export function createCreditTracker(parameters: { hub: ChainClients; chains: readonly ChainClients[] }) {
  const { hub, chains } = parameters;
  const hubAddress = hub.chain.contracts.hub as Address; // the hub chain's config always has the hub
  const tracked: Tracked[] = [];
  const credited = new Set<LedgerDeposit>();
  let observing: Promise<void> | undefined;

  async function observeOnce(): Promise<void> {
    const pending = tracked.filter((t) => t.creditedAt === undefined);
    if (pending.length === 0) return;
    const heads = new Map(
      await Promise.all(
        chains.map(
          async (c) => [c.chain.chainId, await c.publicClient.getBlockNumber({ cacheTime: 0 })] as const,
        ),
      ),
    );
    const now = Date.now();
    for (const t of pending) {
      const chain = chains.find((c) => c.chain.chainId === t.deposit.chainId);
      const head = heads.get(t.deposit.chainId) ?? 0n;
      if (t.finalAt === undefined && head >= t.deposit.blockNumber + BigInt(chain?.chain.finalityDepth ?? 0))
        t.finalAt = now;
    }
    await Promise.all(
      pending.map(async (t) => {
        const [, seq] = await hub.publicClient.readContract({
          address: hubAddress,
          abi: marginHubAbi,
          functionName: "creditedBalance",
          args: [t.deposit.account, BigInt(t.deposit.chainId), t.deposit.token],
        });
        if (BigInt(seq) < t.deposit.seq) return;
        t.creditedAt = Date.now();
        // A credit seen before the final head (one poll late) still counts from now.
        t.finalAt ??= t.creditedAt;
        credited.add(t.deposit);
      }),
    );
  }

  return {
    add: (deposit: LedgerDeposit) => void tracked.push({ deposit }),
    /** One poll of heads and credits (concurrent callers share it). */
    observe: (): Promise<void> => {
      observing ??= observeOnce().finally(() => {
        observing = undefined;
      });
      return observing;
    },
    /** Whether the hub has credited the deposit (as of the last `observe`). */
    credited: (deposit: LedgerDeposit) => credited.has(deposit),
    /** Seconds from final-seen to credited-seen, one per credited deposit. */
    latencies: (): number[] =>
      tracked.flatMap((t) =>
        t.creditedAt === undefined || t.finalAt === undefined ? [] : [(t.creditedAt - t.finalAt) / 1_000],
      ),
    /** The same, with when each deposit was seen final (ms since the epoch), to tell apart fault windows. */
    samples: (): { finalAt: number; seconds: number }[] =>
      tracked.flatMap((t) =>
        t.creditedAt === undefined || t.finalAt === undefined
          ? []
          : [{ finalAt: t.finalAt, seconds: (t.creditedAt - t.finalAt) / 1_000 }],
      ),
  };
}
