import { PacketSerializer } from "@layerzerolabs/lz-v2-utilities";
import { type Address, getAddress, type Hex } from "viem";
import { computeGuid } from "./computeGuid.js";
import { PACKET_VERSION, PacketOffset } from "./constants.js";
import { InvalidGuidError, InvalidPacketError, InvalidPacketVersionError } from "./errors.js";
import { sliceHex, toBytes } from "./validate.js";

/** Return type of {@link decodePacket}. */
export type DecodePacketReturnType = {
  /** Always 1. */
  version: typeof PACKET_VERSION;
  /** Packet nonce (uint64). */
  nonce: bigint;
  /** Source endpoint id = source chain id. */
  srcEid: number;
  /** The raw bytes32 sender field. */
  sender: Hex;
  /** The sender field's low 20 bytes, checksummed. */
  senderAddress: Address;
  /** Destination endpoint id = destination chain id. */
  dstEid: number;
  /** The raw bytes32 receiver field. */
  receiver: Hex;
  /** The receiver field's low 20 bytes, checksummed. */
  receiverAddress: Address;
  /** The packet's guid (checked against the header). */
  guid: Hex;
  /** The message body (decode it with `decodeMessage`). */
  message: Hex;
};

/**
 * Decodes a packet and checks it like `MessageCodec.decodeHeader`: length, version, then guid.
 *
 * @param packet the packet bytes
 * @returns the header fields, guid and message body
 * @throws {InvalidPacketError} when shorter than 114 bytes
 * @throws {InvalidPacketVersionError} when the version byte is not 1
 * @throws {InvalidGuidError} when the guid does not match the header
 */
export function decodePacket(packet: Hex | Uint8Array): DecodePacketReturnType {
  const bytes = toBytes("packet", packet);
  if (bytes.length < PacketOffset.message + 1) throw new InvalidPacketError(bytes.length);
  const version = bytes[PacketOffset.version] ?? 0;
  if (version !== PACKET_VERSION) throw new InvalidPacketVersionError(version);
  const decoded = PacketSerializer.deserialize(bytes);
  const senderAddress = getAddress(sliceHex(bytes, PacketOffset.sender + 12, 20));
  const receiverAddress = getAddress(sliceHex(bytes, PacketOffset.receiver + 12, 20));
  const nonce = BigInt(decoded.nonce);
  const guid = sliceHex(bytes, PacketOffset.guid, 32);
  const sender = sliceHex(bytes, PacketOffset.sender, 32);
  const receiver = sliceHex(bytes, PacketOffset.receiver, 32);
  const expected = computeGuid({ nonce, srcEid: decoded.srcEid, sender, dstEid: decoded.dstEid, receiver });
  if (expected !== guid) throw new InvalidGuidError(expected, guid);
  return {
    version: PACKET_VERSION,
    nonce,
    srcEid: decoded.srcEid,
    sender,
    senderAddress,
    dstEid: decoded.dstEid,
    receiver,
    receiverAddress,
    guid,
    message: sliceHex(bytes, PacketOffset.message, bytes.length - PacketOffset.message),
  };
}
