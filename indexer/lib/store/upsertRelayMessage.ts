import type { Hex } from "viem";
import { relayMessage } from "../../ponder.schema.js";
import type { RelayKind } from "../describePacket.js";
import { lowerHex } from "../indexerConfig.js";
import type { IndexerDb } from "./context.js";

type RelayRow = typeof relayMessage.$inferSelect;

/** What one side of a message tells: the path always, the rest as far as that side knows it. */
export type RelayMessageUpdate = {
  guid: Hex;
  kind: RelayKind;
  srcEid: number;
  dstEid: number;
} & Partial<
  Pick<
    RelayRow,
    | "nonce"
    | "sender"
    | "receiver"
    | "account"
    | "token"
    | "amount"
    | "appliedAmount"
    | "requestGuid"
    | "packet"
    | "sourceTxHash"
    | "sourceBlock"
    | "sourceTimestamp"
    | "destinationTxHash"
    | "destinationBlock"
    | "destinationTimestamp"
  >
>;

/**
 * Merges one side of a cross-chain message into its `relay_message` row, whichever side is
 * indexed first (chains are indexed independently). Fields not given are left as they are;
 * `status` becomes "delivered" once a destination event was seen, else "observed";
 * `latencySeconds` is set once both block times are known.
 *
 * @param db the handler's `context.db`
 * @param update the guid, kind and path, plus the fields this side knows
 * @returns the merged row
 */
export async function upsertRelayMessage(db: IndexerDb, update: RelayMessageUpdate): Promise<RelayRow> {
  const guid = lowerHex(update.guid);
  const existing = await db.find(relayMessage, { guid });
  const defined = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined));
  const merged = {
    ...(existing ?? emptyRow(update)),
    ...defined,
    guid,
  } satisfies RelayRow;
  merged.status = merged.destinationBlock === null ? "observed" : "delivered";
  merged.latencySeconds =
    merged.destinationTimestamp !== null && merged.sourceTimestamp !== null
      ? merged.destinationTimestamp - merged.sourceTimestamp
      : null;
  if (existing === null) return db.insert(relayMessage).values(merged);
  const { guid: _key, ...rest } = merged;
  return db.update(relayMessage, { guid }).set(rest);
}

function emptyRow(update: RelayMessageUpdate): RelayRow {
  return {
    guid: update.guid,
    kind: update.kind,
    srcEid: update.srcEid,
    dstEid: update.dstEid,
    route: routeOf(update.srcEid, update.dstEid),
    nonce: null,
    status: "observed",
    sender: null,
    receiver: null,
    account: null,
    token: null,
    amount: null,
    appliedAmount: null,
    requestGuid: null,
    packet: null,
    sourceTxHash: null,
    sourceBlock: null,
    sourceTimestamp: null,
    destinationTxHash: null,
    destinationBlock: null,
    destinationTimestamp: null,
    latencySeconds: null,
  };
}

/**
 * The `relay_message.route` of a path.
 *
 * @param srcEid source chain id
 * @param dstEid destination chain id
 * @returns `"<srcEid>-><dstEid>"`
 */
export function routeOf(srcEid: number, dstEid: number): string {
  return `${srcEid}->${dstEid}`;
}
