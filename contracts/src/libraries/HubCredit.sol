// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IMarginHub} from "../interfaces/IMarginHub.sol";

/// @title HubCredit
/// @notice The hub's credit record of one (account, chainId, token), its sequencing rules
/// (contracts/README.md, "Hub credit"), and batch-leaf hashing and proofs. Used by `MarginHub`.
/// @dev Slot 0 packs `{balance, seq, lastCommandNonce}` so an ordinary update (no command in
/// flight) costs one cold SLOAD and one SSTORE. Commands the vault may not have applied yet sit
/// in a per-key queue `[head, tail)` of `entries`, oldest first, each `{nonce, kind, amount}`: a
/// SEIZE lowers the vault balance when it applies, a credited REJECT raises it. A leaf drops the
/// entries it acknowledges (`nonce ≤ leaf.inboundNonce`) and adjusts its balance by exactly the
/// rest, so two seizes acknowledged one at a time are each subtracted once.
library HubCredit {
    /// @notice At most this many credited rejections wait in one key's queue; beyond it a
    /// rejection is not credited until the vault applies it (conservative, bounds leaf gas).
    uint256 internal constant MAX_QUEUED_REJECTS = 8;

    uint256 private constant KIND_SEIZE = 0;
    uint256 private constant KIND_REJECT = 1;

    /// @notice One credit record.
    /// @param balance credited token units (what the hub counts)
    /// @param seq the vault's seq of the last applied leaf
    /// @param lastCommandNonce nonce of the newest queued command (0 = queue empty)
    /// @param head first queued entry
    /// @param tail one past the last queued entry
    /// @param lastSeizeNonce nonce of the last SEIZE the hub ever ordered for this key (0 = none)
    /// @param queuedRejects credited rejections in the queue
    /// @param entries queued commands: `nonce | kind << 64 | amount << 128`
    struct Credit {
        uint128 balance;
        uint64 seq;
        uint64 lastCommandNonce;
        uint64 head;
        uint64 tail;
        uint64 lastSeizeNonce;
        uint64 queuedRejects;
        mapping(uint256 index => uint256 entry) entries;
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

    /// @notice Applies a vault's attested figures: nothing when `seq` is not newer; otherwise drops
    /// the queued commands the leaf acknowledges (`nonce ≤ inboundNonce`) and credits
    /// `max(0, balance − Σ queued seizes + Σ queued credited rejections)`.
    /// @return changed whether the record changed
    /// @return credited the new credited balance (meaningful when `changed`)
    function applyLeaf(Credit storage c, uint256 balance, uint64 seq, uint64 inboundNonce)
        internal
        returns (bool changed, uint256 credited)
    {
        if (balance > type(uint128).max) revert IMarginHub.MarginHub_BalanceTooLarge(balance);
        if (seq <= c.seq) return (false, 0);
        uint64 last = c.lastCommandNonce;
        if (last == 0) {
            _writeSlot0(c, balance, seq, 0);
            return (true, balance);
        }
        if (inboundNonce >= last) {
            _clearQueue(c);
            _writeSlot0(c, balance, seq, 0);
            return (true, balance);
        }
        (uint256 head, uint256 droppedRejects, uint256 seized, uint256 returned) = _scan(c, inboundNonce);
        if (head != c.head) {
            // head ≤ tail fits in uint64; droppedRejects ≤ queuedRejects.
            c.head = uint64(head);
            c.queuedRejects -= uint64(droppedRejects);
        }
        credited = _net(balance, seized, returned);
        _writeSlot0(c, credited, seq, last);
        return (true, credited);
    }

    /// @notice The credit `applyLeaf` would write for these figures (when `seq` is newer), without writing.
    function creditAfter(Credit storage c, uint256 balance, uint64 inboundNonce) internal view returns (uint256) {
        if (balance > type(uint128).max) revert IMarginHub.MarginHub_BalanceTooLarge(balance);
        uint64 last = c.lastCommandNonce;
        if (last == 0 || inboundNonce >= last) return balance;
        (,, uint256 seized, uint256 returned) = _scan(c, inboundNonce);
        return _net(balance, seized, returned);
    }

    /// @notice Raises the credit by `amount` without a new seq: the part of a waiting leaf's rise its
    /// route's limit already paid for (the leaf itself still applies later, by its seq).
    /// @return newBalance the raised credit
    function raise(Credit storage c, uint256 amount) internal returns (uint256 newBalance) {
        // Checked: the raised credit stays below the waiting leaf's figure, which fits in uint128.
        newBalance = SafeCast.toUint128(c.balance + amount);
        _writeSlot0(c, newBalance, c.seq, c.lastCommandNonce);
    }

    /// @notice Books a SEIZE of `amount` (≤ balance) ordered with command `nonce`: lowers the
    /// credit at once and queues the command until a leaf acknowledges it.
    function orderSeize(Credit storage c, uint256 amount, uint64 nonce) internal {
        _push(c, nonce, KIND_SEIZE, amount);
        c.lastSeizeNonce = nonce;
        // Checked: reverts if amount exceeds the credit, so the written balance fits in uint128.
        _writeSlot0(c, c.balance - amount, c.seq, nonce);
    }

    /// @notice Counts a rejected withdrawal's `amount` again (the vault returns it from pending to
    /// balance when it applies REJECT `nonce`) and queues it, so a leaf read before the vault
    /// applies the REJECT keeps it. Only when the whole amount is sure to return: every seize the
    /// hub ever ordered for this key was applied at the vault before the request was made
    /// (`lastSeizeNonce ≤ requestInboundNonce`), so no seize took any of its pending and every
    /// later seize applies after the REJECT. Otherwise the credit stays at the conservative
    /// post-request figure until a leaf shows the returned amount. Also skipped when the queue
    /// holds `MAX_QUEUED_REJECTS` or the sum would not fit in uint128 (never stalls the path).
    /// Call after the request's figures were applied (`applyLeaf`).
    /// @return credited whether the amount was added
    /// @return newBalance the new credited balance (meaningful when `credited`)
    function creditRejected(Credit storage c, uint256 amount, uint64 requestInboundNonce, uint64 nonce)
        internal
        returns (bool credited, uint256 newBalance)
    {
        if (c.lastSeizeNonce > requestInboundNonce || c.queuedRejects >= MAX_QUEUED_REJECTS) return (false, 0);
        uint256 balance = c.balance;
        if (amount > type(uint128).max - balance) return (false, 0);
        // balance + amount ≤ type(uint128).max (checked above), so this cannot overflow.
        unchecked {
            newBalance = balance + amount;
        }
        _push(c, nonce, KIND_REJECT, amount);
        ++c.queuedRejects;
        _writeSlot0(c, newBalance, c.seq, nonce);
        return (true, newBalance);
    }

    /// @notice Σ queued seize amounts and the newest queued command nonce ((0, 0) when none).
    function outstandingOf(Credit storage c) internal view returns (uint256 amount, uint64 lastCommandNonce) {
        lastCommandNonce = c.lastCommandNonce;
        if (lastCommandNonce == 0) return (0, 0);
        for (uint256 i = c.head; i < c.tail; ++i) {
            uint256 e = c.entries[i];
            if ((e >> 64) & 1 == KIND_SEIZE) amount += e >> 128;
        }
    }

    /// @dev Appends a queued command. Amounts fit in 128 bits (they are credits or parts of one).
    function _push(Credit storage c, uint64 nonce, uint256 kind, uint256 amount) private {
        uint64 tail = c.tail;
        c.entries[tail] = uint256(nonce) | (kind << 64) | (uint256(SafeCast.toUint128(amount)) << 128);
        c.tail = tail + 1;
    }

    /// @dev Finds the first entry a leaf with `inboundNonce` does not acknowledge (commands apply in
    /// nonce order), the credited rejections before it, and what the entries from it on will still
    /// change at the vault.
    function _scan(Credit storage c, uint64 inboundNonce)
        private
        view
        returns (uint256 head, uint256 droppedRejects, uint256 seized, uint256 returned)
    {
        head = c.head;
        uint256 tail = c.tail;
        for (; head < tail; ++head) {
            uint256 e = c.entries[head];
            if (uint64(e) > inboundNonce) break;
            if ((e >> 64) & 1 == KIND_REJECT) ++droppedRejects;
        }
        for (uint256 i = head; i < tail; ++i) {
            uint256 e = c.entries[i];
            if ((e >> 64) & 1 == KIND_SEIZE) seized += e >> 128;
            else returned += e >> 128;
        }
    }

    /// @dev `max(0, balance + returned − seized)`, capped at uint128.
    function _net(uint256 balance, uint256 seized, uint256 returned) private pure returns (uint256 credited) {
        credited = balance + returned;
        // Only subtracted when credited > seized, so it cannot underflow.
        unchecked {
            credited = credited > seized ? credited - seized : 0;
        }
        if (credited > type(uint128).max) credited = type(uint128).max;
    }

    /// @dev Every queued command was acknowledged: reuse the slots from index 0.
    function _clearQueue(Credit storage c) private {
        c.head = 0;
        c.tail = 0;
        c.queuedRejects = 0;
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
