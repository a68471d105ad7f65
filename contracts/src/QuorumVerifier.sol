// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IQuorumVerifier} from "./interfaces/IQuorumVerifier.sol";

/// @title QuorumVerifier
/// @notice Shared base of the vault and the hub: an m-of-n attester set rotated by epoch,
/// EIP-712 attestations bound to this chain and contract, and a guardian pause.
abstract contract QuorumVerifier is IQuorumVerifier, Ownable2Step, Pausable, EIP712 {
    /// @dev keccak256("Attestation(bytes32 packetHash)")
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256("Attestation(bytes32 packetHash)");
    uint256 private constant SIGNATURE_LENGTH = 65;

    uint64 private _epoch;
    uint8 private _threshold;
    address private _guardian;
    address[] private _attesters;
    /// @dev epoch => attester => member
    mapping(uint64 => mapping(address => bool)) private _isAttester;

    constructor(address initialOwner, address[] memory initialAttesters, uint8 initialThreshold, address initialGuardian)
        Ownable(initialOwner)
        EIP712("crossmargin", "1")
    {
        _rotate(initialAttesters, initialThreshold);
        _setGuardian(initialGuardian);
    }

    /// @inheritdoc IQuorumVerifier
    function epoch() external view returns (uint64) {
        return _epoch;
    }

    /// @inheritdoc IQuorumVerifier
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc IQuorumVerifier
    function attesters() external view returns (address[] memory) {
        return _attesters;
    }

    /// @inheritdoc IQuorumVerifier
    function isAttester(address account) external view returns (bool) {
        return _isAttester[_epoch][account];
    }

    /// @inheritdoc IQuorumVerifier
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc IQuorumVerifier
    function attestationDigest(bytes calldata packet) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ATTESTATION_TYPEHASH, keccak256(packet))));
    }

    /// @inheritdoc IQuorumVerifier
    function verifyAttestation(bytes calldata packet, bytes calldata signatures) public view {
        _verifyQuorum(attestationDigest(packet), signatures);
    }

    /// @inheritdoc IQuorumVerifier
    function rotateAttesters(address[] calldata newAttesters, uint8 newThreshold) external onlyOwner {
        _rotate(newAttesters, newThreshold);
    }

    /// @inheritdoc IQuorumVerifier
    function setGuardian(address newGuardian) external onlyOwner {
        _setGuardian(newGuardian);
    }

    /// @inheritdoc IQuorumVerifier
    function pause() external {
        if (msg.sender != _guardian && msg.sender != owner()) revert QuorumVerifier_NotGuardian(msg.sender);
        _pause();
    }

    /// @inheritdoc IQuorumVerifier
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @dev Reverts unless `signatures` hold at least `threshold` valid signatures over `digest`
    /// by distinct members of the current set, in strictly ascending signer order.
    function _verifyQuorum(bytes32 digest, bytes calldata signatures) internal view {
        if (signatures.length % SIGNATURE_LENGTH != 0) revert QuorumVerifier_InvalidSignatureLength(signatures.length);
        uint256 count = signatures.length / SIGNATURE_LENGTH;
        uint256 needed = _threshold;
        if (count < needed) revert QuorumVerifier_BelowThreshold(count, needed);
        uint64 current = _epoch;
        address previous;
        for (uint256 i; i < count; ++i) {
            // Offsets stay below signatures.length, a calldata length, so they cannot overflow.
            uint256 offset = i * SIGNATURE_LENGTH;
            bytes32 r = bytes32(signatures[offset:offset + 32]);
            bytes32 s = bytes32(signatures[offset + 32:offset + 64]);
            uint8 v = uint8(signatures[offset + 64]);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
            if (err == ECDSA.RecoverError.InvalidSignatureS) revert QuorumVerifier_MalleableSignature(i);
            if (err != ECDSA.RecoverError.NoError) revert QuorumVerifier_InvalidSignature(i);
            if (signer <= previous) revert QuorumVerifier_SignersNotAscending(i, signer);
            if (!_isAttester[current][signer]) revert QuorumVerifier_UnknownSigner(i, signer);
            previous = signer;
        }
    }

    function _rotate(address[] memory newAttesters, uint8 newThreshold) private {
        uint256 n = newAttesters.length;
        if (n == 0) revert QuorumVerifier_InvalidAttesterSet();
        if (newThreshold == 0 || newThreshold > n) revert QuorumVerifier_InvalidThreshold(newThreshold, n);
        uint64 next = _epoch + 1;
        address previous;
        for (uint256 i; i < n; ++i) {
            address a = newAttesters[i];
            // Ascending order rejects zero (nothing is below it) and duplicates in one pass.
            if (a <= previous) revert QuorumVerifier_InvalidAttesterSet();
            _isAttester[next][a] = true;
            previous = a;
        }
        _epoch = next;
        _threshold = newThreshold;
        _attesters = newAttesters;
        emit AttestersRotated(next, newAttesters, newThreshold);
    }

    function _setGuardian(address newGuardian) private {
        emit GuardianChanged(_guardian, newGuardian);
        _guardian = newGuardian;
    }
}
