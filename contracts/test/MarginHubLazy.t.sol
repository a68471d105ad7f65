// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {BatchTestBase} from "./MarginHubBatch.t.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Lazy mode (`submitRoot` + `applyLeaf`) and the fixture's Solidity StandardMerkleTree
/// builder checked against the JavaScript openzeppelin merkle-tree package.
contract MarginHubLazyTest is BatchTestBase {
    // ------------------------------------------------------------ submitRoot and applyLeaf

    function test_submitRoot_storesRootAndEmits() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        bytes32 root = _root(leaves);
        uint64 ts = uint64(block.timestamp - 10);
        (bytes memory packet, bytes32 guid) = _batchPacket(CHAIN_A, root, 3, 77, ts);
        vm.expectEmit(address(hub));
        emit IMarginHub.RootStored(guid, CHAIN_A, root, 77, ts);
        bytes32 returned = hub.submitRoot(packet, _sigs(packet));
        assertEq(returned, guid);
        (bytes32 storedRoot, uint32 srcEid, uint64 storedTs) = hub.batchRoot(guid);
        assertEq(storedRoot, root);
        assertEq(srcEid, CHAIN_A);
        assertEq(storedTs, ts);
        assertTrue(hub.batchSubmitted(guid));
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0, "nothing applied yet");
    }

    function test_submitRoot_revertsOnReplayAndAfterFullSubmission() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        bytes memory sigs = _sigs(packet);
        hub.submitRoot(packet, sigs);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitRoot(packet, sigs);
        BatchProof memory b = _batchProof(leaves);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BatchAlreadySubmitted.selector, guid));
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
    }

    function test_submitRoot_appliesHeaderChecks() public {
        (bytes memory packet,) = _batchPacket(CHAIN_A, bytes32(0), 3, 1, uint64(block.timestamp));
        bytes memory sigs15 = _sigs(packet);
        vm.expectRevert(IMarginHub.MarginHub_ZeroRoot.selector);
        hub.submitRoot(packet, sigs15);

        (packet,) = _packetToHub(5, CHAIN_A, vaultA, _batchBody(keccak256("r"), 3));
        bytes memory sigs16 = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidBatchNonce.selector, 5));
        hub.submitRoot(packet, sigs16);

        (packet,) = _batchPacket(CHAIN_A, keccak256("r"), 3, 1, uint64(block.timestamp - MAX_AGE - 1));
        bytes memory sigs17 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarginHub.MarginHub_AttestationExpired.selector, block.timestamp - MAX_AGE - 1, MAX_AGE, block.timestamp
            )
        );
        hub.submitRoot(packet, sigs17);

        (packet,) = _packetToHub(_nextBatchNonce(1), CHAIN_B, vaultA, _batchBody(keccak256("r"), 3));
        bytes memory sigs18 = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_UnknownVault.selector, CHAIN_B, MessageCodec.addressToBytes32(vaultA))
        );
        hub.submitRoot(packet, sigs18);

        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 0, 2));
        hub.submitRoot(packet, "");

        vm.prank(owner);
        hub.pause();
        bytes memory sigs19 = _sigs(packet);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.submitRoot(packet, sigs19);
    }

    function test_applyLeaf_appliesOneLeafWithItsProof() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));

        vm.expectEmit(address(hub));
        emit IMarginHub.BalanceCredited(bob, CHAIN_A, usdcA, 2_000e6, 4, leaves[1].sourceBlock);
        hub.applyLeaf(guid, leaves[1], _leafProof(leaves, 1));
        (uint256 bal, uint64 seq) = hub.creditedBalance(bob, CHAIN_A, usdcA);
        assertEq(bal, 2_000e6);
        assertEq(seq, 4);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0, "other leaves wait for their own call");

        // applying the same leaf again changes nothing and emits nothing
        vm.recordLogs();
        hub.applyLeaf(guid, leaves[1], _leafProof(leaves, 1));
        assertEq(vm.getRecordedLogs().length, 0);

        hub.applyLeaf(guid, leaves[0], _leafProof(leaves, 0));
        hub.applyLeaf(guid, leaves[2], _leafProof(leaves, 2));
        (bal,) = hub.creditedBalance(carol, CHAIN_A, wbtcA);
        assertEq(bal, 3e8);
    }

    function test_applyLeaf_revertsOnUnknownRoot() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        bytes32 guid = keccak256("nope");
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_UnknownRoot.selector, guid));
        hub.applyLeaf(guid, leaves[0], _leafProof(leaves, 0));
    }

    function test_applyLeaf_revertsOnFullModeGuid() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        bytes32 guid = _submit(leaves);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_UnknownRoot.selector, guid));
        hub.applyLeaf(guid, leaves[0], _leafProof(leaves, 0));
    }

    function test_applyLeaf_revertsWhenRootExpired() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        uint64 ts = uint64(block.timestamp);
        (bytes memory packet, bytes32 guid) = _batchPacket(CHAIN_A, _root(leaves), 3, 1, ts);
        hub.submitRoot(packet, _sigs(packet));
        vm.warp(block.timestamp + MAX_AGE + 1);
        bytes32[] memory proof = _leafProof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_AttestationExpired.selector, ts, MAX_AGE, block.timestamp));
        hub.applyLeaf(guid, leaves[0], proof);
    }

    function test_applyLeaf_revertsOnSourceMismatch() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        leaves[1].chainId = CHAIN_B;
        (bytes memory packet, bytes32 guid) = _batchPacket(CHAIN_A, _root(leaves), 3, 1, uint64(block.timestamp));
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, 0));
        hub.applyLeaf(guid, leaves[1], proof);

        leaves[1].chainId = CHAIN_A;
        leaves[1].vault = vaultB;
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_LeafSourceMismatch.selector, 0));
        hub.applyLeaf(guid, leaves[1], proof);
    }

    function test_applyLeaf_revertsOnInvalidProof() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 0);
        leaves[0].balance = 1_000_000e6;
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.applyLeaf(guid, leaves[0], proof);
        vm.expectRevert(IMarginHub.MarginHub_InvalidProof.selector);
        hub.applyLeaf(guid, leaves[1], proof);
    }

    function test_applyLeaf_revertsWhenPaused() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 0);
        vm.prank(guardian);
        hub.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.applyLeaf(guid, leaves[0], proof);
    }

    function test_applyLeaf_revertsOnBalanceAboveUint128() public {
        IMarginHub.Leaf[] memory leaves = _threeLeaves();
        uint256 tooBig = uint256(type(uint128).max) + 1;
        leaves[0].balance = tooBig;
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        bytes32[] memory proof = _leafProof(leaves, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_BalanceTooLarge.selector, tooBig));
        hub.applyLeaf(guid, leaves[0], proof);
    }

    // ------------------------------------------------------------ the fixture's Merkle builder

    /// @dev Vectors from the npm package openzeppelin merkle-tree 1.0.8: `StandardMerkleTree.of(values, types)`
    /// over five leaves `[10, 0x…bEEF, 0x…100i, 0x…C0DE, i·1e18, i, 0, 1000]` (i = 1..5), then
    /// `getProof(1)` and `getMultiProof([0, 2, 4])`.
    function test_merkleBuilder_matchesOpenZeppelinStandardMerkleTree() public pure {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](5);
        for (uint256 i; i < 5; ++i) {
            leaves[i] = IMarginHub.Leaf({
                chainId: 10,
                vault: address(0xbEEF),
                // forge-lint: disable-next-line(unsafe-typecast)
                account: address(uint160(0x1001 + i)),
                token: address(0xC0DE),
                balance: (i + 1) * 1e18,
                // forge-lint: disable-next-line(unsafe-typecast)
                seq: uint64(i + 1),
                inboundNonce: 0,
                sourceBlock: 1000
            });
        }
        bytes32[] memory tree = _tree(_leafHashes(leaves));
        assertEq(tree[0], 0x0a672fd96df176cad343c162180f4e43cb8130230a97c6e547afddce74da25f0);

        bytes32[] memory proof = _leafProof(leaves, 1);
        assertEq(proof.length, 2);
        assertEq(proof[0], 0x256d132b0589f90894d25c312a540584300d3aecd6e9d5383d121b20ef38ec96);
        assertEq(proof[1], 0x29c112027f507662727869903950cc9434513e505309515b3f39e59bdac282cd);

        uint256[] memory subset = new uint256[](3);
        (subset[0], subset[1], subset[2]) = (0, 2, 4);
        BatchProof memory b = _batchProof(leaves, subset);
        assertEq(b.leaves[0].account, address(0x1003));
        assertEq(b.leaves[1].account, address(0x1001));
        assertEq(b.leaves[2].account, address(0x1005));
        assertEq(b.proof.length, 1);
        assertEq(b.proof[0], 0x3b33020c704f80f2a55d49e51e34eda8fdac729e473d0e8decff00250bf3e4ac);
        assertEq(b.proofFlags.length, 3);
        assertTrue(b.proofFlags[0] && b.proofFlags[1] && !b.proofFlags[2]);
    }

    function testFuzz_merkleBuilder_multiproofsVerify(uint8 size, uint256 pickSeed) public view {
        uint256 n = bound(size, 1, 40);
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            leaves[i] = _leaf(CHAIN_A, address(uint160(0xA000 + i)), usdcA, i * 7 + 1, uint64(i + 1), 0);
        }
        uint256 count;
        uint256[] memory picks = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            if ((pickSeed >> (i % 256)) & 1 == 1) picks[count++] = i;
        }
        if (count == 0) picks[count++] = n - 1;
        uint256[] memory subset = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            subset[i] = picks[i];
        }
        BatchProof memory b = _batchProof(leaves, subset);
        assertEq(b.root, _root(leaves));
        assertTrue(MerkleProof.multiProofVerify(b.proof, b.proofFlags, b.root, _leafHashes(b.leaves)));
        for (uint256 i; i < n; ++i) {
            assertTrue(MerkleProof.verify(_leafProof(leaves, i), b.root, _leafHash(leaves[i])));
        }
    }
}
