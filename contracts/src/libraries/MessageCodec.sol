// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title MessageCodec
/// @notice Byte layouts of every crossmargin message. A message is a LayerZero V2 packet
/// (`PacketV1Codec` layout) whose `message` body is one of our typed payloads. Mirrored
/// byte-for-byte by `shared/codec` in TypeScript.
/// @dev Packet header (81 bytes, then guid, then message):
///   [0]      uint8   version (= 1)
///   [1:9]    uint64  nonce
///   [9:13]   uint32  srcEid       (crossmargin uses eid = chain id)
///   [13:45]  bytes32 sender       (address, left-padded)
///   [45:49]  uint32  dstEid
///   [49:81]  bytes32 receiver     (address, left-padded)
///   [81:113] bytes32 guid         = keccak256(abi.encodePacked(nonce, srcEid, sender, dstEid, receiver))
///   [113:]   bytes   message
/// Payloads (first byte is the type):
///   BALANCE_BATCH (1):      root bytes32 [1:33] | leafCount uint32 [33:37] | sourceBlock uint64 [37:45] | sourceTimestamp uint64 [45:53]
///   WITHDRAWAL_REQUEST (2): account [1:21] | token [21:41] | amount uint256 [41:73] | balanceAfter uint256 [73:105] | seq uint64 [105:113] | inboundNonce uint64 [113:121]
///   APPROVE_WITHDRAWAL (3): account [1:21] | token [21:41] | amount uint256 [41:73] | requestNonce uint64 [73:81]
///   REJECT_WITHDRAWAL (4):  same layout as APPROVE_WITHDRAWAL
///   SEIZE (5):              account [1:21] | token [21:41] | amount uint256 [41:73] | recipient [73:93]
library MessageCodec {
    uint8 internal constant PACKET_VERSION = 1;

    uint256 internal constant NONCE_OFFSET = 1;
    uint256 internal constant SRC_EID_OFFSET = 9;
    uint256 internal constant SENDER_OFFSET = 13;
    uint256 internal constant DST_EID_OFFSET = 45;
    uint256 internal constant RECEIVER_OFFSET = 49;
    uint256 internal constant GUID_OFFSET = 81;
    uint256 internal constant MESSAGE_OFFSET = 113;

    uint8 internal constant BALANCE_BATCH = 1;
    uint8 internal constant WITHDRAWAL_REQUEST = 2;
    uint8 internal constant APPROVE_WITHDRAWAL = 3;
    uint8 internal constant REJECT_WITHDRAWAL = 4;
    uint8 internal constant SEIZE = 5;

    uint256 internal constant BALANCE_BATCH_LENGTH = 53;
    uint256 internal constant WITHDRAWAL_REQUEST_LENGTH = 121;
    uint256 internal constant WITHDRAWAL_DECISION_LENGTH = 81;
    uint256 internal constant SEIZE_LENGTH = 93;

    /// @notice The header fields of a packet.
    struct Header {
        uint64 nonce;
        uint32 srcEid;
        bytes32 sender;
        uint32 dstEid;
        bytes32 receiver;
        bytes32 guid;
    }

    struct BalanceBatch {
        bytes32 root;
        uint32 leafCount;
        uint64 sourceBlock;
        uint64 sourceTimestamp;
    }

    struct WithdrawalRequest {
        address account;
        address token;
        uint256 amount;
        uint256 balanceAfter;
        uint64 seq;
        uint64 inboundNonce;
    }

    /// @dev APPROVE_WITHDRAWAL and REJECT_WITHDRAWAL share this body.
    struct WithdrawalDecision {
        address account;
        address token;
        uint256 amount;
        uint64 requestNonce;
    }

    struct Seize {
        address account;
        address token;
        uint256 amount;
        address recipient;
    }

    error MessageCodec_InvalidPacket(uint256 length);
    error MessageCodec_InvalidVersion(uint8 version);
    error MessageCodec_InvalidGuid(bytes32 expected, bytes32 actual);
    error MessageCodec_InvalidMessageType(uint8 expected, uint8 actual);
    error MessageCodec_InvalidMessageLength(uint8 messageType, uint256 length);

    // ---------------------------------------------------------------- packet

    /// @notice LayerZero V2 guid of a path and nonce.
    function guidOf(uint64 nonce, uint32 srcEid, bytes32 sender, uint32 dstEid, bytes32 receiver)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(nonce, srcEid, sender, dstEid, receiver));
    }

    /// @notice Builds a packet; the guid is derived from the header.
    function encodePacket(uint64 nonce, uint32 srcEid, address sender, uint32 dstEid, address receiver, bytes memory body)
        internal
        pure
        returns (bytes memory packet, bytes32 guid)
    {
        bytes32 s = addressToBytes32(sender);
        bytes32 r = addressToBytes32(receiver);
        guid = guidOf(nonce, srcEid, s, dstEid, r);
        packet = abi.encodePacked(PACKET_VERSION, nonce, srcEid, s, dstEid, r, guid, body);
    }

    /// @notice Decodes and checks a packet header (version, length, guid).
    function decodeHeader(bytes calldata packet) internal pure returns (Header memory h) {
        if (packet.length < MESSAGE_OFFSET + 1) revert MessageCodec_InvalidPacket(packet.length);
        if (uint8(packet[0]) != PACKET_VERSION) revert MessageCodec_InvalidVersion(uint8(packet[0]));
        h.nonce = uint64(bytes8(packet[NONCE_OFFSET:SRC_EID_OFFSET]));
        h.srcEid = uint32(bytes4(packet[SRC_EID_OFFSET:SENDER_OFFSET]));
        h.sender = bytes32(packet[SENDER_OFFSET:DST_EID_OFFSET]);
        h.dstEid = uint32(bytes4(packet[DST_EID_OFFSET:RECEIVER_OFFSET]));
        h.receiver = bytes32(packet[RECEIVER_OFFSET:GUID_OFFSET]);
        h.guid = bytes32(packet[GUID_OFFSET:MESSAGE_OFFSET]);
        bytes32 expected = guidOf(h.nonce, h.srcEid, h.sender, h.dstEid, h.receiver);
        if (expected != h.guid) revert MessageCodec_InvalidGuid(expected, h.guid);
    }

    /// @notice The message body of a packet.
    function message(bytes calldata packet) internal pure returns (bytes calldata) {
        return packet[MESSAGE_OFFSET:];
    }

    /// @notice The type byte of a message body.
    function messageType(bytes calldata body) internal pure returns (uint8) {
        return uint8(body[0]);
    }

    // ---------------------------------------------------------------- payloads

    function encodeBalanceBatch(BalanceBatch memory b) internal pure returns (bytes memory) {
        return abi.encodePacked(BALANCE_BATCH, b.root, b.leafCount, b.sourceBlock, b.sourceTimestamp);
    }

    function decodeBalanceBatch(bytes calldata body) internal pure returns (BalanceBatch memory b) {
        _expect(body, BALANCE_BATCH, BALANCE_BATCH_LENGTH);
        b.root = bytes32(body[1:33]);
        b.leafCount = uint32(bytes4(body[33:37]));
        b.sourceBlock = uint64(bytes8(body[37:45]));
        b.sourceTimestamp = uint64(bytes8(body[45:53]));
    }

    function encodeWithdrawalRequest(WithdrawalRequest memory w) internal pure returns (bytes memory) {
        return abi.encodePacked(WITHDRAWAL_REQUEST, w.account, w.token, w.amount, w.balanceAfter, w.seq, w.inboundNonce);
    }

    function decodeWithdrawalRequest(bytes calldata body) internal pure returns (WithdrawalRequest memory w) {
        _expect(body, WITHDRAWAL_REQUEST, WITHDRAWAL_REQUEST_LENGTH);
        w.account = address(bytes20(body[1:21]));
        w.token = address(bytes20(body[21:41]));
        w.amount = uint256(bytes32(body[41:73]));
        w.balanceAfter = uint256(bytes32(body[73:105]));
        w.seq = uint64(bytes8(body[105:113]));
        w.inboundNonce = uint64(bytes8(body[113:121]));
    }

    /// @param approve true for APPROVE_WITHDRAWAL, false for REJECT_WITHDRAWAL.
    function encodeWithdrawalDecision(bool approve, WithdrawalDecision memory d) internal pure returns (bytes memory) {
        return abi.encodePacked(approve ? APPROVE_WITHDRAWAL : REJECT_WITHDRAWAL, d.account, d.token, d.amount, d.requestNonce);
    }

    /// @dev The caller has already read the type byte (APPROVE_WITHDRAWAL or REJECT_WITHDRAWAL).
    function decodeWithdrawalDecision(bytes calldata body) internal pure returns (WithdrawalDecision memory d) {
        uint8 t = body.length == 0 ? 0 : uint8(body[0]);
        _expect(body, t == REJECT_WITHDRAWAL ? REJECT_WITHDRAWAL : APPROVE_WITHDRAWAL, WITHDRAWAL_DECISION_LENGTH);
        d.account = address(bytes20(body[1:21]));
        d.token = address(bytes20(body[21:41]));
        d.amount = uint256(bytes32(body[41:73]));
        d.requestNonce = uint64(bytes8(body[73:81]));
    }

    function encodeSeize(Seize memory s) internal pure returns (bytes memory) {
        return abi.encodePacked(SEIZE, s.account, s.token, s.amount, s.recipient);
    }

    function decodeSeize(bytes calldata body) internal pure returns (Seize memory s) {
        _expect(body, SEIZE, SEIZE_LENGTH);
        s.account = address(bytes20(body[1:21]));
        s.token = address(bytes20(body[21:41]));
        s.amount = uint256(bytes32(body[41:73]));
        s.recipient = address(bytes20(body[73:93]));
    }

    // ---------------------------------------------------------------- helpers

    function addressToBytes32(address a) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(a)));
    }

    function bytes32ToAddress(bytes32 b) internal pure returns (address) {
        return address(uint160(uint256(b)));
    }

    function _expect(bytes calldata body, uint8 t, uint256 length) private pure {
        if (body.length == 0 || uint8(body[0]) != t) {
            revert MessageCodec_InvalidMessageType(t, body.length == 0 ? 0 : uint8(body[0]));
        }
        if (body.length != length) revert MessageCodec_InvalidMessageLength(t, body.length);
    }
}
