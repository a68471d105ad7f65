// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {AttackFixture} from "./utils/AttackFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Attacks on the hub's relayed entry points that carry a valid quorum: replayed requests
/// and batches, stale or expired attestations, leaves that lie about their source or are not in
/// the signed root, malformed batch headers, and the risk gates (healthy liquidation, stale price,
/// pause). Each must revert with the exact error (or, for stale seqs, change nothing) and leave
/// credits, outstanding seizes and nonces as they were; a request the hub cannot approve on fresh
/// prices is rejected, never approved.
contract AttacksHubTest is AttackFixture {
    function setUp() public override {
        super.setUp();
        _deposit(alice, 1_000e6);
    }

    // ------------------------------------------------------------ helpers

    /// @dev alice 1,000 USDC (seq 1) and bob 500 USDC (seq 1), both from the vault on CHAIN_A.
    function _twoLeaves() internal view returns (IMarginHub.Leaf[] memory leaves) {
        leaves = new IMarginHub.Leaf[](2);
        leaves[0] = _leaf(CHAIN_A, alice, address(usdc), 1_000e6, 1, 0);
        leaves[1] = _leaf(CHAIN_A, bob, address(usdc), 500e6, 1, 0);
    }

    function _indexOf(IMarginHub.Leaf[] memory leaves, address account) internal pure returns (uint256) {
        for (uint256 i; i < leaves.length; ++i) {
            if (leaves[i].account == account) return i;
        }
        revert("not found");
    }

    function _batchBody(bytes32 root, uint32 leafCount) internal view returns (bytes memory) {
        return MessageCodec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({
                root: root,
                leafCount: leafCount,
                sourceBlock: uint64(block.number),
                sourceTimestamp: uint64(block.timestamp)
            })
        );
    }

    // ------------------------------------------------------------ 1. replayed withdrawal request

    /// @dev The vault's real request (nonce 1) is delivered twice. Accepting it again would send a
    /// second APPROVE (command nonce 2) that releases whatever is pending at the vault then.
    function test_attack_replayedWithdrawalRequestAtHub() public {
        _creditUsdc(alice, 1_000e6, 1);
        bytes memory request = _requestAtVault(alice, 400e6);
        bytes memory sigs = _sigs(request);
        hub.receiveWithdrawalRequest(request, sigs);

        HubSnapshot memory before = _hubSnap(alice);
        assertEq(before.inboundNonce, 1);
        assertEq(before.outboundNonce, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequestAlreadyReceived.selector, CHAIN_A, 1));
        hub.receiveWithdrawalRequest(request, sigs);
        _assertHubUnchanged(before, alice);
    }

    // ------------------------------------------------------------ 2. replayed batch

    function test_attack_replayedBatchFullMode() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _usdcBatch(alice, 1_000e6, 1);
        bytes memory sigs = _sigs(packet);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _creditUsdc(alice, 600e6, 2); // alice's credit moves on

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
    }

    /// @dev A root is accepted once, and its guid is spent for full mode too.
    function test_attack_replayedBatchAsRoot() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        hub.submitRoot(packet, sigs);
        (bytes32 root,,) = hub.batchRoot(guid);

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitRoot(packet, sigs);
        BatchProof memory b = _batchProof(leaves);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
        (bytes32 rootAfter,,) = hub.batchRoot(guid);
        assertEq(rootAfter, root);
    }

    /// @dev The same signed root and leaves, wrapped in a fresh batch nonce (new guid) and signed
    /// again, passes every header check, yet its leaves are older than the credit: the seq guard
    /// keeps the newer 600 and emits no BalanceCredited.
    function test_attack_resignedBatchCannotReapplyStaleLeaves() public {
        (bytes memory packet,, BatchProof memory b) = _usdcBatch(alice, 1_000e6, 1);
        hub.submitBatch(packet, _sigs(packet), b.leaves, b.proof, b.proofFlags);
        _creditUsdc(alice, 600e6, 2);

        (bytes memory again, bytes32 guid) =
            _batchPacket(CHAIN_A, b.root, 1, uint64(block.number), uint64(block.timestamp));
        bytes memory sigs = _sigs(again);
        HubSnapshot memory before = _hubSnap(alice);
        vm.recordLogs();
        vm.expectEmit(address(hub));
        emit IMarginHub.BatchApplied(guid, CHAIN_A, b.root, 1, uint64(block.number));
        hub.submitBatch(again, sigs, b.leaves, b.proof, b.proofFlags);
        assertEq(_creditedEvents(vm.getRecordedLogs()), 0, "stale leaf credited");
        _assertHubUnchanged(before, alice);
        assertEq(before.credit, 600e6);
    }

    // ------------------------------------------------------------ 10. zero root

    /// @dev A zero root proves nothing yet would occupy a guid and, lazily, read as "unknown root".
    function test_attack_zeroRoot() public {
        (,, BatchProof memory b) = _usdcBatch(alice, 1_000e6, 1);
        (bytes memory packet, bytes32 guid) =
            _batchPacket(CHAIN_A, bytes32(0), 1, uint64(block.number), uint64(block.timestamp));
        bytes memory sigs = _sigs(packet);
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(IMarginHub.MarginHub_ZeroRoot.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        vm.expectRevert(IMarginHub.MarginHub_ZeroRoot.selector);
        hub.submitRoot(packet, sigs);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid));
    }

    // ------------------------------------------------------------ 11. expired attestation

    function test_attack_expiredBatchFullMode() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        BatchProof memory b = _batchProof(leaves);
        uint64 ts = uint64(block.timestamp - MAX_AGE - 1);
        (bytes memory packet, bytes32 guid) = _batchPacket(CHAIN_A, b.root, 2, uint64(block.number), ts);
        bytes memory sigs = _sigs(packet);
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_AttestationExpired.selector, ts, MAX_AGE, block.timestamp)
        );
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid));
    }

    /// @dev A root stored while fresh cannot be used to apply a leaf once it is older than the max age.
    function test_attack_expiredRootLeafAppliedLate() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        uint64 ts = uint64(block.timestamp);
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 0);

        vm.warp(block.timestamp + MAX_AGE + 1);
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_AttestationExpired.selector, ts, MAX_AGE, block.timestamp)
        );
        hub.applyLeaf(guid, leaves[0], proof);
        _assertHubUnchanged(before, alice);
    }

    // ------------------------------------------------------------ 12. out-of-order seq / nonce

    /// @dev An older snapshot (seq 4) attested after a newer one (seq 5) is applied as a batch but
    /// changes nothing: no BalanceCredited, credit and seq unchanged.
    function test_attack_olderSeqBatchChangesNothing() public {
        _creditUsdc(alice, 700e6, 5);
        HubSnapshot memory before = _hubSnap(alice);
        vm.recordLogs();
        _creditUsdc(alice, 1_000e6, 4);
        assertEq(_creditedEvents(vm.getRecordedLogs()), 0, "older seq credited");
        _assertHubUnchanged(before, alice);
        assertEq(before.credit, 700e6);
        assertEq(before.seq, 5);
    }

    /// @dev The vault's request 2 delivered before request 1 would let the hub decide on figures
    /// that skip a request; it must wait. In order, both then apply.
    function test_attack_outOfOrderRequestAtHub() public {
        _creditUsdc(alice, 1_000e6, 1);
        bytes memory first = _requestAtVault(alice, 100e6);
        bytes memory second = _requestAtVault(alice, 200e6);
        bytes memory sigs = _sigs(second);

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequestOutOfOrder.selector, CHAIN_A, 1, 2));
        hub.receiveWithdrawalRequest(second, sigs);
        _assertHubUnchanged(before, alice);

        _relayRequest(first);
        _relayRequest(second);
        assertEq(hub.inboundNonce(CHAIN_A), 2);
        (uint256 credit,) = hub.creditedBalance(alice, CHAIN_A, address(usdc));
        assertEq(credit, 700e6);
    }

    // ------------------------------------------------------------ 15. leaf claims another source

    /// @dev The vault on CHAIN_A signs a tree that also holds a leaf claiming chain B (its vault
    /// and WETH): one vault must not credit collateral held on another chain.
    function test_attack_leafClaimsAnotherChainFullMode() public {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](2);
        leaves[0] = _leaf(CHAIN_A, alice, address(usdc), 1_000e6, 1, 0);
        leaves[1] = _leaf(CHAIN_B, bob, wethB, 1_000e18, 1, 0);
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 2, uint64(block.number), uint64(block.timestamp));
        bytes memory sigs = _sigs(packet);
        uint256 foreign = _indexOf(b.leaves, bob);

        HubSnapshot memory aliceBefore = _hubSnap(alice);
        HubSnapshot memory bobBefore = _hubSnap(bob, CHAIN_B, wethB);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, foreign));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(aliceBefore, alice);
        _assertHubUnchanged(bobBefore, bob, CHAIN_B, wethB);
    }

    function test_attack_leafClaimsAnotherChainLazyMode() public {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](2);
        leaves[0] = _leaf(CHAIN_A, alice, address(usdc), 1_000e6, 1, 0);
        leaves[1] = _leaf(CHAIN_B, bob, wethB, 1_000e18, 1, 0);
        (bytes memory packet, bytes32 guid) =
            _batchPacket(CHAIN_A, _root(leaves), 2, uint64(block.number), uint64(block.timestamp));
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 1);

        HubSnapshot memory bobBefore = _hubSnap(bob, CHAIN_B, wethB);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, 0));
        hub.applyLeaf(guid, leaves[1], proof);
        _assertHubUnchanged(bobBefore, bob, CHAIN_B, wethB);
    }

    // ------------------------------------------------------------ 16. unregistered vault

    /// @dev A batch from a chain with no registered vault.
    function test_attack_batchFromUnregisteredChain() public {
        (bytes memory packet,) =
            _packetToHub(_nextBatchNonce(1), OTHER_CHAIN, mallory, _batchBody(keccak256("root"), 1));
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarginHub.MarginHub_UnknownVault.selector, OTHER_CHAIN, MessageCodec.addressToBytes32(mallory)
            )
        );
        hub.submitRoot(packet, sigs);
        assertFalse(hub.batchSubmitted(this.decodeHeader(packet).guid));
    }

    /// @dev A batch claiming a registered chain but sent by another contract there.
    function test_attack_batchFromUnregisteredVaultOnKnownChain() public {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, alice, address(usdc), 1_000_000e6, 9, 0);
        leaves[0].vault = mallory;
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _packetToHub(_nextBatchNonce(1), CHAIN_A, mallory, _batchBody(b.root, 1));
        bytes memory sigs = _sigs(packet);
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarginHub.MarginHub_UnknownVault.selector, CHAIN_A, MessageCodec.addressToBytes32(mallory)
            )
        );
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
    }

    // ------------------------------------------------------------ 17. forged leaf

    /// @dev alice's leaf inflated from 1,000 to 1,000,000 USDC, with the genuine proof.
    function test_attack_forgedLeafFullMode() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        b.leaves[_indexOf(b.leaves, alice)].balance = 1_000_000e6;

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid));
    }

    function test_attack_forgedLeafLazyMode() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 0);
        IMarginHub.Leaf memory forged = leaves[0];
        forged.balance = 1_000_000e6;

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.applyLeaf(guid, forged, proof);
        _assertHubUnchanged(before, alice);
    }

    // ------------------------------------------------------------ 18. batch nonce without the top bit

    /// @dev A batch with nonce 1 has exactly the guid of the vault's request nonce 1 (same path,
    /// same nonce), so the two messages would be indistinguishable by guid.
    function test_attack_batchNonceWithoutTopBit() public {
        (bytes memory packet, bytes32 guid) = _packetToHub(1, CHAIN_A, address(vault), _batchBody(keccak256("root"), 1));
        bytes memory request = _requestAtVault(alice, 100e6);
        assertEq(guid, this.decodeHeader(request).guid, "guids collide");
        bytes memory sigs = _sigs(packet);

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidBatchNonce.selector, 1));
        hub.submitRoot(packet, sigs);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid));
    }

    // ------------------------------------------------------------ 19. tampered packet

    /// @dev The header's nonce is changed but the guid kept: a quorum over the tampered bytes still
    /// fails because the guid no longer derives from the header.
    function test_attack_tamperedBatchGuid() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        uint64 otherNonce = _nextBatchNonce(uint64(block.number));
        bytes memory tampered = _overwrite(packet, MessageCodec.NONCE_OFFSET, abi.encodePacked(otherNonce));
        bytes32 expected = MessageCodec.guidOf(
            otherNonce,
            CHAIN_A,
            MessageCodec.addressToBytes32(address(vault)),
            hubEid,
            MessageCodec.addressToBytes32(address(hub))
        );
        bytes memory sigs = _sigs(tampered);

        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidGuid.selector, expected, guid));
        hub.submitBatch(tampered, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid));
        assertFalse(hub.batchSubmitted(expected));
    }

    // ------------------------------------------------------------ 20. risk gates and pause

    /// @dev liquidation value 990 (1,000 USDC × 99 %) ≥ maintenance 500: nothing is closed or seized.
    function test_attack_liquidateHealthyAccount() public {
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 600e18, 500e18);
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 990e18, 500e18));
        vm.prank(keeper);
        hub.liquidate(alice);
        _assertHubUnchanged(before, alice);
        assertEq(consumer.liquidations(alice), 0);
        assertEq(consumer.maintenanceOf(alice), 500e18);
    }

    /// @dev With a stale USDC price the hub cannot tell whether the withdrawal keeps alice
    /// healthy: USDC counts 0 (0 < 100), so it rejects instead of approving on an old price, and
    /// does not stall the path either. The 400 return to her balance at the vault and stay
    /// credited; once the price is fresh the same withdrawal is approved.
    function test_attack_withdrawalApprovalWithStalePriceRejected() public {
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 100e18, 50e18);
        bytes memory request = _requestAtVault(alice, 400e6);
        vm.warp(START_TIME + 1 days + 1);
        uint256 wallet = usdc.balanceOf(alice);

        bytes memory command = _relayRequest(request);
        assertEq(this.messageTypeOf(command), MessageCodec.REJECT_WITHDRAWAL, "stale price: rejected");
        assertEq(this.decodeDecision(command).amount, 400e6);
        HubSnapshot memory s = _hubSnap(alice);
        assertEq(s.credit, 1_000e6, "600 after the request + 400 credited back");
        assertEq(s.seq, 2);
        assertEq(s.outstanding, 0);
        assertEq(s.lastCommandNonce, 1, "the credited rejection is queued");
        assertEq(s.inboundNonce, 1, "answered: the path moves on");
        assertEq(s.outboundNonce, 1);

        _deliverToVault(command);
        (uint256 balance, uint256 pending,,) = vault.accountState(alice, address(usdc));
        assertEq(balance, 1_000e6, "the 400 returned to balance");
        assertEq(pending, 0);
        assertEq(usdc.balanceOf(alice), wallet, "nothing released");

        usdcFeed.setAnswer(1e8);
        command = _relayRequest(_requestAtVault(alice, 400e6));
        assertEq(this.messageTypeOf(command), MessageCodec.APPROVE_WITHDRAWAL, "fresh price: approved");
        _deliverToVault(command);
        assertEq(usdc.balanceOf(alice), wallet + 400e6);
    }

    /// @dev A paused hub takes no batch, root, leaf or request, however well attested.
    function test_attack_pausedHubRejectsPackets() public {
        IMarginHub.Leaf[] memory leaves = _twoLeaves();
        (bytes memory rootPacket, bytes32 rootGuid) = _batchPacketFor(leaves);
        hub.submitRoot(rootPacket, _sigs(rootPacket));
        bytes32[] memory proof = _leafProof(leaves, 0);
        (bytes memory packet,, BatchProof memory b) = _usdcBatch(alice, 1_000e6, 1);
        bytes memory sigs = _sigs(packet);
        bytes memory request = _requestAtVault(alice, 100e6);
        bytes memory requestSigs = _sigs(request);

        vm.prank(guardian);
        hub.pause();
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.submitRoot(packet, sigs);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.applyLeaf(rootGuid, leaves[0], proof);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.receiveWithdrawalRequest(request, requestSigs);
        _assertHubUnchanged(before, alice);
    }
}
