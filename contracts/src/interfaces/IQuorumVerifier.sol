// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IQuorumVerifier
/// @notice m-of-n attester quorum over EIP-712 attestations of packets. The EIP-712 domain is
/// `{name: "crossmargin", version: "1", chainId: <this chain>, verifyingContract: <this contract>}`
/// and the signed struct is `Attestation(bytes32 packetHash)` with `packetHash = keccak256(packet)`.
/// Signatures are 65-byte `r ‖ s ‖ v` concatenated, ordered by strictly ascending signer address.
interface IQuorumVerifier {
    /// @notice The attester set was replaced; `epoch` is the new set's number.
    event AttestersRotated(uint64 indexed epoch, address[] attesters, uint8 threshold);
    /// @notice The guardian role moved.
    event GuardianChanged(address indexed previousGuardian, address indexed newGuardian);

    /// @notice Fewer valid signatures than the threshold.
    error QuorumVerifier_BelowThreshold(uint256 signatures, uint256 threshold);
    /// @notice The signature blob is not a whole number of 65-byte signatures.
    error QuorumVerifier_InvalidSignatureLength(uint256 length);
    /// @notice A signature does not recover to an address (bad v, r or zero address).
    error QuorumVerifier_InvalidSignature(uint256 index);
    /// @notice A signature's s is in the upper half of the curve order (malleated).
    error QuorumVerifier_MalleableSignature(uint256 index);
    /// @notice Signers are not in strictly ascending order (this also rejects a duplicate signer).
    error QuorumVerifier_SignersNotAscending(uint256 index, address signer);
    /// @notice A signer is not in the current attester set (never was, or rotated out).
    error QuorumVerifier_UnknownSigner(uint256 index, address signer);
    /// @notice A new attester set is empty, has a zero or duplicate address, is unsorted, or its threshold is 0 or above its size.
    error QuorumVerifier_InvalidAttesterSet();
    /// @notice The threshold is zero or larger than the set.
    error QuorumVerifier_InvalidThreshold(uint256 threshold, uint256 attesters);
    /// @notice The caller is neither guardian nor owner.
    error QuorumVerifier_NotGuardian(address caller);

    /// @notice The current attester-set epoch (starts at 1).
    function epoch() external view returns (uint64);

    /// @notice The number of signatures needed.
    function threshold() external view returns (uint8);

    /// @notice The current attester set, ascending.
    function attesters() external view returns (address[] memory);

    /// @notice Whether `account` is in the current set.
    function isAttester(address account) external view returns (bool);

    /// @notice The EIP-712 digest attesters sign for `packet` on this contract.
    function attestationDigest(bytes calldata packet) external view returns (bytes32);

    /// @notice Reverts with a custom error unless `signatures` are a quorum over `packet`.
    function verifyAttestation(bytes calldata packet, bytes calldata signatures) external view;

    /// @notice Replaces the attester set (owner only); bumps the epoch.
    /// @param newAttesters strictly ascending, non-zero addresses
    /// @param newThreshold between 1 and `newAttesters.length`
    function rotateAttesters(address[] calldata newAttesters, uint8 newThreshold) external;

    /// @notice Sets the guardian that may pause (owner only).
    function setGuardian(address newGuardian) external;

    /// @notice The guardian.
    function guardian() external view returns (address);

    /// @notice Pauses every state-changing entry point (guardian or owner).
    function pause() external;

    /// @notice Unpauses (owner only).
    function unpause() external;
}
