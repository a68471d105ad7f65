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

    function test_receiveWithdrawalRequest_stalePriceRevertsWithPositions() public {
        consumer.setRequirement(alice, 100e18, 50e18);
        vm.warp(block.timestamp + 1 hours + 1); // WETH feed (heartbeat 1 h) is stale; USDC (1 day) is not
        (bytes memory packet,) = _request(1, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_StalePrice.selector, address(ethFeed), START_TIME, uint256(1 hours))
        );
        hub.receiveWithdrawalRequest(packet, sigs);
        assertEq(hub.inboundNonce(CHAIN_A), 0, "the relayer retries later");

        ethFeed.setAnswer(2_000e8);
        hub.receiveWithdrawalRequest(packet, sigs);
        assertEq(hub.inboundNonce(CHAIN_A), 1);
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

    function test_receiveWithdrawalRequest_nonPositivePriceReverts() public {
        consumer.setRequirement(alice, 100e18, 50e18);
        ethFeed.setAnswer(0);
        (bytes memory packet,) = _request(1, 1e6, 999e6, 2);
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidPrice.selector, address(ethFeed), int256(0)));
        hub.receiveWithdrawalRequest(packet, sigs);
        ethFeed.setAnswer(-1);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidPrice.selector, address(ethFeed), int256(-1)));
        hub.receiveWithdrawalRequest(packet, sigs);
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
}
