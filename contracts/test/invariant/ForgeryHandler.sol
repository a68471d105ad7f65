// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {World} from "./CrossChainWorld.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {CrossChainHandler} from "./CrossChainHandler.sol";

/// @notice The adversary: submits packets an honest relayer never would — forged or malformed
/// quorums on otherwise acceptable packets, replays and reorders of real packets, misrouted
/// commands, tampered batch leaves — and records whether each reverted with the expected custom
/// error. Every call makes at least one attempt.
contract ForgeryHandler is HandlerBase {
    /// @dev Entry points a forgery can target.
    uint256 private constant SUBMIT_BATCH = 0;
    uint256 private constant SUBMIT_ROOT = 1;
    uint256 private constant RECEIVE_REQUEST = 2;
    uint256 private constant RECEIVE_COMMAND = 3;
    uint256 private constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @dev A submission: the entry point, its verifier and chain, the packet (and leaves for full batches).
    struct Target {
        uint256 entry;
        address verifier;
        uint32 chainId;
        bytes packet;
        BatchProof batch;
    }

    CrossChainHandler private immutable _honest;
    address private immutable _outsider;
    uint256 private immutable _outsiderKey;
    uint256 private immutable _retiredKey;
    /// @dev Batch index of forged batches, disjoint from the honest relayer's (which start at 0).
    uint16 private _forgedIndex = 0x8000;

    uint256 public attempts;
    /// @notice Submissions that went through (must stay 0).
    uint256 public accepted;
    /// @notice Submissions that reverted with another error than the expected one (must stay 0).
    uint256 public wrongError;
    /// @notice The test's own EIP-712 digest disagreed with the verifier's (must stay 0).
    uint256 public digestMismatch;
    bytes4 public lastWrongError;
    bytes32 public lastWrongLabel;

    constructor(World memory w, CrossChainHandler honest) HandlerBase(w) {
        _honest = honest;
        (_outsider, _outsiderKey) = makeAddrAndKey("outsider");
        (, _retiredKey) = makeAddrAndKey("retired-attester");
    }

    // ------------------------------------------------------------ actions

    /// @notice An acceptable-looking packet for one entry point (inflated batch, fake request, SEIZE
    /// to an outsider, each with the next nonce) under a bad quorum of kind `kindSeed % 10`.
    function forgeQuorum(uint256 entrySeed, uint256 kindSeed, uint256 chainSeed, uint256 actorSeed) external onHub {
        Target memory t = _target(entrySeed % 4, _chain(chainSeed), _trader(actorSeed));
        vm.chainId(t.chainId);
        bytes32 digest = IQuorumVerifier(t.verifier).attestationDigest(t.packet);
        if (digest != _digestFor(t.packet, t.chainId, t.verifier)) ++digestMismatch;
        (bytes memory sigs, bytes4 expected, bytes32 label) = _badQuorum(kindSeed % 10, t, digest);
        _expectRevert(t, sigs, expected, label);
    }

    /// @notice A real packet delivered again, out of order, to the wrong vault, or with a tampered
    /// leaf — each under a valid quorum. Falls through the kinds (on both paths) until one has
    /// material; the tampered leaf (kind 6) always has.
    function replay(uint256 kindSeed, uint256 chainSeed, uint256 pickSeed) external onHub {
        for (uint256 k; k < 7; ++k) {
            uint256 kind = (kindSeed % 7 + k) % 7;
            if (_tryReplay(kind, _chain(chainSeed), pickSeed)) return;
            if (_tryReplay(kind, _chain(chainSeed % 2 + 1), pickSeed)) return;
        }
    }

    // ------------------------------------------------------------ replays

    function _tryReplay(uint256 kind, uint32 chainId, uint256 pick) private returns (bool) {
        uint256 head;
        if (kind == 0) {
            head = _honest.requestHead(chainId);
            if (head == 0) return false;
            Target memory t = _hubTarget(RECEIVE_REQUEST, _honest.requestPacket(chainId, pick % head));
            _expectRevert(
                t,
                _quorum(t.verifier, t.chainId, t.packet),
                IMarginHub.MarginHub_RequestAlreadyReceived.selector,
                "replay.request"
            );
        } else if (kind == 1) {
            head = _honest.commandHead(chainId);
            if (head == 0) return false;
            Target memory t = _vaultTarget(chainId, _honest.commandPacket(chainId, pick % head));
            _expectRevert(
                t,
                _quorum(t.verifier, t.chainId, t.packet),
                ICollateralVault.CollateralVault_CommandAlreadyApplied.selector,
                "replay.command"
            );
        } else if (kind == 2) {
            return _replayBatch(pick);
        } else if (kind == 3) {
            head = _honest.commandHead(chainId);
            if (_honest.commandCount(chainId) < head + 2) return false;
            Target memory t = _vaultTarget(chainId, _honest.commandPacket(chainId, head + 1));
            _expectRevert(
                t,
                _quorum(t.verifier, t.chainId, t.packet),
                ICollateralVault.CollateralVault_CommandOutOfOrder.selector,
                "reorder.command"
            );
        } else if (kind == 4) {
            head = _honest.requestHead(chainId);
            if (_honest.requestCount(chainId) < head + 2) return false;
            Target memory t = _hubTarget(RECEIVE_REQUEST, _honest.requestPacket(chainId, head + 1));
            _expectRevert(
                t,
                _quorum(t.verifier, t.chainId, t.packet),
                IMarginHub.MarginHub_RequestOutOfOrder.selector,
                "reorder.request"
            );
        } else if (kind == 5) {
            uint256 n = _honest.commandCount(chainId);
            if (n == 0) return false;
            // A command for this chain's vault, delivered to the other vault under that vault's valid quorum.
            Target memory t = _vaultTarget(_chain(chainId == CHAIN_A ? 1 : 0), _honest.commandPacket(chainId, pick % n));
            _expectRevert(
                t,
                _quorum(t.verifier, t.chainId, t.packet),
                ICollateralVault.CollateralVault_WrongDestination.selector,
                "misroute.command"
            );
        } else {
            _tamperedLeaf(chainId, _trader(pick));
        }
        return true;
    }

    /// @dev Re-submits (as a root) a batch the hub already took, in full or as a root.
    function _replayBatch(uint256 pick) private returns (bool) {
        uint256 n = _honest.batchCount();
        for (uint256 k; k < n; ++k) {
            (bytes memory packet, bytes memory sigs, uint8 status) = _honest.batch((pick % n + k) % n);
            if (status != 1 && status != 2) continue; // APPLIED or STORED
            _expectRevert(
                _hubTarget(SUBMIT_ROOT, packet),
                sigs,
                IMarginHub.MarginHub_BatchAlreadySubmitted.selector,
                "replay.batch"
            );
            return true;
        }
        return false;
    }

    /// @dev A fresh, validly signed batch whose submitted leaf claims more than the attested root holds.
    function _tamperedLeaf(uint32 chainId, address actor) private {
        Target memory t = _batchTarget(SUBMIT_BATCH, chainId, actor, false);
        bytes memory sigs = _quorum(t.verifier, t.chainId, t.packet);
        t.batch.leaves[0].balance += 1_000_000e18;
        _expectRevert(t, sigs, IMarginHub.MarginHub_InvalidProof.selector, "tamper.leaf");
    }

    // ------------------------------------------------------------ bad quorums

    /// @dev Signatures of `kind` over `digest` (the verifier's own) or over another domain's digest.
    function _badQuorum(uint256 kind, Target memory t, bytes32 digest)
        private
        view
        returns (bytes memory sigs, bytes4 expected, bytes32 label)
    {
        bytes memory s0 = _sign(attesterKeys[0], digest);
        bytes memory s1 = _sign(attesterKeys[1], digest);
        if (kind == 0) return (s0, IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, "forge.belowThreshold");
        if (kind == 1) return ("", IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, "forge.noSignatures");
        if (kind == 2) {
            // The right contract on the wrong chain: the recovered signers are strangers.
            bytes32 d = _digestFor(t.packet, t.chainId == HUB_CHAIN ? CHAIN_A : HUB_CHAIN, t.verifier);
            return (
                _twoSorted(attesterKeys[0], attesterKeys[1], d),
                IQuorumVerifier.QuorumVerifier_UnknownSigner.selector,
                "forge.wrongChainId"
            );
        }
        if (kind == 3) {
            // The right chain, another verifying contract.
            address other = t.verifier == address(hub) ? address(vaultOn[CHAIN_A]) : address(hub);
            bytes32 d = _digestFor(t.packet, t.chainId, other);
            return (
                _twoSorted(attesterKeys[0], attesterKeys[1], d),
                IQuorumVerifier.QuorumVerifier_UnknownSigner.selector,
                "forge.wrongContract"
            );
        }
        if (kind == 4) {
            return (
                bytes.concat(_malleate(s0), s1),
                IQuorumVerifier.QuorumVerifier_MalleableSignature.selector,
                "forge.highS"
            );
        }
        if (kind == 5) {
            return (
                bytes.concat(s0, s0),
                IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector,
                "forge.duplicateSigner"
            );
        }
        if (kind == 6) {
            return (
                _twoSorted(_outsiderKey, attesterKeys[0], digest),
                IQuorumVerifier.QuorumVerifier_UnknownSigner.selector,
                "forge.outsider"
            );
        }
        if (kind == 7) {
            return (
                _twoSorted(_retiredKey, attesterKeys[1], digest),
                IQuorumVerifier.QuorumVerifier_UnknownSigner.selector,
                "forge.retiredSigner"
            );
        }
        if (kind == 8) {
            return (bytes.concat(s1, s0), IQuorumVerifier.QuorumVerifier_SignersNotAscending.selector, "forge.unsorted");
        }
        return (
            bytes.concat(s0, s1, hex"00"),
            IQuorumVerifier.QuorumVerifier_InvalidSignatureLength.selector,
            "forge.badLength"
        );
    }

    /// @dev Two signatures over `digest` ordered by ascending signer address.
    function _twoSorted(uint256 keyA, uint256 keyB, bytes32 digest) private pure returns (bytes memory) {
        if (vm.addr(keyA) > vm.addr(keyB)) (keyA, keyB) = (keyB, keyA);
        return bytes.concat(_sign(keyA, digest), _sign(keyB, digest));
    }

    /// @dev The twin signature (r, n − s, v flipped): valid for plain ecrecover, rejected as malleable.
    function _malleate(bytes memory sig) private pure returns (bytes memory) {
        (bytes32 r, bytes32 s) = abi.decode(sig, (bytes32, bytes32));
        uint8 v = uint8(sig[64]);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    /// @dev The EIP-712 digest of `packet` for any domain, computed independently of the contracts.
    function _digestFor(bytes memory packet, uint256 chainId, address verifyingContract)
        private
        pure
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("crossmargin"), keccak256("1"), chainId, verifyingContract)
        );
        bytes32 structHash = keccak256(abi.encode(keccak256("Attestation(bytes32 packetHash)"), keccak256(packet)));
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }

    // ------------------------------------------------------------ targets

    /// @dev A packet the entry point would accept under a valid quorum — a theft if it went through.
    function _target(uint256 entry, uint32 chainId, address actor) private returns (Target memory t) {
        if (entry == SUBMIT_BATCH || entry == SUBMIT_ROOT) return _batchTarget(entry, chainId, actor, true);
        if (entry == RECEIVE_REQUEST) {
            // A withdrawal request nobody made, claiming a huge post-request balance.
            (,, uint64 seq,) = vaultOn[chainId].accountState(actor, tokensOn[chainId][0]);
            bytes memory body = MessageCodec.encodeWithdrawalRequest(
                MessageCodec.WithdrawalRequest({
                    account: actor,
                    token: tokensOn[chainId][0],
                    amount: 1,
                    balanceAfter: 1e30,
                    seq: seq + 1_000,
                    inboundNonce: 0
                })
            );
            (bytes memory packet,) =
                _packetToHub(hub.inboundNonce(chainId) + 1, chainId, address(vaultOn[chainId]), body);
            return _hubTarget(RECEIVE_REQUEST, packet);
        }
        // A SEIZE of the actor's whole free balance to an outsider, with the vault's next nonce.
        CollateralVault v = vaultOn[chainId];
        (uint256 balance,,,) = v.accountState(actor, tokensOn[chainId][0]);
        bytes memory seize = MessageCodec.encodeSeize(
            MessageCodec.Seize({account: actor, token: tokensOn[chainId][0], amount: balance + 1, recipient: _outsider})
        );
        (bytes memory cmd,) =
            MessageCodec.encodePacket(v.inboundNonce() + 1, HUB_CHAIN, address(hub), chainId, address(v), seize);
        return _vaultTarget(chainId, cmd);
    }

    /// @dev A batch over the actor's keys on `chainId` (inflated when `inflate`), fresh nonce, stamped now.
    function _batchTarget(uint256 entry, uint32 chainId, address actor, bool inflate)
        private
        returns (Target memory t)
    {
        IMarginHub.Leaf[] memory leaves = _leavesFromVault(chainId, actor, type(uint256).max, true);
        for (uint256 i; inflate && i < leaves.length; ++i) {
            leaves[i].balance += 1_000_000e18;
            leaves[i].seq += 1_000;
        }
        BatchProof memory proof = _batchProof(leaves);
        bytes memory body = MessageCodec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({
                root: proof.root,
                leafCount: uint32(leaves.length),
                sourceBlock: uint64(block.number),
                sourceTimestamp: uint64(block.timestamp)
            })
        );
        uint64 nonce = (uint64(1) << 63) | (uint64(block.number) << 16) | _forgedIndex++;
        (bytes memory packet,) = _packetToHub(nonce, chainId, address(vaultOn[chainId]), body);
        t = _hubTarget(entry, packet);
        t.batch = proof;
    }

    function _hubTarget(uint256 entry, bytes memory packet) private view returns (Target memory t) {
        t.entry = entry;
        t.verifier = address(hub);
        t.chainId = HUB_CHAIN;
        t.packet = packet;
    }

    function _vaultTarget(uint32 chainId, bytes memory packet) private view returns (Target memory t) {
        t.entry = RECEIVE_COMMAND;
        t.verifier = address(vaultOn[chainId]);
        t.chainId = chainId;
        t.packet = packet;
    }

    /// @dev Submits on the target's chain and records the outcome against `expected`.
    function _expectRevert(Target memory t, bytes memory sigs, bytes4 expected, bytes32 label) private {
        bytes memory data;
        if (t.entry == SUBMIT_BATCH) {
            data = abi.encodeCall(
                IMarginHub.submitBatch, (t.packet, sigs, t.batch.leaves, t.batch.proof, t.batch.proofFlags)
            );
        } else if (t.entry == SUBMIT_ROOT) {
            data = abi.encodeCall(IMarginHub.submitRoot, (t.packet, sigs));
        } else if (t.entry == RECEIVE_REQUEST) {
            data = abi.encodeCall(IMarginHub.receiveWithdrawalRequest, (t.packet, sigs));
        } else {
            data = abi.encodeCall(ICollateralVault.receiveCommand, (t.packet, sigs));
        }
        vm.chainId(t.chainId);
        (bool ok, bytes memory err) = t.verifier.call(data);
        vm.chainId(HUB_CHAIN);
        ++attempts;
        _bump(label);
        if (ok) {
            ++accepted;
        } else if (_selector(err) != expected) {
            ++wrongError;
            lastWrongError = _selector(err);
            lastWrongLabel = label;
        }
    }
}
