import { ponder } from "ponder:registry";
import type { Hex } from "viem";
import { rawEvent } from "../ponder.schema.js";

/*
 * The bare baseline's handlers: one per vault event the real indexer handles, each inserting
 * the raw log and nothing else. (Typed against the root project's `ponder:registry`, which
 * declares the same `CollateralVault` events; the table comes from this project's schema.)
 */

type RawEventArgs = {
  event: {
    id: string;
    log: { address: Hex; logIndex: number; topics: readonly Hex[]; data: Hex };
    block: { number: bigint };
    transaction: { hash: Hex };
  };
  context: { chain: { id: number }; db: { insert: (table: typeof rawEvent) => RawInsert } };
};
type RawInsert = { values: (row: typeof rawEvent.$inferInsert) => PromiseLike<unknown> };

function insertRaw(name: string) {
  return async ({ event, context }: RawEventArgs): Promise<void> => {
    const [topic0, topic1, topic2, topic3] = event.log.topics;
    await context.db.insert(rawEvent).values({
      id: event.id,
      chainId: context.chain.id,
      address: event.log.address,
      name,
      blockNumber: event.block.number,
      logIndex: event.log.logIndex,
      txHash: event.transaction.hash,
      topic0: topic0 ?? null,
      topic1: topic1 ?? null,
      topic2: topic2 ?? null,
      topic3: topic3 ?? null,
      data: event.log.data,
    });
  };
}

ponder.on("CollateralVault:Deposited", insertRaw("Deposited"));
ponder.on("CollateralVault:WithdrawalRequested", insertRaw("WithdrawalRequested"));
ponder.on("CollateralVault:WithdrawalReleased", insertRaw("WithdrawalReleased"));
ponder.on("CollateralVault:WithdrawalRejected", insertRaw("WithdrawalRejected"));
ponder.on("CollateralVault:Seized", insertRaw("Seized"));
ponder.on("CollateralVault:PacketSent", insertRaw("PacketSent"));
ponder.on("CollateralVault:CommandApplied", insertRaw("CommandApplied"));
