// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {MessageCodecHarness} from "./utils/MessageCodecHarness.sol";

contract MessageCodecTest is Test {
    MessageCodecHarness internal codec;

    address internal constant ACCOUNT = 0x1111111111111111111111111111111111111111;
    address internal constant TOKEN = 0x2222222222222222222222222222222222222222;
    address internal constant RECIPIENT = 0x3333333333333333333333333333333333333333;
    address internal constant SENDER = 0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa;
    address internal constant RECEIVER = 0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB;

    function setUp() public {
        codec = new MessageCodecHarness();
    }

    // ---------------------------------------------------------------- fixed examples, byte for byte

    function _examplePacket() internal view returns (bytes memory packet, bytes32 guid) {
        (packet, guid) = codec.encodePacket(0x0102030405060708, 1, SENDER, 42161, RECEIVER, hex"05aabb");
    }

    function test_encodePacket_matchesHandWrittenBytes() public view {
        (bytes memory packet, bytes32 guid) = _examplePacket();
        bytes memory preimage = hex"0102030405060708" // nonce
            hex"00000001" // srcEid
            hex"000000000000000000000000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // sender
            hex"0000a4b1" // dstEid 42161
            hex"000000000000000000000000bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"; // receiver
        bytes32 expectedGuid = keccak256(preimage);
        bytes memory expected = bytes.concat(hex"01", preimage, expectedGuid, hex"05aabb");
        assertEq(guid, expectedGuid, "guid");
        assertEq(packet, expected, "packet bytes");
        assertEq(packet.length, MessageCodec.MESSAGE_OFFSET + 3, "length");
        // named offsets point at the right fields
        assertEq(uint8(packet[0]), MessageCodec.PACKET_VERSION);
        assertEq(uint8(packet[MessageCodec.NONCE_OFFSET]), 0x01);
        assertEq(uint8(packet[MessageCodec.SRC_EID_OFFSET + 3]), 0x01);
        assertEq(uint8(packet[MessageCodec.SENDER_OFFSET + 12]), 0xaa);
        assertEq(uint8(packet[MessageCodec.DST_EID_OFFSET + 2]), 0xa4);
        assertEq(uint8(packet[MessageCodec.RECEIVER_OFFSET + 31]), 0xbb);
        assertEq(uint8(packet[MessageCodec.MESSAGE_OFFSET]), 0x05);
    }

    function test_decodeHeader_readsFixedExample() public view {
        (bytes memory packet, bytes32 guid) = _examplePacket();
        MessageCodec.Header memory h = codec.decodeHeader(packet);
        assertEq(h.nonce, 0x0102030405060708);
        assertEq(h.srcEid, 1);
        assertEq(h.sender, bytes32(uint256(uint160(SENDER))));
        assertEq(h.dstEid, 42161);
        assertEq(h.receiver, bytes32(uint256(uint160(RECEIVER))));
        assertEq(h.guid, guid);
        assertEq(codec.message(packet), hex"05aabb");
        assertEq(codec.messageType(codec.message(packet)), 5);
    }

    function test_encodeBalanceBatch_matchesHandWrittenBytes() public view {
        bytes memory body = codec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({
                root: 0x0101010101010101010101010101010101010101010101010101010101010101,
                leafCount: 3,
                sourceBlock: 0x1234,
                sourceTimestamp: 0x65000000
            })
        );
        bytes memory expected = hex"01" // type
            hex"0101010101010101010101010101010101010101010101010101010101010101" // root [1:33]
            hex"00000003" // leafCount [33:37]
            hex"0000000000001234" // sourceBlock [37:45]
            hex"0000000065000000"; // sourceTimestamp [45:53]
        assertEq(body, expected);
        assertEq(body.length, MessageCodec.BALANCE_BATCH_LENGTH);
    }

    function test_encodeWithdrawalRequest_matchesHandWrittenBytes() public view {
        bytes memory body = codec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({
                account: ACCOUNT, token: TOKEN, amount: 1000, balanceAfter: 5, seq: 7, inboundNonce: 9
            })
        );
        bytes memory expected = hex"02" // type
            hex"1111111111111111111111111111111111111111" // account [1:21]
            hex"2222222222222222222222222222222222222222" // token [21:41]
            hex"00000000000000000000000000000000000000000000000000000000000003e8" // amount [41:73]
            hex"0000000000000000000000000000000000000000000000000000000000000005" // balanceAfter [73:105]
            hex"0000000000000007" // seq [105:113]
            hex"0000000000000009"; // inboundNonce [113:121]
        assertEq(body, expected);
        assertEq(body.length, MessageCodec.WITHDRAWAL_REQUEST_LENGTH);
    }

    function test_encodeWithdrawalDecision_matchesHandWrittenBytes() public view {
        MessageCodec.WithdrawalDecision memory d =
            MessageCodec.WithdrawalDecision({account: ACCOUNT, token: TOKEN, amount: 1000, requestNonce: 4});
        bytes memory tail = hex"1111111111111111111111111111111111111111" // account [1:21]
            hex"2222222222222222222222222222222222222222" // token [21:41]
            hex"00000000000000000000000000000000000000000000000000000000000003e8" // amount [41:73]
            hex"0000000000000004"; // requestNonce [73:81]
        assertEq(codec.encodeWithdrawalDecision(true, d), bytes.concat(hex"03", tail), "approve");
        assertEq(codec.encodeWithdrawalDecision(false, d), bytes.concat(hex"04", tail), "reject");
        assertEq(codec.encodeWithdrawalDecision(true, d).length, MessageCodec.WITHDRAWAL_DECISION_LENGTH);
    }

    function test_encodeSeize_matchesHandWrittenBytes() public view {
        bytes memory body = codec.encodeSeize(
            MessageCodec.Seize({account: ACCOUNT, token: TOKEN, amount: 1000, recipient: RECIPIENT})
        );
        bytes memory expected = hex"05" // type
            hex"1111111111111111111111111111111111111111" // account [1:21]
            hex"2222222222222222222222222222222222222222" // token [21:41]
            hex"00000000000000000000000000000000000000000000000000000000000003e8" // amount [41:73]
            hex"3333333333333333333333333333333333333333"; // recipient [73:93]
        assertEq(body, expected);
        assertEq(body.length, MessageCodec.SEIZE_LENGTH);
    }

    // ---------------------------------------------------------------- round trips (fuzzed)

    function testFuzz_decodeHeader_roundTrips(
        uint64 nonce,
        uint32 srcEid,
        address sender,
        uint32 dstEid,
        address receiver,
        bytes memory body
    ) public view {
        vm.assume(body.length > 0);
        (bytes memory packet, bytes32 guid) = codec.encodePacket(nonce, srcEid, sender, dstEid, receiver, body);
        MessageCodec.Header memory h = codec.decodeHeader(packet);
        assertEq(h.nonce, nonce);
        assertEq(h.srcEid, srcEid);
        assertEq(codec.bytes32ToAddress(h.sender), sender);
        assertEq(h.dstEid, dstEid);
        assertEq(codec.bytes32ToAddress(h.receiver), receiver);
        assertEq(h.guid, guid);
        assertEq(codec.message(packet), body);
        assertEq(packet.length, MessageCodec.MESSAGE_OFFSET + body.length);
    }

    function testFuzz_guidOf_isKeccakOfPackedHeader(
        uint64 nonce,
        uint32 srcEid,
        bytes32 sender,
        uint32 dstEid,
        bytes32 receiver
    ) public view {
        assertEq(
            codec.guidOf(nonce, srcEid, sender, dstEid, receiver),
            keccak256(abi.encodePacked(nonce, srcEid, sender, dstEid, receiver))
        );
    }

    function testFuzz_encodePacket_guidMatchesGuidOf(uint64 nonce, uint32 srcEid, address sender, uint32 dstEid, address receiver)
        public
        view
    {
        (, bytes32 guid) = codec.encodePacket(nonce, srcEid, sender, dstEid, receiver, hex"01");
        bytes32 s = bytes32(uint256(uint160(sender)));
        bytes32 r = bytes32(uint256(uint160(receiver)));
        assertEq(guid, keccak256(abi.encodePacked(nonce, srcEid, s, dstEid, r)));
    }

    function testFuzz_addressToBytes32_roundTrips(address a) public view {
        bytes32 b = codec.addressToBytes32(a);
        assertEq(uint256(b), uint256(uint160(a)));
        assertEq(codec.bytes32ToAddress(b), a);
    }

    function testFuzz_decodeBalanceBatch_roundTrips(MessageCodec.BalanceBatch memory b) public view {
        MessageCodec.BalanceBatch memory out = codec.decodeBalanceBatch(codec.encodeBalanceBatch(b));
        assertEq(out.root, b.root);
        assertEq(out.leafCount, b.leafCount);
        assertEq(out.sourceBlock, b.sourceBlock);
        assertEq(out.sourceTimestamp, b.sourceTimestamp);
    }

    function testFuzz_decodeWithdrawalRequest_roundTrips(MessageCodec.WithdrawalRequest memory w) public view {
        MessageCodec.WithdrawalRequest memory out = codec.decodeWithdrawalRequest(codec.encodeWithdrawalRequest(w));
        assertEq(out.account, w.account);
        assertEq(out.token, w.token);
        assertEq(out.amount, w.amount);
        assertEq(out.balanceAfter, w.balanceAfter);
        assertEq(out.seq, w.seq);
        assertEq(out.inboundNonce, w.inboundNonce);
    }

    function testFuzz_decodeWithdrawalDecision_roundTrips(bool approve, MessageCodec.WithdrawalDecision memory d) public view {
        bytes memory body = codec.encodeWithdrawalDecision(approve, d);
        assertEq(codec.messageType(body), approve ? MessageCodec.APPROVE_WITHDRAWAL : MessageCodec.REJECT_WITHDRAWAL);
        MessageCodec.WithdrawalDecision memory out = codec.decodeWithdrawalDecision(body);
        assertEq(out.account, d.account);
        assertEq(out.token, d.token);
        assertEq(out.amount, d.amount);
        assertEq(out.requestNonce, d.requestNonce);
    }

    function testFuzz_decodeSeize_roundTrips(MessageCodec.Seize memory s) public view {
        MessageCodec.Seize memory out = codec.decodeSeize(codec.encodeSeize(s));
        assertEq(out.account, s.account);
        assertEq(out.token, s.token);
        assertEq(out.amount, s.amount);
        assertEq(out.recipient, s.recipient);
    }

    // ---------------------------------------------------------------- decode errors

    function test_decodeHeader_revertsOnEmptyPacket() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidPacket.selector, 0));
        codec.decodeHeader("");
    }

    function test_decodeHeader_revertsWithoutMessage() public {
        (bytes memory packet,) = _examplePacket();
        bytes memory headerOnly = _slice(packet, 0, MessageCodec.MESSAGE_OFFSET);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidPacket.selector, 113));
        codec.decodeHeader(headerOnly);
    }

    function test_decodeHeader_revertsOnWrongVersion() public {
        (bytes memory packet,) = _examplePacket();
        packet[0] = 0x02;
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidVersion.selector, 2));
        codec.decodeHeader(packet);
    }

    function test_decodeHeader_revertsOnTamperedGuid() public {
        (bytes memory packet, bytes32 guid) = _examplePacket();
        packet[MessageCodec.GUID_OFFSET] = bytes1(uint8(packet[MessageCodec.GUID_OFFSET]) ^ 0xff);
        bytes32 tampered = guid ^ bytes32(uint256(0xff) << 248);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidGuid.selector, guid, tampered));
        codec.decodeHeader(packet);
    }

    function test_decodeHeader_revertsOnTamperedHeaderField() public {
        (bytes memory packet, bytes32 guid) = _examplePacket();
        // nonce 0x0102030405060708 -> 0x0102030405060709: the guid no longer matches the header.
        packet[MessageCodec.SRC_EID_OFFSET - 1] = 0x09;
        bytes32 expected = keccak256(
            abi.encodePacked(
                uint64(0x0102030405060709),
                uint32(1),
                bytes32(uint256(uint160(SENDER))),
                uint32(42161),
                bytes32(uint256(uint160(RECEIVER)))
            )
        );
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidGuid.selector, expected, guid));
        codec.decodeHeader(packet);
    }

    function test_decodeSeize_revertsOnWrongType() public {
        bytes memory body = codec.encodeWithdrawalDecision(
            true, MessageCodec.WithdrawalDecision({account: ACCOUNT, token: TOKEN, amount: 1, requestNonce: 1})
        );
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageType.selector, 5, 3));
        codec.decodeSeize(body);
    }

    function test_decodeWithdrawalDecision_revertsOnWrongType() public {
        bytes memory body =
            codec.encodeSeize(MessageCodec.Seize({account: ACCOUNT, token: TOKEN, amount: 1, recipient: RECIPIENT}));
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageType.selector, 3, 5));
        codec.decodeWithdrawalDecision(body);
    }

    function test_decodeWithdrawalRequest_revertsOnEmptyBody() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageType.selector, 2, 0));
        codec.decodeWithdrawalRequest("");
    }

    function test_decodeBalanceBatch_revertsOnWrongType() public {
        bytes memory body = new bytes(MessageCodec.BALANCE_BATCH_LENGTH);
        body[0] = 0x02;
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageType.selector, 1, 2));
        codec.decodeBalanceBatch(body);
    }

    function test_decodeBalanceBatch_revertsOnWrongLength() public {
        bytes memory body = bytes.concat(
            codec.encodeBalanceBatch(
                MessageCodec.BalanceBatch({root: bytes32(uint256(1)), leafCount: 1, sourceBlock: 1, sourceTimestamp: 1})
            ),
            hex"00"
        );
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageLength.selector, 1, 54));
        codec.decodeBalanceBatch(body);
    }

    function test_decodeWithdrawalRequest_revertsOnWrongLength() public {
        bytes memory body = codec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({
                account: ACCOUNT, token: TOKEN, amount: 1, balanceAfter: 1, seq: 1, inboundNonce: 0
            })
        );
        bytes memory short = _slice(body, 0, body.length - 1);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageLength.selector, 2, 120));
        codec.decodeWithdrawalRequest(short);
    }

    function test_decodeWithdrawalDecision_revertsOnWrongLength() public {
        bytes memory body = bytes.concat(
            codec.encodeWithdrawalDecision(
                false, MessageCodec.WithdrawalDecision({account: ACCOUNT, token: TOKEN, amount: 1, requestNonce: 1})
            ),
            hex"0000"
        );
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageLength.selector, 4, 83));
        codec.decodeWithdrawalDecision(body);
    }

    function test_decodeSeize_revertsOnWrongLength() public {
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageLength.selector, 5, 1));
        codec.decodeSeize(hex"05");
    }

    // ---------------------------------------------------------------- helpers

    function _slice(bytes memory b, uint256 from, uint256 to) internal pure returns (bytes memory out) {
        out = new bytes(to - from);
        for (uint256 i = from; i < to; ++i) {
            out[i - from] = b[i];
        }
    }
}
