// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarginHubBase} from "./MarginHubBase.sol";
import {MarginHubExtension} from "./MarginHubExtension.sol";
import {IMarginHub} from "./interfaces/IMarginHub.sol";
import {IMarginConsumer} from "./interfaces/IMarginConsumer.sol";
import {MessageCodec} from "./libraries/MessageCodec.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {HubCredit} from "./libraries/HubCredit.sol";
import {HubRisk} from "./libraries/HubRisk.sol";
import {HubRoute} from "./libraries/HubRoute.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";
/// @title MarginHub
/// @notice Credits collateral held in vaults on other chains from quorum-attested balance
/// batches, prices it, answers withdrawal requests and orders seizures of liquidated accounts.
/// Protocol rules: contracts/README.md ("Hub credit", "Batches", "Withdrawal requests",
/// "Margin math", "Liquidation").
/// @dev Administration and liquidation run in `MarginHubExtension` (deployed first, passed to the constructor)
/// through delegatecall on this storage. `Liquidated.seizedUsd` is the part of `owedUsd` the
/// seizures cover (their value without the liquidation bonus), so `owedUsd − seizedUsd` is the
/// bad debt left uncovered.
contract MarginHub is IMarginHub, MarginHubBase, ReentrancyGuardTransient {
    using HubCredit for HubCredit.Credit;

    address private immutable _extension;

    /// @param initialOwner admin (vaults, collaterals, consumers, attester rotation)
    /// @param initialAttesters strictly ascending attester addresses
    /// @param initialThreshold signatures needed
    /// @param initialGuardian may pause
    /// @param maxAge seconds a batch attestation stays valid (> 0)
    /// @param extension_ a `MarginHubExtension` built from the same sources (it runs on this
    /// storage, so its layout must match); deployed separately to keep this creation code within
    /// EIP-3860's 49,152 bytes
    constructor(
        address initialOwner,
        address[] memory initialAttesters,
        uint8 initialThreshold,
        address initialGuardian,
        uint64 maxAge,
        MarginHubExtension extension_
    ) MarginHubBase(initialOwner, initialAttesters, initialThreshold, initialGuardian) {
        if (!_isExtension(extension_)) revert MarginHub_InvalidExtension(address(extension_));
        _extension = address(extension_);
        _setMaxAttestationAge(maxAge);
    }

    /// @inheritdoc IMarginHub
    function extension() external view returns (address) {
        return _extension;
    }

    /// @dev Whether `candidate` answers as a `MarginHubExtension` (an address without code or
    /// another contract does not).
    function _isExtension(MarginHubExtension candidate) private view returns (bool) {
        if (address(candidate).code.length == 0) return false;
        try candidate.isMarginHubExtension() returns (bool yes) {
            return yes;
        } catch {
            return false;
        }
    }

    // ------------------------------------------------------------ relayed entry points

    /// @inheritdoc IMarginHub
    function submitBatch(
        bytes calldata packet,
        bytes calldata signatures,
        Leaf[] calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external whenNotPaused nonReentrant {
        verifyAttestation(packet, signatures);
        (bytes32 guid, uint32 srcEid, address vault, MessageCodec.BalanceBatch memory b) = _acceptBatch(packet);
        if (b.leafCount != leaves.length) revert MarginHub_LeafCountMismatch(b.leafCount, leaves.length);
        HubCredit.verifyLeaves(leaves, proof, proofFlags, srcEid, vault, b.root);
        _applyLeaves(leaves, srcEid);
        emit BatchApplied(guid, srcEid, b.root, b.leafCount, b.sourceBlock);
    }

    /// @inheritdoc IMarginHub
    function submitRoot(bytes calldata packet, bytes calldata signatures)
        external
        whenNotPaused
        nonReentrant
        returns (bytes32 guid)
    {
        verifyAttestation(packet, signatures);
        uint32 srcEid;
        address vault;
        MessageCodec.BalanceBatch memory b;
        (guid, srcEid, vault, b) = _acceptBatch(packet);
        _roots[guid] = StoredRoot({root: b.root, srcEid: srcEid, sourceTimestamp: b.sourceTimestamp, vault: vault});
        emit RootStored(guid, srcEid, b.root, b.sourceBlock, b.sourceTimestamp);
    }

    /// @inheritdoc IMarginHub
    function applyLeaf(bytes32 guid, Leaf calldata leaf, bytes32[] calldata proof) external whenNotPaused nonReentrant {
        StoredRoot storage r = _roots[guid];
        bytes32 root = r.root;
        if (root == bytes32(0)) revert MarginHub_UnknownRoot(guid);
        _checkAge(r.sourceTimestamp);
        if (leaf.chainId != r.srcEid || leaf.vault != r.vault) revert MarginHub_LeafSourceMismatch(0);
        if (!MerkleProof.verifyCalldata(proof, root, HubCredit.leafHash(leaf))) revert MarginHub_InvalidProof();
        HubRoute.Route storage route = _routes[r.srcEid];
        HubRoute.Meter memory m = HubRoute.open(route);
        _meterLeaf(m, leaf.account, leaf.chainId, leaf.token, leaf.balance, leaf.seq, leaf.inboundNonce, leaf.sourceBlock);
        HubRoute.close(route, m);
    }

    /// @inheritdoc IMarginHub
    function receiveWithdrawalRequest(bytes calldata packet, bytes calldata signatures) external whenNotPaused nonReentrant {
        verifyAttestation(packet, signatures);
        MessageCodec.Header memory h = MessageCodec.decodeHeader(packet);
        address vault = _checkRoute(h);
        bytes calldata body = MessageCodec.message(packet);
        uint8 t = MessageCodec.messageType(body);
        if (t != MessageCodec.WITHDRAWAL_REQUEST) revert MarginHub_UnexpectedMessage(t);
        MessageCodec.WithdrawalRequest memory w = MessageCodec.decodeWithdrawalRequest(body);

        uint64 expected = _inboundNonce[h.srcEid] + 1;
        if (h.nonce < expected) revert MarginHub_RequestAlreadyReceived(h.srcEid, h.nonce);
        if (h.nonce != expected) revert MarginHub_RequestOutOfOrder(h.srcEid, expected, h.nonce);
        _inboundNonce[h.srcEid] = h.nonce;
        _markRouteUsed(h.srcEid);
        emit WithdrawalRequestReceived(h.guid, w.account, h.srcEid, w.token, w.amount, h.nonce);

        _answerRequest(h, vault, w);
    }

    /// @inheritdoc IMarginHub
    function liquidate(address) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function liquidateTo(address, address) external {
        _delegate();
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IMarginHub
    /// @dev Without an initial requirement nothing is priced, so stale feeds do not block.
    function requireInitialMargin(address account) external view {
        (uint256 initialUsd,, bool priced) = _requirements(account);
        if (!priced) revert MarginHub_RequirementNotPriced(account);
        if (initialUsd == 0) return;
        if (!_sequencerUp()) revert MarginHub_SequencerDown();
        (, uint256 adjustedUsd,) = _valuation(account, true);
        if (adjustedUsd < initialUsd) revert MarginHub_InsufficientMargin(account, adjustedUsd, initialUsd);
    }

    /// @inheritdoc IMarginHub
    /// @dev False without a maintenance requirement (nothing is priced then).
    function isLiquidatable(address account) external view returns (bool) {
        (, uint256 maintenanceUsd, bool priced) = _requirements(account);
        if (maintenanceUsd == 0 || !priced || !_sequencerUp()) return false;
        (,, uint256 liquidationUsd) = _valuation(account, false);
        return liquidationUsd < maintenanceUsd;
    }

    /// @inheritdoc IMarginHub
    function creditedBalance(address account, uint64 chainId, address token)
        external
        view
        returns (uint256 balance, uint64 seq)
    {
        HubCredit.Credit storage c = _credits[account][chainId][token];
        return (c.balance, c.seq);
    }

    /// @inheritdoc IMarginHub
    function outstanding(address account, uint64 chainId, address token)
        external
        view
        returns (uint256 amount, uint64 lastCommandNonce)
    {
        return _credits[account][chainId][token].outstandingOf();
    }

    /// @inheritdoc IMarginHub
    function collateralValue(address account) external view returns (uint256 valueUsd, uint256 adjustedUsd) {
        (valueUsd, adjustedUsd,) = _valuation(account, false);
    }

    /// @inheritdoc IMarginHub
    function accountMargin(address account) external view returns (Margin memory m) {
        (m.collateralUsd, m.adjustedUsd, m.liquidationUsd) = _valuation(account, false);
        (m.initialUsd, m.maintenanceUsd,) = _requirements(account);
        m.healthFactor = MarginMath.healthFactor(m.liquidationUsd, m.maintenanceUsd);
    }

    /// @inheritdoc IMarginHub
    function health(address account) external view returns (uint256) {
        (,, uint256 liquidationUsd) = _valuation(account, false);
        (, uint256 maintenanceUsd,) = _requirements(account);
        return MarginMath.healthFactor(liquidationUsd, maintenanceUsd);
    }

    /// @inheritdoc IMarginHub
    function collaterals() external view returns (CollateralKey[] memory) {
        return _collateralKeys;
    }

    /// @inheritdoc IMarginHub
    function collateralConfig(uint64 chainId, address token) external view returns (CollateralConfig memory) {
        return HubRisk.toConfig(_collateral[chainId][token]);
    }

    /// @inheritdoc IMarginHub
    function concentration(uint64 chainId, address token) external view returns (Concentration memory) {
        return _concentration[chainId][token];
    }

    /// @inheritdoc IMarginHub
    function closeFactor() external view returns (uint16, uint16) {
        uint16 cf = _closeFactorBps;
        return (cf == 0 ? uint16(MarginMath.BPS) : cf, _fullLiquidationHealthBps);
    }

    /// @inheritdoc IMarginHub
    function consumers() external view returns (address[] memory) {
        return _consumers;
    }

    /// @inheritdoc IMarginHub
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod) {
        return (_sequencerFeed, _sequencerGracePeriod);
    }

    /// @inheritdoc IMarginHub
    function vaultOf(uint32 eid) external view returns (address) {
        return _vaults[eid];
    }

    /// @inheritdoc IMarginHub
    function localEid() external view returns (uint32) {
        return _localEid;
    }

    /// @inheritdoc IMarginHub
    function maxAttestationAge() external view returns (uint64) {
        return _maxAttestationAge;
    }

    /// @inheritdoc IMarginHub
    function inboundNonce(uint32 srcEid) external view returns (uint64) {
        return _inboundNonce[srcEid];
    }

    /// @inheritdoc IMarginHub
    function outboundNonce(uint32 dstEid) external view returns (uint64) {
        return _outboundNonce[dstEid];
    }

    /// @inheritdoc IMarginHub
    /// @dev All zero for unknown guids and for batches applied in full (`submitBatch` keeps no root).
    function batchRoot(bytes32 guid) external view returns (bytes32 root, uint32 srcEid, uint64 sourceTimestamp) {
        StoredRoot storage r = _roots[guid];
        return (r.root, r.srcEid, r.sourceTimestamp);
    }

    /// @inheritdoc IMarginHub
    function batchSubmitted(bytes32 guid) external view returns (bool) {
        return _batchSubmitted[guid];
    }

    /// @inheritdoc IMarginHub
    function routeLimit(uint32 srcEid)
        external
        view
        returns (uint256 capacityUsd, uint256 refillPerSecondUsd, uint256 availableUsd, uint256 waiting)
    {
        HubRoute.Route storage r = _routes[srcEid];
        capacityUsd = r.capacityUsd;
        refillPerSecondUsd = r.refillPerSecondUsd;
        // forge-lint: disable-next-line(block-timestamp)
        availableUsd = HubRoute.refilled(r.levelUsd, r.updatedAt, capacityUsd, refillPerSecondUsd, block.timestamp);
        waiting = r.tail - r.head;
    }

    /// @inheritdoc IMarginHub
    function waitingLeaf(address account, uint64 chainId, address token)
        external
        view
        returns (uint256 balance, uint64 seq, bool queued)
    {
        HubRoute.Waiting storage w = _waiting[account][chainId][token];
        return (w.balance, w.seq, w.queued);
    }

    /// @inheritdoc IMarginHub
    function riskAdmin() external view returns (address) {
        return _riskAdmin;
    }

    /// @inheritdoc IMarginHub
    function haircutRisk(uint64 chainId, address token) external view returns (HaircutRisk memory) {
        return _haircutRisk[chainId][token];
    }

    // ------------------------------------------------------------ admin (MarginHubExtension)
    /// @inheritdoc IMarginHub
    function setVault(uint32, address) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setCollateral(uint64, address, CollateralConfig calldata) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setConcentration(uint64, address, Concentration calldata) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function addConsumer(address) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function removeConsumer(address) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setMaxAttestationAge(uint64) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setSequencerUptimeFeed(address, uint32) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setRouteLimit(uint32, uint256, uint256) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function applyWaiting(uint32, uint256) external returns (uint256) {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setCloseFactor(uint16, uint16) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setRiskAdmin(address) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function setHaircutBounds(uint64, address, uint16, uint16, uint16) external {
        _delegate();
    }

    /// @inheritdoc IMarginHub
    function proposeHaircut(uint64, address, uint16) external {
        _delegate();
    }

    // ------------------------------------------------------------ batches

    /// @dev Checks a BALANCE_BATCH packet (the quorum already verified) and marks its guid.
    function _acceptBatch(bytes calldata packet)
        private
        returns (bytes32 guid, uint32 srcEid, address vault, MessageCodec.BalanceBatch memory b)
    {
        MessageCodec.Header memory h = MessageCodec.decodeHeader(packet);
        vault = _checkRoute(h);
        bytes calldata body = MessageCodec.message(packet);
        uint8 t = MessageCodec.messageType(body);
        if (t != MessageCodec.BALANCE_BATCH) revert MarginHub_UnexpectedMessage(t);
        if (h.nonce & BATCH_NONCE_BIT == 0) revert MarginHub_InvalidBatchNonce(h.nonce);
        guid = h.guid;
        if (_batchSubmitted[guid]) revert MarginHub_BatchAlreadySubmitted(guid);
        b = MessageCodec.decodeBalanceBatch(body);
        if (b.root == bytes32(0)) revert MarginHub_ZeroRoot();
        _checkAge(b.sourceTimestamp);
        _batchSubmitted[guid] = true;
        srcEid = h.srcEid;
        _markRouteUsed(srcEid);
    }

    /// @dev Applies verified leaves, all from `chainId`, through the route's limit.
    function _applyLeaves(Leaf[] calldata leaves, uint64 chainId) private {
        HubRoute.Route storage route = _routes[uint32(chainId)];
        HubRoute.Meter memory m = HubRoute.open(route);
        uint256 n = leaves.length;
        for (uint256 i; i < n; ++i) {
            (address account, address token, uint256 balance, uint64 seq, uint64 leafInboundNonce, uint64 sourceBlock) =
                HubCredit.readLeaf(leaves, i);
            _meterLeaf(m, account, chainId, token, balance, seq, leafInboundNonce, sourceBlock);
        }
        HubRoute.close(route, m);
    }

    /// @dev Applies a request's post-request figures (a leaf of their own; no source block travels
    /// with them) and sends the decision. When the figures wait for the route's bucket the hub
    /// cannot know the account's state: rejected.
    function _answerRequest(MessageCodec.Header memory h, address vault, MessageCodec.WithdrawalRequest memory w) private {
        bool waited = _meterRequest(w, h.srcEid);
        // Always answered: what cannot be approved safely (a stale price, an unpriced or failing
        // consumer, waiting figures) is rejected, so one request never blocks the requests behind it.
        bool approved = !waited && _canApprove(w.account);
        bytes32 commandGuid = _send(
            h.srcEid,
            vault,
            MessageCodec.encodeWithdrawalDecision(
                approved,
                MessageCodec.WithdrawalDecision({account: w.account, token: w.token, amount: w.amount, requestNonce: h.nonce})
            )
        );
        emit WithdrawalDecided(h.guid, w.account, h.srcEid, w.token, w.amount, approved, commandGuid);
        if (!approved && !waited) _creditRejected(w, h.srcEid, _outboundNonce[h.srcEid]);
    }

    /// @dev Applies a request's post-request figures through the route's limit; true when they wait.
    function _meterRequest(MessageCodec.WithdrawalRequest memory w, uint32 srcEid) private returns (bool waited) {
        HubRoute.Route storage route = _routes[srcEid];
        HubRoute.Meter memory m = HubRoute.open(route);
        waited = _meterLeaf(m, w.account, srcEid, w.token, w.balanceAfter, w.seq, w.inboundNonce, 0);
        HubRoute.close(route, m);
    }

    /// @dev A rejected request's amount returns to balance at the vault: count it again (and queue
    /// the REJECT) when `HubCredit.creditRejected` finds that safe (every seize of the key applied
    /// before the request), so the account stays seizable; emits BalanceCredited with the stored
    /// seq and source block 0.
    function _creditRejected(MessageCodec.WithdrawalRequest memory w, uint32 srcEid, uint64 rejectNonce) private {
        HubCredit.Credit storage c = _credits[w.account][srcEid][w.token];
        (bool credited, uint256 newBalance) = c.creditRejected(w.amount, w.inboundNonce, rejectNonce);
        if (credited) emit BalanceCredited(w.account, srcEid, w.token, newBalance, c.seq, 0);
    }

    /// @dev The header is addressed to this hub and comes from the registered vault of its source chain.
    function _checkRoute(MessageCodec.Header memory h) private view returns (address vault) {
        if (h.dstEid != _localEid || h.receiver != MessageCodec.addressToBytes32(address(this))) {
            revert MarginHub_WrongDestination(h.dstEid, h.receiver);
        }
        vault = _vaults[h.srcEid];
        if (vault == address(0) || h.sender != MessageCodec.addressToBytes32(vault)) {
            revert MarginHub_UnknownVault(h.srcEid, h.sender);
        }
    }

    function _markRouteUsed(uint32 eid) private {
        if (!_routeUsed[eid]) _routeUsed[eid] = true;
    }

    function _checkAge(uint64 sourceTimestamp) private view {
        uint64 maxAge = _maxAttestationAge;
        // Only age is bounded: a source timestamp in the future is accepted.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > uint256(sourceTimestamp) + maxAge) {
            revert MarginHub_AttestationExpired(sourceTimestamp, maxAge, block.timestamp);
        }
    }
    // ------------------------------------------------------------ margin

    /// @dev Whether a withdrawal may be approved; never reverts. Approves when no consumer
    /// requires initial margin, or when every requirement is priced, the sequencer is up and
    /// adjusted collateral at fresh prices (a collateral without one counts 0) covers it.
    function _canApprove(address account) private view returns (bool) {
        uint256 initialUsd;
        uint256 n = _consumers.length;
        for (uint256 i; i < n; ++i) {
            // A revert is caught; only return data that does not decode still reverts (a broken consumer).
            try IMarginConsumer(_consumers[i]).marginRequirement(account) returns (uint256 ini, uint256, bool priced) {
                if (!priced) return false;
                initialUsd += ini;
            } catch {
                return false;
            }
        }
        if (initialUsd == 0) return true;
        if (!_sequencerUp()) return false;
        (, uint256 adjustedUsd,) = _valuation(account, true);
        return adjustedUsd >= initialUsd;
    }


    /// @dev Runs the call's function in the extension on this contract's storage and returns or
    /// reverts with its result.
    function _delegate() private {
        address ext = _extension;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), ext, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
