// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AttackFixture} from "./utils/AttackFixture.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {MarginHub} from "../src/MarginHub.sol";
import {MarginHubExtension} from "../src/MarginHubExtension.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";

/// @notice Attacks on the attester quorum, each tried on the hub (a BALANCE_BATCH crediting
/// alice 1,000 USDC) and on the vault (a SEIZE of alice's 1,000 USDC to mallory): malleated
/// signatures, signatures for another chain or contract, too few / duplicate / foreign /
/// rotated-out signers, and broken attester sets at deployment. Every attempt must revert with
/// the exact `QuorumVerifier_*` error and leave credits, balances and nonces as they were.
contract AttacksQuorumTest is AttackFixture {
    function setUp() public override {
        super.setUp();
        _deposit(alice, 1_000e6);
    }

    // ------------------------------------------------------------ helpers

    /// @dev The hub-side target: a fresh batch crediting alice 1,000 USDC.
    function _hubTarget() internal returns (bytes memory packet, bytes32 guid, BatchProof memory b) {
        return _usdcBatch(alice, 1_000e6, 1);
    }

    /// @dev The vault-side target: command nonce 1, SEIZE all of alice's USDC to mallory.
    function _vaultTarget() internal view returns (bytes memory packet) {
        (packet,) = _commandPacket(1, _seizeBody(alice, 1_000e6, mallory));
    }

    function _expectHubRejects(
        bytes memory err,
        bytes memory packet,
        bytes memory sigs,
        BatchProof memory b,
        bytes32 guid
    ) internal {
        HubSnapshot memory before = _hubSnap(alice);
        vm.expectRevert(err);
        hub.submitBatch(packet, sigs, b.leaves, b.proof, b.proofFlags);
        _assertHubUnchanged(before, alice);
        assertFalse(hub.batchSubmitted(guid), "batch guid consumed");
    }

    function _expectVaultRejects(bytes memory err, bytes memory packet, bytes memory sigs) internal {
        VaultSnapshot memory before = _vaultSnap(alice);
        uint256 chain = block.chainid;
        vm.chainId(CHAIN_A);
        vm.expectRevert(err);
        vault.receiveCommand(packet, sigs);
        vm.chainId(chain);
        _assertVaultUnchanged(before, alice);
        assertEq(usdc.balanceOf(mallory), 0, "mallory got collateral");
    }

    /// @dev `addrs`/`keys` sorted together by address (the order signatures must come in).
    function _sortByAddress(address[] memory addrs, uint256[] memory keys) internal pure {
        for (uint256 i = 1; i < addrs.length; ++i) {
            for (uint256 j = i; j > 0 && addrs[j - 1] > addrs[j]; --j) {
                (addrs[j - 1], addrs[j]) = (addrs[j], addrs[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
    }

    /// @dev Rotates `verifier` to {attester1, attester2, newcomer}: attester0 leaves the set.
    /// @return keys the new quorum {attester1, newcomer}, sorted by address
    function _rotateOutAttester0(IQuorumVerifier verifier) internal returns (uint256[] memory keys) {
        (address newcomer, uint256 newcomerKey) = makeAddrAndKey("newcomer");
        address[] memory set = new address[](3);
        uint256[] memory setKeys = new uint256[](3);
        (set[0], set[1], set[2]) = (attesterAddrs[1], attesterAddrs[2], newcomer);
        (setKeys[0], setKeys[1], setKeys[2]) = (attesterKeys[1], attesterKeys[2], newcomerKey);
        _sortByAddress(set, setKeys);
        vm.prank(owner);
        verifier.rotateAttesters(set, THRESHOLD);
        assertEq(verifier.epoch(), 2);
        assertFalse(verifier.isAttester(attesterAddrs[0]));

        address[] memory quorum = new address[](2);
        keys = new uint256[](2);
        (quorum[0], quorum[1]) = (attesterAddrs[1], newcomer);
        (keys[0], keys[1]) = (attesterKeys[1], newcomerKey);
        _sortByAddress(quorum, keys);
    }

    // ------------------------------------------------------------ 3. malleated (high-s) signature

    /// @dev `s → N − s` with `v` flipped is a second valid signature by the same attester over the
    /// same digest (plain ecrecover accepts it); only OpenZeppelin's low-s rule rejects it.
    function test_attack_malleatedSignatureAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        bytes memory sigs = _malleate(_sigs(packet), 1);
        assertEq(_recover(hub.attestationDigest(packet), sigs, 1), attesterAddrs[1], "malleated sig still recovers");
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_MalleableSignature.selector, 1), packet, sigs, b, guid
        );
    }

    function test_attack_malleatedSignatureAtVault() public {
        bytes memory packet = _vaultTarget();
        bytes memory sigs = _malleate(_vaultSigs(packet), 0);
        vm.chainId(CHAIN_A);
        assertEq(_recover(vault.attestationDigest(packet), sigs, 0), attesterAddrs[0], "malleated sig still recovers");
        vm.chainId(hubEid);
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_MalleableSignature.selector, 0), packet, sigs
        );
    }

    // ------------------------------------------------------------ 4. signature for another chain id

    /// @dev A genuine quorum over the same packet for the same hub address, but under the domain
    /// of another chain id (e.g. the hub deployed at the same address on a fork). The digest the
    /// hub checks differs, so ecrecover yields an unrelated address: `QuorumVerifier_UnknownSigner`
    /// at index 0 (never `SignersNotAscending`: nothing is below the first signer but zero).
    function test_attack_signatureForAnotherChainAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        vm.chainId(OTHER_CHAIN);
        bytes memory sigs = _sigs(packet);
        hub.verifyAttestation(packet, sigs); // a valid quorum there
        vm.chainId(hubEid);
        address recovered = _recover(hub.attestationDigest(packet), sigs, 0);
        assertFalse(hub.isAttester(recovered));
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered),
            packet,
            sigs,
            b,
            guid
        );
    }

    /// @dev As at the hub: signed under the vault's domain on another chain id, recovery on
    /// CHAIN_A gives a non-member address, so `QuorumVerifier_UnknownSigner(0, recovered)`.
    function test_attack_signatureForAnotherChainAtVault() public {
        bytes memory packet = _vaultTarget();
        vm.chainId(OTHER_CHAIN);
        bytes memory sigs = _attest(IQuorumVerifier(address(vault)), packet, THRESHOLD);
        vault.verifyAttestation(packet, sigs); // a valid quorum there
        vm.chainId(CHAIN_A);
        address recovered = _recover(vault.attestationDigest(packet), sigs, 0);
        assertFalse(vault.isAttester(recovered));
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered), packet, sigs
        );
    }

    // ------------------------------------------------------------ 5. signature for another contract

    /// @dev Another hub with the same attesters on the same chain: its quorum over the very same
    /// packet does not verify here (verifyingContract differs), recovery gives a stranger.
    function test_attack_signatureForAnotherHub() public {
        MarginHub otherHub = new MarginHub(owner, attesterAddrs, THRESHOLD, guardian, MAX_AGE, new MarginHubExtension());
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        bytes memory sigs = _attest(IQuorumVerifier(address(otherHub)), packet, THRESHOLD);
        otherHub.verifyAttestation(packet, sigs);
        address recovered = _recover(hub.attestationDigest(packet), sigs, 0);
        assertFalse(hub.isAttester(recovered));
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered),
            packet,
            sigs,
            b,
            guid
        );
    }

    /// @dev A second vault on CHAIN_A with the same attesters and hub: a quorum signed for it is
    /// replayed to this vault and fails recovery against this vault's domain.
    function test_attack_signatureForAnotherVault() public {
        vm.chainId(CHAIN_A);
        CollateralVault otherVault = _deployVault();
        bytes memory packet = _vaultTarget();
        bytes memory sigs = _attest(IQuorumVerifier(address(otherVault)), packet, THRESHOLD);
        otherVault.verifyAttestation(packet, sigs);
        address recovered = _recover(vault.attestationDigest(packet), sigs, 0);
        assertFalse(vault.isAttester(recovered));
        vm.chainId(hubEid);
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered), packet, sigs
        );
    }

    // ------------------------------------------------------------ 6. below threshold

    function test_attack_belowThresholdAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        bytes memory oneSig = _attest(IQuorumVerifier(address(hub)), packet, 1);
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, THRESHOLD),
            packet,
            oneSig,
            b,
            guid
        );
    }

    function test_attack_belowThresholdAtVault() public {
        bytes memory packet = _vaultTarget();
        vm.chainId(CHAIN_A);
        bytes memory oneSig = _attest(IQuorumVerifier(address(vault)), packet, 1);
        vm.chainId(hubEid);
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, THRESHOLD), packet, oneSig
        );
    }

    // ------------------------------------------------------------ 7. duplicate signer

    /// @dev One attester's signature twice would count as 2 of 2; strict ascending order rejects
    /// the second copy (equal is not greater).
    function test_attack_duplicateSignerAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        bytes memory one = _attest(IQuorumVerifier(address(hub)), packet, 1);
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector, 1, attesterAddrs[0]),
            packet,
            bytes.concat(one, one),
            b,
            guid
        );
    }

    function test_attack_duplicateSignerAtVault() public {
        bytes memory packet = _vaultTarget();
        vm.chainId(CHAIN_A);
        bytes memory one = _attest(IQuorumVerifier(address(vault)), packet, 1);
        vm.chainId(hubEid);
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector, 1, attesterAddrs[0]),
            packet,
            bytes.concat(one, one)
        );
    }

    // ------------------------------------------------------------ 8. signer outside the set

    /// @dev attester0 plus mallory, in ascending order: mallory's signature is valid but she is no member.
    function _withMallory(IQuorumVerifier verifier, bytes memory packet)
        internal
        view
        returns (bytes memory sigs, uint256 malloryIndex)
    {
        address[] memory signers = new address[](2);
        uint256[] memory keys = new uint256[](2);
        (signers[0], signers[1]) = (attesterAddrs[0], mallory);
        (keys[0], keys[1]) = (attesterKeys[0], malloryKey);
        _sortByAddress(signers, keys);
        malloryIndex = signers[0] == mallory ? 0 : 1;
        sigs = _attestWith(verifier, packet, keys);
    }

    function test_attack_outsideSignerAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        (bytes memory sigs, uint256 i) = _withMallory(IQuorumVerifier(address(hub)), packet);
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, i, mallory),
            packet,
            sigs,
            b,
            guid
        );
    }

    function test_attack_outsideSignerAtVault() public {
        bytes memory packet = _vaultTarget();
        vm.chainId(CHAIN_A);
        (bytes memory sigs, uint256 i) = _withMallory(IQuorumVerifier(address(vault)), packet);
        vm.chainId(hubEid);
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, i, mallory), packet, sigs
        );
    }

    // ------------------------------------------------------------ 9. rotated-out signer

    /// @dev A quorum gathered from the old set (attester0 + attester1) is rejected after attester0
    /// is rotated out; the new set's quorum (attester1 + newcomer) over the same packet works.
    function test_attack_rotatedOutSignerAtHub() public {
        (bytes memory packet, bytes32 guid, BatchProof memory b) = _hubTarget();
        bytes memory oldSigs = _sigs(packet);
        uint256[] memory newKeys = _rotateOutAttester0(IQuorumVerifier(address(hub)));
        _expectHubRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, attesterAddrs[0]),
            packet,
            oldSigs,
            b,
            guid
        );

        hub.submitBatch(
            packet, _attestWith(IQuorumVerifier(address(hub)), packet, newKeys), b.leaves, b.proof, b.proofFlags
        );
        (uint256 credit,) = hub.creditedBalance(alice, CHAIN_A, address(usdc));
        assertEq(credit, 1_000e6, "new set's quorum applies");
    }

    function test_attack_rotatedOutSignerAtVault() public {
        bytes memory packet = _vaultTarget();
        bytes memory oldSigs = _vaultSigs(packet);
        uint256[] memory newKeys = _rotateOutAttester0(IQuorumVerifier(address(vault)));
        _expectVaultRejects(
            abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, attesterAddrs[0]),
            packet,
            oldSigs
        );

        vm.chainId(CHAIN_A);
        vault.receiveCommand(packet, _attestWith(IQuorumVerifier(address(vault)), packet, newKeys));
        assertEq(usdc.balanceOf(mallory), 1_000e6, "new set's quorum applies");
        assertEq(vault.inboundNonce(), 1);
    }

    // ------------------------------------------------------------ 10. broken attester sets at init

    /// @dev A zero threshold would make an empty signature blob a quorum.
    function test_attack_hubInitWithZeroThreshold() public {
        MarginHubExtension ext = new MarginHubExtension();
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 0, 3));
        new MarginHub(owner, attesterAddrs, 0, guardian, MAX_AGE, ext);
        assertEq(predicted.code.length, 0, "hub deployed");
    }

    function test_attack_hubInitWithEmptySet() public {
        MarginHubExtension ext = new MarginHubExtension();
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new MarginHub(owner, new address[](0), 1, guardian, MAX_AGE, ext);
        assertEq(predicted.code.length, 0, "hub deployed");
    }

    function test_attack_vaultInitWithZeroThreshold() public {
        vm.chainId(CHAIN_A);
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 0, 3));
        new CollateralVault(owner, hubEid, address(hub), attesterAddrs, 0, guardian);
        assertEq(predicted.code.length, 0, "vault deployed");
    }

    function test_attack_vaultInitWithEmptySet() public {
        vm.chainId(CHAIN_A);
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectRevert(IQuorumVerifier.QuorumVerifier_InvalidAttesterSet.selector);
        new CollateralVault(owner, hubEid, address(hub), new address[](0), 1, guardian);
        assertEq(predicted.code.length, 0, "vault deployed");
    }
}
