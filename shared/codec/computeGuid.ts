import { calculateGuid } from "@layerzerolabs/lz-v2-utilities";
import type { Address, Hex } from "viem";
import { PACKET_VERSION } from "./constants.js";
import type { PacketHeader } from "./types.js";
import { checkBytes32OrAddress, checkUint } from "./validate.js";

/**
 * Parameters of {@link computeGuid}: a packet's path and nonce. The nonce may be a number;
 * sender and receiver may be addresses or raw bytes32 fields.
 */
export type ComputeGuidParameters = Omit<PacketHeader, "nonce" | "sender" | "receiver"> & {
  nonce: bigint | number;
  sender: Address | Hex;
  receiver: Address | Hex;
};

/**
 * The LayerZero V2 guid of a path and nonce:
 * `keccak256(abi.encodePacked(uint64 nonce, uint32 srcEid, bytes32 sender, uint32 dstEid, bytes32 receiver))`,
 * as `MessageCodec.guidOf` (computed by `@layerzerolabs/lz-v2-utilities`' `calculateGuid`).
 *
 * @param header nonce, endpoints and addresses
 * @returns the 32-byte guid
 * @throws {InvalidCodecValueError} when a field does not fit its type
 */
export function computeGuid(header: ComputeGuidParameters): Hex {
  const guid = calculateGuid({
    version: PACKET_VERSION,
    nonce: checkUint("nonce", header.nonce, 64).toString(),
    srcEid: Number(checkUint("srcEid", header.srcEid, 32)),
    sender: checkBytes32OrAddress("sender", header.sender),
    dstEid: Number(checkUint("dstEid", header.dstEid, 32)),
    receiver: checkBytes32OrAddress("receiver", header.receiver),
  });
  // calculateGuid returns ethers' keccak256: 0x + 64 lowercase hex digits.
  return guid as Hex;
}
