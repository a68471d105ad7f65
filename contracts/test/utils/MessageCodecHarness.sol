// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MessageCodec} from "../../src/libraries/MessageCodec.sol";

/// @notice External wrapper around `MessageCodec` so tests can call its internal functions,
/// the decoders with real calldata.
contract MessageCodecHarness {
    function guidOf(uint64 nonce, uint32 srcEid, bytes32 sender, uint32 dstEid, bytes32 receiver)
        external
        pure
        returns (bytes32)
    {
        return MessageCodec.guidOf(nonce, srcEid, sender, dstEid, receiver);
    }

    function encodePacket(uint64 nonce, uint32 srcEid, address sender, uint32 dstEid, address receiver, bytes memory body)
        external
        pure
        returns (bytes memory packet, bytes32 guid)
    {
        return MessageCodec.encodePacket(nonce, srcEid, sender, dstEid, receiver, body);
    }

    function decodeHeader(bytes calldata packet) external pure returns (MessageCodec.Header memory) {
        return MessageCodec.decodeHeader(packet);
    }

    function message(bytes calldata packet) external pure returns (bytes memory) {
        return MessageCodec.message(packet);
    }

    function messageType(bytes calldata body) external pure returns (uint8) {
        return MessageCodec.messageType(body);
    }

    function encodeBalanceBatch(MessageCodec.BalanceBatch memory b) external pure returns (bytes memory) {
        return MessageCodec.encodeBalanceBatch(b);
    }

    function decodeBalanceBatch(bytes calldata body) external pure returns (MessageCodec.BalanceBatch memory) {
        return MessageCodec.decodeBalanceBatch(body);
    }

    function encodeWithdrawalRequest(MessageCodec.WithdrawalRequest memory w) external pure returns (bytes memory) {
        return MessageCodec.encodeWithdrawalRequest(w);
    }

    function decodeWithdrawalRequest(bytes calldata body) external pure returns (MessageCodec.WithdrawalRequest memory) {
        return MessageCodec.decodeWithdrawalRequest(body);
    }

    function encodeWithdrawalDecision(bool approve, MessageCodec.WithdrawalDecision memory d)
        external
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodeWithdrawalDecision(approve, d);
    }

    function decodeWithdrawalDecision(bytes calldata body) external pure returns (MessageCodec.WithdrawalDecision memory) {
        return MessageCodec.decodeWithdrawalDecision(body);
    }

    function encodeSeize(MessageCodec.Seize memory s) external pure returns (bytes memory) {
        return MessageCodec.encodeSeize(s);
    }

    function decodeSeize(bytes calldata body) external pure returns (MessageCodec.Seize memory) {
        return MessageCodec.decodeSeize(body);
    }

    function addressToBytes32(address a) external pure returns (bytes32) {
        return MessageCodec.addressToBytes32(a);
    }

    function bytes32ToAddress(bytes32 b) external pure returns (address) {
        return MessageCodec.bytes32ToAddress(b);
    }
}
