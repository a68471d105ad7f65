// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IMarginHub} from "../interfaces/IMarginHub.sol";

/// @title HubCredit
/// @notice The hub's credit record of one (account, chainId, token), its sequencing rules
/// (contracts/README.md, "Hub credit"), and batch-leaf hashing and proofs. Used by `MarginHub`.
/// @dev Storage is two slots. Slot 0 packs `{balance, seq, lastCommandNonce}` so an ordinary
/// update costs one cold SLOAD and one SSTORE. Slot 1 packs `{outstanding, lastSeizeNonce}` and is
/// written by seizes only. `outstanding` is only meaningful while `lastCommandNonce != 0`: a leaf
/// that acknowledges every command sets `lastCommandNonce = 0` without touching slot 1, and the
/// next seize overwrites `outstanding` instead of adding to it. `lastSeizeNonce` is never cleared.
library HubCredit {
    /// @notice One credit record.
    /// @param balance credited token units (what the hub counts)
    /// @param seq the vault's seq of the last applied leaf
    /// @param lastCommandNonce nonce of the last SEIZE the hub ordered that no leaf has acknowledged yet (0 = none)
    /// @param outstanding seized amounts ordered since the last acknowledgement (valid while lastCommandNonce != 0)
    /// @param lastSeizeNonce nonce of the last SEIZE the hub ever ordered for this key (0 = none), acknowledged or not
    struct Credit {
        uint128 balance;
        uint64 seq;
        uint64 lastCommandNonce;
        uint128 outstanding;
        uint64 lastSeizeNonce;
    }

    /// @notice The OpenZeppelin StandardMerkleTree hash of a batch leaf:
    /// `keccak256(bytes.concat(keccak256(abi.encode(chainId, vault, account, token, balance, seq, inboundNonce, sourceBlock))))`.
    /// @dev A calldata `Leaf` is static: its eight fields sit in eight consecutive words, exactly
    /// as `abi.encode` lays them out, so the words are hashed in place. A caller that sends dirty
    /// high bits only gets a hash no attested tree contains, so the proof fails.
    function leafHash(IMarginHub.Leaf calldata l) internal pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, l, 0x100)
            mstore(0x00, keccak256(ptr, 0x100))
            h := keccak256(0x00, 0x20)
        }
    }

    /// @notice Reverts unless every leaf comes from `srcEid`'s `vault` and the multiproof proves all
    /// of them against `root` (MarginHub_LeafSourceMismatch / MarginHub_InvalidProof).
    function verifyLeaves(
        IMarginHub.Leaf[] calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        uint32 srcEid,
        address vault,
        bytes32 root
    ) internal pure {
        uint256 n = leaves.length;
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            bool fromSource;
            bytes32 h;
            // A Leaf is static (8 words), so leaves[i] starts at leaves.offset + i·256 and i < n
            // keeps it inside the calldata array. Whole words are compared: a dirty chainId or
            // vault word is a mismatch. The words are then hashed as in leafHash.
            assembly ("memory-safe") {
                let l := add(leaves.offset, shl(8, i))
                fromSource := and(
                    eq(calldataload(l), and(srcEid, 0xffffffff)),
                    eq(calldataload(add(l, 0x20)), and(vault, 0xffffffffffffffffffffffffffffffffffffffff))
                )
                let ptr := mload(0x40)
                calldatacopy(ptr, l, 0x100)
                mstore(0x00, keccak256(ptr, 0x100))
                h := keccak256(0x00, 0x20)
            }
            if (!fromSource) revert IMarginHub.MarginHub_LeafSourceMismatch(i);
            hashes[i] = h;
        }
        // A well-formed multiproof consumes every sibling: checking its shape first keeps
        // OpenZeppelin's own revert unreachable, so a bad proof always reads InvalidProof.
        if (n == 0 || n + proof.length != proofFlags.length + 1 || _countFalse(proofFlags) != proof.length) {
            revert IMarginHub.MarginHub_InvalidProof();
        }
        if (!MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, hashes)) revert IMarginHub.MarginHub_InvalidProof();
    }

    /// @notice The fields of `leaves[i]` (i < leaves.length; `amount` is its balance) except chainId and vault, which
    /// `verifyLeaves` already matched against the header.
    /// @dev Reads the static struct's words directly; each is masked to its type. After
    /// `verifyLeaves` the words are those of an attested leaf, which its tree encoded cleanly.
    function readLeaf(IMarginHub.Leaf[] calldata leaves, uint256 i)
        internal
        pure
        returns (address account, address token, uint256 amount, uint64 seq, uint64 inboundNonce, uint64 sourceBlock)
    {
        assembly ("memory-safe") {
            let l := add(leaves.offset, shl(8, i))
            let addrMask := 0xffffffffffffffffffffffffffffffffffffffff
            let u64Mask := 0xffffffffffffffff
            account := and(calldataload(add(l, 0x40)), addrMask)
            token := and(calldataload(add(l, 0x60)), addrMask)
            amount := calldataload(add(l, 0x80))
            seq := and(calldataload(add(l, 0xa0)), u64Mask)
            inboundNonce := and(calldataload(add(l, 0xc0)), u64Mask)
            sourceBlock := and(calldataload(add(l, 0xe0)), u64Mask)
        }
    }

    function _countFalse(bool[] calldata flags) private pure returns (uint256 count) {
        uint256 n = flags.length;
        for (uint256 i; i < n; ++i) {
            if (!flags[i]) ++count;
        }
    }

    /// @notice Applies a vault's attested figures: nothing when `seq` is not newer; otherwise the
    /// credit becomes `balance` when `inboundNonce ≥ lastCommandNonce` (every seize applied at
    /// the vault; the outstanding record is cleared), else `max(0, balance − outstanding)`.
    /// @return changed whether the record changed
    /// @return credited the new credited balance (meaningful when `changed`)
    function applyLeaf(Credit storage c, uint256 balance, uint64 seq, uint64 inboundNonce)
        internal
        returns (bool changed, uint256 credited)
    {
        if (balance > type(uint128).max) revert IMarginHub.MarginHub_BalanceTooLarge(balance);
        if (seq <= c.seq) return (false, 0);
        uint64 last = c.lastCommandNonce;
        if (inboundNonce >= last) {
            credited = balance;
            last = 0;
        } else {
            uint256 out = c.outstanding;
            // Only subtracted when balance > out, so it cannot underflow.
            unchecked {
                credited = balance > out ? balance - out : 0;
            }
        }
        _writeSlot0(c, credited, seq, last);
        return (true, credited);
    }

    /// @notice Books a SEIZE of `amount` (≤ balance) ordered with command `nonce`: lowers the
    /// credit at once and records the amount as outstanding until a leaf acknowledges `nonce`.
    function orderSeize(Credit storage c, uint256 amount, uint64 nonce) internal {
        uint256 previousOut = c.lastCommandNonce == 0 ? 0 : c.outstanding;
        uint128 out = SafeCast.toUint128(previousOut + amount);
        // Layout of slot 1: outstanding [0:128) | lastSeizeNonce [128:192); one SSTORE.
        assembly ("memory-safe") {
            sstore(add(c.slot, 1), or(out, shl(128, and(nonce, 0xffffffffffffffff))))
        }
        // Checked: reverts if amount exceeds the credit, so the written balance fits in uint128.
        _writeSlot0(c, c.balance - amount, c.seq, nonce);
    }

    /// @notice Counts a rejected withdrawal's `amount` again, but only when that cannot over-credit:
    /// no seize outstanding (`lastCommandNonce == 0`) and every seize the hub ever ordered for this
    /// key was applied at the vault before the request was made (`lastSeizeNonce ≤
    /// requestInboundNonce`, the request's figures' inboundNonce). Then no seize took any of the
    /// request's pending, and every later command is ordered after the REJECT, so the vault returns
    /// the whole amount to balance before anything else touches it. Otherwise (a seize may have
    /// taken part of it, or is still to apply first) the credit stays conservative; a later leaf
    /// restores it. Also skipped when the sum would not fit in uint128 (never stalls the path).
    /// Call after the request's figures were applied (`applyLeaf`).
    /// @return credited whether the amount was added
    /// @return newBalance the new credited balance (meaningful when `credited`)
    function creditRejected(Credit storage c, uint256 amount, uint64 requestInboundNonce)
        internal
        returns (bool credited, uint256 newBalance)
    {
        if (c.lastCommandNonce != 0 || c.lastSeizeNonce > requestInboundNonce) return (false, 0);
        uint256 balance = c.balance;
        if (amount > type(uint128).max - balance) return (false, 0);
        // balance + amount ≤ type(uint128).max (checked above), so this cannot overflow.
        unchecked {
            newBalance = balance + amount;
        }
        _writeSlot0(c, newBalance, c.seq, 0);
        return (true, newBalance);
    }

    /// @notice Outstanding seized amount and the last unacknowledged command nonce ((0, 0) when none).
    function outstandingOf(Credit storage c) internal view returns (uint256 amount, uint64 lastCommandNonce) {
        lastCommandNonce = c.lastCommandNonce;
        if (lastCommandNonce != 0) amount = c.outstanding;
    }

    /// @dev One SSTORE of slot 0. `newBalance` fits in uint128: callers pass a leaf balance checked
    /// against uint128, a difference of such balances, or a lowered credit.
    function _writeSlot0(Credit storage c, uint256 newBalance, uint64 newSeq, uint64 newLastCommandNonce) private {
        // Layout of slot 0 (Solidity packs the first members from the low-order end):
        // balance [0:128) | seq [128:192) | lastCommandNonce [192:256).
        assembly ("memory-safe") {
            let u64Mask := 0xffffffffffffffff
            sstore(
                c.slot,
                or(or(newBalance, shl(128, and(newSeq, u64Mask))), shl(192, and(newLastCommandNonce, u64Mask)))
            )
        }
    }
}
