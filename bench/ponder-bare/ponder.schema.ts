import { onchainTable } from "ponder";

/**
 * The bare baseline's only table: every vault event as it came, one row per log (its topics and
 * data undecoded), keyed by Ponder's event id.
 */
export const rawEvent = onchainTable("raw_event", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  address: t.hex().notNull(),
  /** The event's name in the vault ABI (`Deposited`, `PacketSent`, …). */
  name: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
  logIndex: t.integer().notNull(),
  txHash: t.hex().notNull(),
  topic0: t.hex(),
  topic1: t.hex(),
  topic2: t.hex(),
  topic3: t.hex(),
  data: t.hex().notNull(),
}));
