// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {HubFixture} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Shared accounts, leaves and packet helpers of the batch tests.
abstract contract BatchTestBase is HubFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function _threeLeaves() internal view returns (IMarginHub.Leaf[] memory leaves) {
        leaves = new IMarginHub.Leaf[](3);
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, 1_000e6, 1, 0);
        leaves[1] = _leaf(CHAIN_A, bob, usdcA, 2_000e6, 4, 0);
        leaves[2] = _leaf(CHAIN_A, carol, wbtcA, 3e8, 2, 0);
    }

    // ------------------------------------------------------------ helpers

    function _batchBody(bytes32 root, uint32 leafCount) internal view returns (bytes memory) {
        return MessageCodec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({
                root: root,
                leafCount: leafCount,
                sourceBlock: 1,
                sourceTimestamp: uint64(block.timestamp)
            })
        );
    }

    function _guidOf(bytes memory packet) internal view returns (bytes32) {
        return this.decodeHeader(packet).guid;
    }

    function _indexOf(IMarginHub.Leaf[] memory leaves, address account) internal pure returns (uint256) {
        for (uint256 i; i < leaves.length; ++i) {
            if (leaves[i].account == account) return i;
        }
        revert("not found");
    }
}

/// @notice Full-batch mode (`submitBatch`) and credit sequencing.
contract MarginHubBatchTest is BatchTestBase {
    // ------------------------------------------------------------ submitBatch: happy paths

    function test_submitBatch_creditsEveryLeafAndEmits() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);

        for (uint256 i; i < 3; ++i) {
            IMarginHub.Leaf memory l = b.leaves[i];
            vm.expectEmit(address(hub));
            emit IMarginHub.BalanceCredited(l.account, l.chainId, l.token, l.balance, l.seq, l.sourceBlock);
        }
        vm.expectEmit(address(hub));
        emit IMarginHub.BatchApplied(guid, CHAIN_A, b.root, 3, uint64(block.number));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);

        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
        assertEq(seq, 1);
        (bal, seq) = hub.creditedBalance(bob, CHAIN_A, usdcA);
        assertEq(bal, 2_000e6);
        assertEq(seq, 4);
        (bal, seq) = hub.creditedBalance(carol, CHAIN_A, wbtcA);
        assertEq(bal, 3e8);
        assertEq(seq, 2);
        assertTrue(hub.batchSubmitted(guid));
        (bytes32 root,,) = hub.batchRoot(guid);
        assertEq(root, bytes32(0), "full mode stores no root");
    }

    function test_submitBatch_singleLeafTree() public {
        _credit(CHAIN_B, alice, wethB, 5e18, 9);
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 5e18);
        assertEq(seq, 9);
    }

    function test_submitBatch_anyAttesterPairIsAQuorum() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        uint256[] memory keys = new uint256[](2);
        (keys[0], keys[1]) = (attesterKeys[1], attesterKeys[2]);
        hub.submitBatch(packet, _attestWith(IQuorumVerifier(address(hub)), packet, keys), b.leaves, b.proof, b.proofFlags);
        (uint256 bal,) = hub.creditedBalance(bob, CHAIN_A, usdcA);
        assertEq(bal, 2_000e6);
    }

    function test_submitBatch_creditsUnconfiguredTokenWorthZero() public {
        address unknownToken = makeAddr("unknown@A");
        _credit(CHAIN_A, alice, unknownToken, 7e18, 1);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, unknownToken);
        assertEq(bal, 7e18);
        (uint256 valueUsd, uint256 adjustedUsd) = hub.collateralValue(alice);
        assertEq(valueUsd, 0);
        assertEq(adjustedUsd, 0);
    }

    function test_submitBatch_skipsStaleSeqSilently() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 5);
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](2);
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, 9_999e6, 5, 0); // same seq
        leaves[1] = _leaf(CHAIN_A, bob, usdcA, 1e6, 1, 0);
        vm.recordLogs();
        _submit(leaves);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 credited;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IMarginHub.BalanceCredited.selector) {
                ++credited;
                assertEq(logs[i].topics[1], bytes32(uint256(uint160(bob))), "only bob's leaf changed");
            }
        }
        assertEq(credited, 1);
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
        assertEq(seq, 5);

        _credit(CHAIN_A, alice, usdcA, 1e6, 4); // older seq
        (bal, seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
        assertEq(seq, 5);
    }

    function test_submitBatch_newerSeqLowersCredit() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 5);
        _credit(CHAIN_A, alice, usdcA, 400e6, 6);
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 400e6);
        assertEq(seq, 6);
    }

    function test_submitBatch_futureSourceTimestampAccepted() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 3, 1, uint64(block.timestamp + 1 days));
        hub.submitBatch(packet, _sigs(packet), b.leaves, b.proof, b.proofFlags);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
    }

    function test_submitBatch_acceptsExactlyMaxAge() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 3, 1, uint64(block.timestamp));
        vm.warp(block.timestamp + MAX_AGE);
        hub.submitBatch(packet, _sigs(packet), b.leaves, b.proof, b.proofFlags);
        assertTrue(hub.batchSubmitted(_guidOf(packet)));
    }

    // ------------------------------------------------------------ submitBatch: rejections

    function test_submitBatch_revertsWhenPaused() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        vm.prank(guardian);
        hub.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsBelowQuorum() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        bytes memory oneSig = _attest(IQuorumVerifier(address(hub)), packet, 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, 2));
        hub.submitBatch(packet, oneSig, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnWrongDestinationChain() public {
        bytes memory body = _batchBody(bytes32(uint256(1)), 1);
        (bytes memory packet,) =
            MessageCodec.encodePacket(_nextBatchNonce(1), CHAIN_A, vaultA, hub.localEid() + 1, address(hub), body);
        bytes memory sigs1 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarginHub.MarginHub_WrongDestination.selector, hub.localEid() + 1, MessageCodec.addressToBytes32(address(hub))
            )
        );
        hub.submitBatch(packet, sigs1, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsOnWrongReceiver() public {
        bytes memory body = _batchBody(bytes32(uint256(1)), 1);
        address other = makeAddr("otherHub");
        (bytes memory packet,) = MessageCodec.encodePacket(_nextBatchNonce(1), CHAIN_A, vaultA, hub.localEid(), other, body);
        bytes memory sigs2 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_WrongDestination.selector, hub.localEid(), MessageCodec.addressToBytes32(other))
        );
        hub.submitBatch(packet, sigs2, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsOnUnregisteredSourceChain() public {
        (bytes memory packet,) = _packetToHub(_nextBatchNonce(1), 999, vaultA, _batchBody(bytes32(uint256(1)), 1));
        bytes memory sigs3 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_UnknownVault.selector, 999, MessageCodec.addressToBytes32(vaultA))
        );
        hub.submitBatch(packet, sigs3, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsOnWrongVaultSender() public {
        // chain A's batch claiming to come from chain B's vault
        (bytes memory packet,) = _packetToHub(_nextBatchNonce(1), CHAIN_A, vaultB, _batchBody(bytes32(uint256(1)), 1));
        bytes memory sigs4 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_UnknownVault.selector, CHAIN_A, MessageCodec.addressToBytes32(vaultB))
        );
        hub.submitBatch(packet, sigs4, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsOnUnexpectedMessage() public {
        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({account: alice, token: usdcA, amount: 1, balanceAfter: 0, seq: 1, inboundNonce: 0})
        );
        (bytes memory packet,) = _packetToHub(_nextBatchNonce(1), CHAIN_A, vaultA, body);
        bytes memory sigs5 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_UnexpectedMessage.selector, MessageCodec.WITHDRAWAL_REQUEST));
        hub.submitBatch(packet, sigs5, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsOnNonceWithoutTopBit() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _packetToHub(7, CHAIN_A, vaultA, _batchBody(b.root, 3));
        bytes memory sigs6 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidBatchNonce.selector, 7));
        hub.submitBatch(packet, sigs6, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnReplayedGuid() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnZeroRoot() public {
        (bytes memory packet,) = _batchPacket(CHAIN_A, bytes32(0), 0, 1, uint64(block.timestamp));
        bytes memory sigs7 = _sigs(packet);
        vm.expectRevert(IMarginHub.MarginHub_ZeroRoot.selector);
        hub.submitBatch(packet, sigs7, new IMarginHub.Leaf[](0), new bytes32[](0), new bool[](0));
    }

    function test_submitBatch_revertsWhenExpired() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        uint64 ts = uint64(block.timestamp);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 3, 1, ts);
        bytes memory sigs = _sigs(packet);
        vm.warp(block.timestamp + MAX_AGE + 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_AttestationExpired.selector, ts, MAX_AGE, block.timestamp));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnLeafCountMismatch() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        // a valid multiproof of two of the three leaves is still not the full batch
        uint256[] memory subset = new uint256[](2);
        (subset[0], subset[1]) = (0, 2);
        BatchProof memory b = _batchProof(leaves, subset);
        assertTrue(MerkleProof.multiProofVerify(b.proof, b.proofFlags, b.root, _leafHashes(b.leaves)), "subset proof is valid");
        (bytes memory packet,) = _batchPacketFor(leaves);
        bytes memory sigs8 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafCountMismatch.selector, 3, 2));
        hub.submitBatch(packet, sigs8, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnLeafFromOtherChain() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        leaves[1].chainId = CHAIN_B;
        BatchProof memory b = _batchProof(leaves);
        uint256 index = _indexOf(b.leaves, bob);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 3, 1, uint64(block.timestamp));
        bytes memory sigs9 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, index));
        hub.submitBatch(packet, sigs9, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnLeafFromOtherVault() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        leaves[2].vault = vaultB;
        BatchProof memory b = _batchProof(leaves);
        uint256 index = _indexOf(b.leaves, carol);
        (bytes memory packet,) = _batchPacket(CHAIN_A, b.root, 3, 1, uint64(block.timestamp));
        bytes memory sigs10 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, index));
        hub.submitBatch(packet, sigs10, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnTamperedLeaf() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        b.leaves[0].balance += 1;
        bytes memory sigs11 = _sigs(packet);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs11, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnLeavesOutOfProofOrder() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        (b.leaves[0], b.leaves[2]) = (b.leaves[2], b.leaves[0]);
        bytes memory sigs12 = _sigs(packet);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs12, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitBatch_revertsOnMalformedMultiproof() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        // one flag too many
        bool[] memory flags = new bool[](3);
        (flags[0], flags[1], flags[2]) = (true, true, true);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, flags);
        // right length, but a false flag without its sibling
        flags = new bool[](2);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, flags);
        // an extra sibling balanced by a false flag: still the wrong root
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = b.root;
        flags = new bool[](3);
        (flags[0], flags[1], flags[2]) = (true, true, false);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs, b.leaves, proof, flags);
    }

    function test_submitBatch_revertsOnEmptyBatch() public {
        // leafCount 0 matches no leaves, but the empty set proves nothing
        bytes32 root = keccak256("root");
        (bytes memory packet,) = _batchPacket(CHAIN_A, root, 0, 1, uint64(block.timestamp));
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = root;
        bytes memory sigs13 = _sigs(packet);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.submitBatch(packet, sigs13, new IMarginHub.Leaf[](0), proof, new bool[](0));
    }

    function test_submitBatch_revertsOnBalanceAboveUint128() public {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        uint256 tooBig = uint256(type(uint128).max) + 1;
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, tooBig, 1, 0);
        BatchProof memory b = _batchProof(leaves);
        (bytes memory packet,) = _batchPacketFor(leaves);
        bytes memory sigs14 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BalanceTooLarge.selector, tooBig));
        hub.submitBatch(packet, sigs14, b.leaves, b.proof, b.proofFlags);
    }

    // ------------------------------------------------------------ sequencing

    /// @dev After any sequence of leaves, the credit is the balance of the first leaf seen with
    /// the highest seq, and the stored seq is that highest seq.
    function testFuzz_submitBatch_creditMonotonicInSeq(uint64[6] memory seqs, uint128[6] memory balances) public {
        uint64 bestSeq;
        uint256 bestBalance;
        for (uint256 i; i < 6; ++i) {
            uint64 seq = uint64(bound(seqs[i], 0, 10));
            _credit(CHAIN_A, alice, usdcA, balances[i], seq);
            if (seq > bestSeq) {
                bestSeq = seq;
                bestBalance = balances[i];
            }
            (uint256 bal, uint64 stored) = hub.creditedBalance(alice, CHAIN_A, usdcA);
            assertEq(stored, bestSeq);
            assertEq(bal, bestBalance);
        }
    }
}
