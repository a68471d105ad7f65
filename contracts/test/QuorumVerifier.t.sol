// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {QuorumVerifier} from "../src/QuorumVerifier.sol";
import {Attesters} from "./utils/Attesters.sol";

/// @notice Smallest concrete QuorumVerifier, plus one pausable action.
contract QuorumHarness is QuorumVerifier {
    uint256 public actions;

    constructor(address initialOwner, address[] memory initialAttesters, uint8 initialThreshold, address initialGuardian)
        QuorumVerifier(initialOwner, initialAttesters, initialThreshold, initialGuardian)
    {}

    function act() external whenNotPaused {
        ++actions;
    }
}

contract QuorumVerifierTest is Attesters {
    /// @dev secp256k1 group order.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    QuorumHarness internal verifier;
    address internal owner = makeAddr("owner");
    address internal guardian = makeAddr("guardian");
    address internal stranger = makeAddr("stranger");
    bytes internal packet = hex"01020304";

    function setUp() public {
        _makeAttesters(3);
        verifier = new QuorumHarness(owner, attesterAddrs, 2, guardian);
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_setsAttestersThresholdGuardianAndOwner() public {
        vm.expectEmit(true, false, false, true);
        emit IQuorumVerifier.AttestersRotated(1, attesterAddrs, 2);
        vm.expectEmit(true, true, false, false);
        emit IQuorumVerifier.GuardianChanged(address(0), guardian);
        QuorumHarness v = new QuorumHarness(owner, attesterAddrs, 2, guardian);

        assertEq(v.epoch(), 1);
        assertEq(v.threshold(), 2);
        assertEq(v.attesters(), attesterAddrs);
        for (uint256 i; i < 3; ++i) {
            assertTrue(v.isAttester(attesterAddrs[i]));
        }
        assertFalse(v.isAttester(stranger));
        assertFalse(v.isAttester(address(0)));
        assertEq(v.guardian(), guardian);
        assertEq(v.owner(), owner);
        assertFalse(v.paused());
    }

    function test_constructor_revertsOnEmptySet() public {
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new QuorumHarness(owner, new address[](0), 1, guardian);
    }

    function test_constructor_revertsOnZeroThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 0, 3));
        new QuorumHarness(owner, attesterAddrs, 0, guardian);
    }

    function test_constructor_revertsOnThresholdAboveSetSize() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 4, 3));
        new QuorumHarness(owner, attesterAddrs, 4, guardian);
    }

    function test_constructor_revertsOnZeroAddress() public {
        address[] memory set = new address[](3);
        (set[1], set[2]) = (attesterAddrs[0], attesterAddrs[1]);
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new QuorumHarness(owner, set, 2, guardian);
    }

    function test_constructor_revertsOnDuplicate() public {
        address[] memory set = new address[](3);
        (set[0], set[1], set[2]) = (attesterAddrs[0], attesterAddrs[1], attesterAddrs[1]);
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new QuorumHarness(owner, set, 2, guardian);
    }

    function test_constructor_revertsOnUnsortedSet() public {
        address[] memory set = new address[](3);
        (set[0], set[1], set[2]) = (attesterAddrs[1], attesterAddrs[0], attesterAddrs[2]);
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new QuorumHarness(owner, set, 2, guardian);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new QuorumHarness(address(0), attesterAddrs, 2, guardian);
    }

    // ---------------------------------------------------------------- rotateAttesters

    function test_rotateAttesters_bumpsEpochAndReplacesSet() public {
        bytes memory oldSigs = _attest(verifier, packet, 2);
        (address[] memory fresh, uint256[] memory freshKeys) = _disjointSet(4);
        vm.expectEmit(true, false, false, true, address(verifier));
        emit IQuorumVerifier.AttestersRotated(2, fresh, 3);
        vm.prank(owner);
        verifier.rotateAttesters(fresh, 3);

        assertEq(verifier.epoch(), 2);
        assertEq(verifier.threshold(), 3);
        assertEq(verifier.attesters(), fresh);
        for (uint256 i; i < 4; ++i) {
            assertTrue(verifier.isAttester(fresh[i]));
        }
        // two old signatures are no longer a quorum (threshold is now 3) ...
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 2, 3));
        verifier.verifyAttestation(packet, oldSigs);
        // ... and three of the new set are
        verifier.verifyAttestation(packet, _attestWith(verifier, packet, _first(freshKeys, 3)));
    }

    function test_rotateAttesters_oldSetNoLongerValid() public {
        bytes memory oldSigs = _attest(verifier, packet, 2);
        address[] memory oldSet = attesterAddrs;
        (address[] memory set, uint256[] memory keys) = _disjointSet(2);
        vm.prank(owner);
        verifier.rotateAttesters(set, 2);

        for (uint256 i; i < 3; ++i) {
            assertFalse(verifier.isAttester(oldSet[i]));
        }
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, oldSet[0]));
        verifier.verifyAttestation(packet, oldSigs);
        verifier.verifyAttestation(packet, _attestWith(verifier, packet, keys));
    }

    function test_rotateAttesters_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        verifier.rotateAttesters(attesterAddrs, 1);
    }

    function test_rotateAttesters_revertsOnInvalidThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 0, 3));
        vm.prank(owner);
        verifier.rotateAttesters(attesterAddrs, 0);
    }

    // ---------------------------------------------------------------- verifyAttestation: accepted

    function test_verifyAttestation_acceptsExactlyThreshold() public view {
        verifier.verifyAttestation(packet, _attest(verifier, packet, 2));
    }

    function test_verifyAttestation_acceptsMoreThanThreshold() public view {
        verifier.verifyAttestation(packet, _attest(verifier, packet, 3));
    }

    function test_verifyAttestation_acceptsAnyAscendingSubset() public view {
        uint256[] memory keys = new uint256[](2);
        (keys[0], keys[1]) = (attesterKeys[0], attesterKeys[2]);
        verifier.verifyAttestation(packet, _attestWith(verifier, packet, keys));
    }

    function test_attestationDigest_isEip712OfPacketHash() public view {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("crossmargin"),
                keccak256("1"),
                block.chainid,
                address(verifier)
            )
        );
        bytes32 structHash = keccak256(abi.encode(keccak256("Attestation(bytes32 packetHash)"), keccak256(packet)));
        assertEq(verifier.attestationDigest(packet), keccak256(abi.encodePacked(hex"1901", domain, structHash)));
    }

    // ---------------------------------------------------------------- verifyAttestation: rejected

    function test_verifyAttestation_revertsBelowThreshold() public {
        bytes memory sigs = _attest(verifier, packet, 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, 2));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnNoSignatures() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 0, 2));
        verifier.verifyAttestation(packet, "");
    }

    function test_verifyAttestation_revertsOnBadLength() public {
        bytes memory sigs = bytes.concat(_attest(verifier, packet, 2), hex"00");
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidSignatureLength.selector, 131));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnZeroV() public {
        bytes memory sigs = _attest(verifier, packet, 2);
        sigs[129] = 0x00; // v of signature 1
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidSignature.selector, 1));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnGarbageSignature() public {
        bytes memory sigs = bytes.concat(new bytes(64), hex"1b", _sign(attesterKeys[0], verifier.attestationDigest(packet)));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidSignature.selector, 0));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnHighS() public {
        bytes32 digest = verifier.attestationDigest(packet);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(attesterKeys[1], digest);
        bytes32 highS = bytes32(N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        // the malleated signature is valid for plain ecrecover, so only the s check rejects it
        assertEq(ecrecover(digest, flippedV, r, highS), attesterAddrs[1]);
        bytes memory sigs = bytes.concat(_sign(attesterKeys[0], digest), abi.encodePacked(r, highS, flippedV));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_MalleableSignature.selector, 1));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnDuplicateSigner() public {
        bytes memory one = _sign(attesterKeys[0], verifier.attestationDigest(packet));
        vm.expectRevert(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector, 1, attesterAddrs[0])
        );
        verifier.verifyAttestation(packet, bytes.concat(one, one));
    }

    function test_verifyAttestation_revertsOnUnsortedSigners() public {
        uint256[] memory keys = new uint256[](2);
        (keys[0], keys[1]) = (attesterKeys[1], attesterKeys[0]);
        bytes memory sigs = _attestWith(verifier, packet, keys);
        vm.expectRevert(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector, 1, attesterAddrs[0])
        );
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnUnknownSigner() public {
        (address outsider, uint256 outsiderKey) = makeAddrAndKey("outsider");
        _expectUnknownAmongMembers(outsider, outsiderKey);
    }

    function test_verifyAttestation_revertsOnRotatedOutSigner() public {
        address gone = attesterAddrs[0];
        uint256 goneKey = attesterKeys[0];
        address[] memory set = new address[](2);
        (set[0], set[1]) = (attesterAddrs[1], attesterAddrs[2]);
        vm.prank(owner);
        verifier.rotateAttesters(set, 2);
        // members are now attesters 1 and 2 (indexes 1, 2 of the arrays)
        assertFalse(verifier.isAttester(gone));
        bytes32 digest = verifier.attestationDigest(packet);
        // gone < attesterAddrs[1] (sorted), so it comes first
        bytes memory sigs = bytes.concat(_sign(goneKey, digest), _sign(attesterKeys[1], digest));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, gone));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnSignatureForAnotherChain() public {
        uint256 home = block.chainid;
        vm.chainId(home + 1);
        bytes32 foreignDigest = verifier.attestationDigest(packet);
        bytes memory sigs = _attest(verifier, packet, 2);
        vm.chainId(home);
        bytes32 digest = verifier.attestationDigest(packet);
        assertTrue(foreignDigest != digest, "digest bound to chain id");
        address recovered = ECDSA.recover(digest, _slice65(sigs, 0));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnSignatureForAnotherContract() public {
        QuorumHarness twin = new QuorumHarness(owner, attesterAddrs, 2, guardian);
        bytes memory sigs = _attest(twin, packet, 2);
        twin.verifyAttestation(packet, sigs); // valid where it was meant to be used
        address recovered = ECDSA.recover(verifier.attestationDigest(packet), _slice65(sigs, 0));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered));
        verifier.verifyAttestation(packet, sigs);
    }

    function test_verifyAttestation_revertsOnSignatureForAnotherPacket() public {
        bytes memory sigs = _attest(verifier, hex"05060708", 2);
        address recovered = ECDSA.recover(verifier.attestationDigest(packet), _slice65(sigs, 0));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered));
        verifier.verifyAttestation(packet, sigs);
    }

    function testFuzz_verifyAttestation_rejectsNonMembers(uint256 key) public {
        key = bound(key, 1, N - 1);
        address outsider = vm.addr(key);
        vm.assume(!verifier.isAttester(outsider));
        _expectUnknownAmongMembers(outsider, key);
    }

    // ---------------------------------------------------------------- pause / guardian

    function test_pause_byGuardian() public {
        vm.expectEmit(false, false, false, true, address(verifier));
        emit Pausable.Paused(guardian);
        vm.prank(guardian);
        verifier.pause();
        assertTrue(verifier.paused());
        vm.expectRevert(Pausable.EnforcedPause.selector);
        verifier.act();
    }

    function test_pause_byOwner() public {
        vm.prank(owner);
        verifier.pause();
        assertTrue(verifier.paused());
    }

    function test_pause_revertsForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_NotGuardian.selector, stranger));
        vm.prank(stranger);
        verifier.pause();
    }

    function test_unpause_byOwner() public {
        vm.prank(guardian);
        verifier.pause();
        vm.expectEmit(false, false, false, true, address(verifier));
        emit Pausable.Unpaused(owner);
        vm.prank(owner);
        verifier.unpause();
        assertFalse(verifier.paused());
        verifier.act();
        assertEq(verifier.actions(), 1);
    }

    function test_unpause_revertsForGuardian() public {
        vm.prank(guardian);
        verifier.pause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        verifier.unpause();
    }

    function test_setGuardian_movesTheRole() public {
        address next = makeAddr("nextGuardian");
        vm.expectEmit(true, true, false, false, address(verifier));
        emit IQuorumVerifier.GuardianChanged(guardian, next);
        vm.prank(owner);
        verifier.setGuardian(next);
        assertEq(verifier.guardian(), next);

        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_NotGuardian.selector, guardian));
        vm.prank(guardian);
        verifier.pause();
        vm.prank(next);
        verifier.pause();
        assertTrue(verifier.paused());
    }

    function test_setGuardian_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        vm.prank(guardian);
        verifier.setGuardian(stranger);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Signs with one member and `outsider` in ascending order; expects UnknownSigner at the outsider's slot.
    function _expectUnknownAmongMembers(address outsider, uint256 outsiderKey) internal {
        bytes32 digest = verifier.attestationDigest(packet);
        bytes memory member;
        bytes memory sigs;
        uint256 index;
        if (outsider < attesterAddrs[2]) {
            // member 2 is the largest; outsider goes first
            member = _sign(attesterKeys[2], digest);
            sigs = bytes.concat(_sign(outsiderKey, digest), member);
            index = 0;
        } else {
            member = _sign(attesterKeys[0], digest);
            sigs = bytes.concat(member, _sign(outsiderKey, digest));
            index = 1;
        }
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, index, outsider));
        verifier.verifyAttestation(packet, sigs);
    }

    /// @dev A sorted set of `n` fresh attesters that share nothing with the current one.
    function _disjointSet(uint256 n) internal returns (address[] memory set, uint256[] memory keys) {
        set = new address[](n);
        keys = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (set[i], keys[i]) = makeAddrAndKey(string.concat("fresh", vm.toString(i)));
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && set[j - 1] > set[j]; --j) {
                (set[j - 1], set[j]) = (set[j], set[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    function _first(uint256[] memory keys, uint256 n) internal pure returns (uint256[] memory out) {
        out = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            out[i] = keys[i];
        }
    }

    function _slice65(bytes memory sigs, uint256 index) internal pure returns (bytes memory out) {
        out = new bytes(65);
        for (uint256 i; i < 65; ++i) {
            out[i] = sigs[index * 65 + i];
        }
    }
}
