import { PacketSerializer } from "@layerzerolabs/lz-v2-utilities";
import type { Hex } from "viem";
import { computeGuid } from "./computeGuid.js";
import { PACKET_VERSION } from "./constants.js";
import type { PacketHeader } from "./types.js";
import { checkAddress, checkHex, checkUint } from "./validate.js";

/** Parameters of {@link encodePacket}. */
export type EncodePacketParameters = Omit<PacketHeader, "nonce"> & {
  /** Packet nonce (uint64). */
  nonce: bigint | number;
  /** The message body (see `encodeMessage`). */
  message: Hex;
};

/** Return type of {@link encodePacket}. */
export type EncodePacketReturnType = {
  /** The packet bytes: 113-byte header (guid included) then the message. */
  packet: Hex;
  /** The packet's guid. */
  guid: Hex;
};

/**
 * Builds a LayerZero V2 (`PacketV1Codec`) packet, as `MessageCodec.encodePacket`:
 * `uint8 1 ‖ uint64 nonce ‖ uint32 srcEid ‖ bytes32 sender ‖ uint32 dstEid ‖ bytes32 receiver ‖ bytes32 guid ‖ message`.
 *
 * @param parameters header fields and message body
 * @returns the packet and its guid
 * @throws {InvalidCodecValueError} when a field does not fit its type
 * @example
 * const { packet, guid } = encodePacket({
 *   nonce: batchNonce(block, 0), srcEid: 31338, sender: vault, dstEid: 31337, receiver: hub,
 *   message: encodeBalanceBatch({ root, leafCount: 3, sourceBlock: block, sourceTimestamp }),
 * });
 */
export function encodePacket(parameters: EncodePacketParameters): EncodePacketReturnType {
  const message = checkHex("message", parameters.message);
  const sender = checkAddress("sender", parameters.sender);
  const receiver = checkAddress("receiver", parameters.receiver);
  const guid = computeGuid({ ...parameters, sender, receiver });
  const packet = PacketSerializer.serialize({
    version: PACKET_VERSION,
    nonce: checkUint("nonce", parameters.nonce, 64).toString(),
    srcEid: parameters.srcEid,
    sender,
    dstEid: parameters.dstEid,
    receiver,
    guid,
    message,
    payload: `${guid}${message.slice(2)}`,
  });
  // PacketV1Codec.encode returns 0x + lowercase hex of the buffer.
  return { packet: packet as Hex, guid };
}
