import type { relayMessage } from "../../ponder.schema.js";

/**
 * Builds the answer of `GET /messages/:guid` from a `relay_message` row: every column (bigints
 * as decimal strings), plus `ageSeconds` (now − source block time while in flight).
 *
 * @param row the message
 * @param now now, in seconds
 * @param final whether the source block is final on its chain (null: unknown)
 * @returns the JSON body
 */
export function messageView(row: typeof relayMessage.$inferSelect, now: bigint, final: boolean | null) {
  const text = (value: bigint | null) => (value === null ? null : value.toString());
  return {
    guid: row.guid,
    kind: row.kind,
    route: row.route,
    srcEid: row.srcEid,
    dstEid: row.dstEid,
    nonce: text(row.nonce),
    status: row.status,
    sender: row.sender,
    receiver: row.receiver,
    account: row.account,
    token: row.token,
    amount: text(row.amount),
    appliedAmount: text(row.appliedAmount),
    requestGuid: row.requestGuid,
    packet: row.packet,
    source: {
      txHash: row.sourceTxHash,
      block: text(row.sourceBlock),
      timestamp: text(row.sourceTimestamp),
      final,
    },
    destination: {
      txHash: row.destinationTxHash,
      block: text(row.destinationBlock),
      timestamp: text(row.destinationTimestamp),
    },
    latencySeconds: row.latencySeconds === null ? null : Number(row.latencySeconds),
    ageSeconds:
      row.status === "observed" && row.sourceTimestamp !== null ? Number(now - row.sourceTimestamp) : null,
  };
}
