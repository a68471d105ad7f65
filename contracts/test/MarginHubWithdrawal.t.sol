// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice `receiveWithdrawalRequest`: ordering, the post-request leaf, the approval rule and
/// the decision packet.
contract MarginHubWithdrawalTest is HubFixture {
    address internal alice = makeAddr("alice");
    MockConsumer internal consumer;

    function setUp() public override {
        super.setUp();
        consumer = _deployMockConsumer();
        // alice: 1,000 USDC on A (adjusted 980) and 1 WETH on B (adjusted 1,700)
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
    }

    function _request(uint64 nonce, uint256 amount, uint256 balanceAfter, uint64 seq)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return _withdrawalPacket(
            CHAIN_A,
            nonce,
            MessageCodec.WithdrawalRequest({
                account: alice,
                token: usdcA,
                amount: amount,
                balanceAfter: balanceAfter,
                seq: seq,
                inboundNonce: 0
            })
        );
    }

    function _requestAt(uint64 nonce, uint256 amount, uint256 balanceAfter, uint64 seq, uint64 inboundNonce)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return _withdrawalPacket(
            CHAIN_A,
            nonce,
            MessageCodec.WithdrawalRequest({
                account: alice,
                token: usdcA,
                amount: amount,
                balanceAfter: balanceAfter,
                seq: seq,
                inboundNonce: inboundNonce
            })
        );
    }

    function _expectedDecision(bool approved, uint256 amount, uint64 commandNonce, uint64 requestNonce)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return MessageCodec.encodePacket(
            commandNonce,
            hub.localEid(),
            address(hub),
            CHAIN_A,
            vaultA,
            MessageCodec.encodeWithdrawalDecision(
                approved, MessageCodec.WithdrawalDecision({account: alice, token: usdcA, amount: amount, requestNonce: requestNonce})
            )
        );
    }

    // ------------------------------------------------------------ decisions

    function test_receiveWithdrawalRequest_approvesWithoutRequirement() public {
        (bytes memory packet, bytes32 guid) = _request(1, 400e6, 600e6, 2);
        bytes memory sigs = _sigs(packet);
        (bytes memory command, bytes32 commandGuid) = _expectedDecision(true, 400e6, 1, 1);

        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalRequestReceived(guid, alice, CHAIN_A, usdcA, 400e6, 1);
        vm.expectEmit(address(hub));
        emit IMarginHub.BalanceCredited(alice, CHAIN_A, usdcA, 600e6, 2, 0);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 1, CHAIN_A, command);
        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalDecided(guid, alice, CHAIN_A, usdcA, 400e6, true, commandGuid);
        hub.receiveWithdrawalRequest(packet, sigs);

        assertEq(hub.inboundNonce(CHAIN_A), 1);
        assertEq(hub.outboundNonce(CHAIN_A), 1);
        assertEq(hub.outboundNonce(CHAIN_B), 0);
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 600e6, "post-request figures applied");
        assertEq(seq, 2);
    }

    function test_receiveWithdrawalRequest_decisionPacketDecodes() public {
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1);
        assertEq(dst[0], CHAIN_A);
        MessageCodec.Header memory h = this.decodeHeader(packets[0]);
        assertEq(h.nonce, 1);
        assertEq(h.srcEid, hub.localEid());
        assertEq(h.sender, MessageCodec.addressToBytes32(address(hub)));
        assertEq(h.dstEid, CHAIN_A);
        assertEq(h.receiver, MessageCodec.addressToBytes32(vaultA));
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.APPROVE_WITHDRAWAL);
        MessageCodec.WithdrawalDecision memory d = this.decodeDecision(packets[0]);
        assertEq(d.account, alice);
        assertEq(d.token, usdcA);
        assertEq(d.amount, 400e6);
        assertEq(d.requestNonce, 1);
    }

    function test_receiveWithdrawalRequest_approvesWhenStillHealthy() public {
        // after withdrawing 400 USDC: adjusted = 588 + 1,700 = 2,288
        consumer.setRequirement(alice, 2_288e18, 1_000e18);
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.APPROVE_WITHDRAWAL, "adjusted == initial approves");
    }

    function test_receiveWithdrawalRequest_rejectsWhenUnhealthyAfter() public {
        consumer.setRequirement(alice, 2_288e18 + 1, 1_000e18);
        (bytes memory packet, bytes32 guid) = _request(1, 400e6, 600e6, 2);
        bytes memory sigs = _sigs(packet);
        (bytes memory command, bytes32 commandGuid) = _expectedDecision(false, 400e6, 1, 1);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 1, CHAIN_A, command);
        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalDecided(guid, alice, CHAIN_A, usdcA, 400e6, false, commandGuid);
        hub.receiveWithdrawalRequest(packet, sigs);
        // the request's figures are applied, then the rejected amount is credited again (no seize
        // was ever ordered, so the vault returns all of it to balance)
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 600e6 + 400e6);
    }

    function test_receiveWithdrawalRequest_rejectedDecisionDecodes() public {
        consumer.setRequirement(alice, 10_000e18, 1_000e18);
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 999e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.REJECT_WITHDRAWAL);
        MessageCodec.WithdrawalDecision memory d = this.decodeDecision(packets[0]);
        assertEq(d.amount, 1e6);
        assertEq(d.requestNonce, 1);
    }

    /// @dev With WETH stale (heartbeat 1 h; USDC's is 1 day) WETH counts 0: adjusted 999·0.98 =
    /// 979.02 < 1,000, so the hub rejects instead of reverting, and the path moves on. Once the price
    /// is fresh the same withdrawal is approved (979.02 + 1,700 ≥ 1,000).
    /// @dev A credited rejection is queued until a leaf acknowledges it: a leaf read before the
    /// vault applied the REJECT (its 400 still pending) keeps the add-back; one read after does not
    /// need it.
    function test_receiveWithdrawalRequest_rejectionQueuedUntilAcknowledged() public {
        consumer.setRequirement(alice, 10_000e18, 1_000e18);
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0); // REJECT, command nonce 1
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0, "a rejection is not a seize");
        assertEq(last, 1, "but it is queued");

        // a deposit of 50 before the REJECT applied: balance 650, seq 3, inboundNonce 0
        _creditUsdcLeaf(650e6, 3, 0);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_050e6, "650 + the queued 400");
        (, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(last, 1);

        // the REJECT applied: balance 1,050, seq 4, inboundNonce 1
        _creditUsdcLeaf(1_050e6, 4, 1);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_050e6);
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0);
        assertEq(last, 0, "acknowledged: cleared");
    }

    /// @dev At most 8 credited rejections wait in a key's queue: the 9th is not added back (the
    /// credit stays conservative) until leaves acknowledge some of them.
    function test_receiveWithdrawalRequest_rejectAddBackCappedAtEightQueued() public {
        consumer.setRequirement(alice, 10_000e18, 1_000e18);
        for (uint64 k = 1; k <= 8; ++k) {
            // request k of 1 USDC, none of the REJECTs applied yet: balance 1,000 − k, seq 1 + k
            _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 1_000e6 - k * 1e6, 1 + k, 0);
            (uint256 credited,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
            assertEq(credited, 1_000e6, "each rejection credited again");
        }
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 991e6, 10, 0);
        assertEq(_creditedCount(vm.getRecordedLogs()), 1, "only the request's figures");
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 999e6, "991 + the 8 queued; the 9th is not added back");
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0);
        assertEq(last, 8, "the 9th is not queued");

        // the vault applied REJECTs 1-4: balance 995, seq 14, inboundNonce 4; 5-8 stay queued
        _creditUsdcLeaf(995e6, 14, 4);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 999e6, "995 + 4 queued");
        // room again: the 10th rejection is credited back
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 994e6, 15, 4);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 999e6, "994 + 4 queued + 1 added back");
        (, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(last, 10);
        // every REJECT applied: balance 1,000, seq 21, inboundNonce 10
        _creditUsdcLeaf(1_000e6, 21, 10);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
        (, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(last, 0);
    }

    function test_receiveWithdrawalRequest_stalePriceRejectsWithPositions() public {
        consumer.setRequirement(alice, 1_000e18, 50e18);
        vm.warp(block.timestamp + 1 hours + 1);
        (bytes memory packet, bytes32 guid) = _request(1, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        (bytes memory command, bytes32 commandGuid) = _expectedDecision(false, 1e6, 1, 1);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 1, CHAIN_A, command);
        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalDecided(guid, alice, CHAIN_A, usdcA, 1e6, false, commandGuid);
        hub.receiveWithdrawalRequest(packet, sigs);
        assertEq(hub.inboundNonce(CHAIN_A), 1, "answered, not left for a retry");
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6, "the rejected amount is credited again");

        ethFeed.setAnswer(2_000e8);
        // the vault applied the REJECT (balance 1,000, seq 3, inboundNonce 1), then alice asks again
        (packet, guid) = _requestAt(2, 1e6, 999e6, 4, 1);
        (command, commandGuid) = _expectedDecision(true, 1e6, 2, 2);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 2, CHAIN_A, command);
        hub.receiveWithdrawalRequest(packet, _sigs(packet));
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 999e6);
    }

    function test_receiveWithdrawalRequest_stalePriceDoesNotBlockWithoutPositions() public {
        vm.warp(block.timestamp + 2 days); // every feed is stale
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 999e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.APPROVE_WITHDRAWAL);
    }

    function test_receiveWithdrawalRequest_staleFeedOfUnheldCollateralIgnored() public {
        consumer.setRequirement(alice, 100e18, 50e18);
        btcFeed.setRoundData(60_000e18, START_TIME - 2 hours); // alice holds no WBTC
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 999e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.APPROVE_WITHDRAWAL);
    }

    /// @dev A zero, then a negative ETH price counts WETH as 0: both requests are rejected (979.02 < 1,000).
    function test_receiveWithdrawalRequest_nonPositivePriceRejects() public {
        consumer.setRequirement(alice, 1_000e18, 50e18);
        ethFeed.setAnswer(0);
        (bytes memory packet, bytes32 guid) = _request(1, 1e6, 999e6, 2);
        (bytes memory command, bytes32 commandGuid) = _expectedDecision(false, 1e6, 1, 1);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 1, CHAIN_A, command);
        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalDecided(guid, alice, CHAIN_A, usdcA, 1e6, false, commandGuid);
        hub.receiveWithdrawalRequest(packet, _sigs(packet));

        ethFeed.setAnswer(-1);
        (packet, guid) = _requestAt(2, 1e6, 999e6, 4, 1);
        (command, commandGuid) = _expectedDecision(false, 1e6, 2, 2);
        vm.expectEmit(address(hub));
        emit IMarginHub.PacketSent(commandGuid, 2, CHAIN_A, command);
        vm.expectEmit(address(hub));
        emit IMarginHub.WithdrawalDecided(guid, alice, CHAIN_A, usdcA, 1e6, false, commandGuid);
        hub.receiveWithdrawalRequest(packet, _sigs(packet));
        assertEq(hub.inboundNonce(CHAIN_A), 2);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
    }

    /// @dev A consumer that cannot price its requirement makes every approval unsafe: rejected,
    /// even without a requirement, and the amount is credited again.
    function test_receiveWithdrawalRequest_unpricedRequirementRejects() public {
        consumer.setUnpriced(true);
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1);
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.REJECT_WITHDRAWAL);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
    }

    /// @dev A consumer whose `marginRequirement` reverts does not stall the path: rejected.
    function test_receiveWithdrawalRequest_revertingConsumerRejects() public {
        consumer.setRevertRequirement(true);
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1);
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.REJECT_WITHDRAWAL);
        assertEq(hub.inboundNonce(CHAIN_A), 1);
        consumer.setRevertRequirement(false);
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 4, 1);
        (, packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(this.messageTypeOf(packets[0]), MessageCodec.APPROVE_WITHDRAWAL);
    }

    function test_receiveWithdrawalRequest_staleSeqStillDecides() public {
        _credit(CHAIN_A, alice, usdcA, 500e6, 5); // a later batch already landed
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 400e6, 600e6, 2, 0);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != IMarginHub.BalanceCredited.selector, "stale request figures change nothing");
        }
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 500e6);
        assertEq(seq, 5);
        (, bytes[] memory packets) = _sentPackets(logs);
        assertEq(packets.length, 1);
    }

    function test_receiveWithdrawalRequest_noncesPerPath() public {
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 999e6, 2, 0);
        _requestWithdrawal(CHAIN_B, alice, wethB, 1e17, 9e17, 2, 0);
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1e6, 998e6, 3, 0);
        assertEq(hub.inboundNonce(CHAIN_A), 2);
        assertEq(hub.inboundNonce(CHAIN_B), 1);
        assertEq(hub.outboundNonce(CHAIN_A), 2);
        assertEq(hub.outboundNonce(CHAIN_B), 1);
    }

    // ------------------------------------------------------------ rejections

    function test_receiveWithdrawalRequest_revertsOnReplay() public {
        (bytes memory packet,) = _request(1, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        hub.receiveWithdrawalRequest(packet, sigs);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequestAlreadyReceived.selector, CHAIN_A, 1));
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOutOfOrder() public {
        (bytes memory packet,) = _request(2, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequestOutOfOrder.selector, CHAIN_A, 1, 2));
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOnZeroNonce() public {
        (bytes memory packet,) = _request(0, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequestAlreadyReceived.selector, CHAIN_A, 0));
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOnWrongDestination() public {
        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({account: alice, token: usdcA, amount: 1, balanceAfter: 0, seq: 2, inboundNonce: 0})
        );
        (bytes memory packet,) = MessageCodec.encodePacket(1, CHAIN_A, vaultA, CHAIN_B, address(hub), body);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_WrongDestination.selector, CHAIN_B, MessageCodec.addressToBytes32(address(hub)))
        );
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOnUnknownVault() public {
        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({account: alice, token: usdcA, amount: 1, balanceAfter: 0, seq: 2, inboundNonce: 0})
        );
        address impostor = makeAddr("impostor");
        (bytes memory packet,) = _packetToHub(1, CHAIN_A, impostor, body);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_UnknownVault.selector, CHAIN_A, MessageCodec.addressToBytes32(impostor))
        );
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOnUnexpectedMessage() public {
        (bytes memory packet,) = _batchPacket(CHAIN_A, keccak256("root"), 1, 1, uint64(block.timestamp));
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_UnexpectedMessage.selector, MessageCodec.BALANCE_BATCH));
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsOnBalanceAboveUint128() public {
        uint256 tooBig = uint256(type(uint128).max) + 1;
        (bytes memory packet,) = _request(1, 1, tooBig, 2);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BalanceTooLarge.selector, tooBig));
        hub.receiveWithdrawalRequest(packet, sigs);
    }

    function test_receiveWithdrawalRequest_revertsBelowQuorum() public {
        (bytes memory packet,) = _request(1, 1e6, 999e6, 2);
        bytes memory oneSig = _attest(IQuorumVerifier(address(hub)), packet, 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, 2));
        hub.receiveWithdrawalRequest(packet, oneSig);
    }

    function test_receiveWithdrawalRequest_revertsWhenPaused() public {
        (bytes memory packet,) = _request(1, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        vm.prank(guardian);
        hub.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.receiveWithdrawalRequest(packet, sigs);
        vm.prank(owner);
        hub.unpause();
        hub.receiveWithdrawalRequest(packet, sigs);
        assertEq(hub.inboundNonce(CHAIN_A), 1);
    }

    /// @dev Credits alice's USDC on chain A from a one-leaf batch with the given figures.
    function _creditUsdcLeaf(uint256 balance, uint64 seq, uint64 inboundNonce) internal {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, balance, seq, inboundNonce);
        _submit(leaves);
    }

    function _creditedCount(Vm.Log[] memory logs) internal view returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(hub) && logs[i].topics[0] == IMarginHub.BalanceCredited.selector) ++n;
        }
    }
}
