import { parseEventLogs, type TransactionReceipt } from "viem";
import type { SentPacketClaim, SentPacketKind } from "../../relayer/types.js";
import { collateralVaultAbi } from "../../shared/abis/generated.js";

/**
 * The claims for every `PacketSent` in a receipt (vault or hub), as the relayer would build them
 * from the indexed events.
 *
 * @param receipt the receipt of the sending transaction
 * @param parameters the claims' kind and route
 * @returns one claim per `PacketSent`, with `sourceTxHash`
 */
export function sentPacketClaims(
  receipt: TransactionReceipt,
  parameters: { kind: SentPacketKind; srcChainId: number },
): SentPacketClaim[] {
  return parseEventLogs({ abi: collateralVaultAbi, eventName: "PacketSent", logs: receipt.logs }).map(
    (log) => ({
      kind: parameters.kind,
      srcChainId: parameters.srcChainId,
      dstChainId: log.args.dstEid,
      packet: log.args.packet,
      guid: log.args.guid,
      nonce: log.args.nonce.toString(),
      sourceBlock: receipt.blockNumber.toString(),
      sourceTxHash: receipt.transactionHash,
    }),
  );
}
