// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {QuorumVerifier} from "./QuorumVerifier.sol";
import {IMarginHub} from "./interfaces/IMarginHub.sol";
import {IMarginConsumer} from "./interfaces/IMarginConsumer.sol";
import {MessageCodec} from "./libraries/MessageCodec.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {HubCredit} from "./libraries/HubCredit.sol";
import {HubRisk} from "./libraries/HubRisk.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";

/// @title MarginHub
/// @notice Credits collateral held in vaults on other chains from quorum-attested balance
/// batches, prices it, answers withdrawal requests and orders seizures of liquidated accounts.
/// Protocol rules: contracts/README.md ("Hub credit", "Batches", "Withdrawal requests",
/// "Margin math", "Liquidation").
/// @dev `Liquidated.seizedUsd` is the part of `owedUsd` the seizures cover (their value without
/// the liquidation bonus), so `owedUsd − seizedUsd` is the bad debt left uncovered.
contract MarginHub is IMarginHub, QuorumVerifier, ReentrancyGuardTransient {
    using HubCredit for HubCredit.Credit;

    /// @notice At most this many collaterals (valuation iterates all of them).
    uint256 public constant MAX_COLLATERALS = 32;
    /// @notice At most this many consumers (every valuation calls each one).
    uint256 public constant MAX_CONSUMERS = 8;
    /// @dev Batch packet nonces have this bit set; vault request nonces never do.
    uint64 private constant BATCH_NONCE_BIT = uint64(1) << 63;

    /// @dev A stored batch root awaiting lazy `applyLeaf` calls (two slots).
    struct StoredRoot {
        bytes32 root;
        uint32 srcEid;
        uint64 sourceTimestamp;
        address vault;
    }

    uint32 private immutable _localEid;
    uint64 private _maxAttestationAge;

    mapping(uint32 eid => address vault) private _vaults;
    mapping(uint32 srcEid => uint64 nonce) private _inboundNonce;
    mapping(uint32 dstEid => uint64 nonce) private _outboundNonce;
    mapping(bytes32 guid => bool submitted) private _batchSubmitted;
    mapping(bytes32 guid => StoredRoot) private _roots;
    mapping(address account => mapping(uint64 chainId => mapping(address token => HubCredit.Credit))) private _credits;

    CollateralKey[] private _collateralKeys;
    mapping(uint64 chainId => mapping(address token => HubRisk.Collateral)) private _collateral;

    address[] private _consumers;
    mapping(address consumer => bool) private _isConsumer;

    /// @dev A route that carried a batch or request keeps its vault (nonces and seqs live there).
    mapping(uint32 eid => bool) private _routeUsed;
    /// @dev Optional L2 sequencer-uptime feed (Chainlink) and the grace period after it comes back up.
    address private _sequencerFeed;
    uint32 private _sequencerGracePeriod;

    /// @param initialOwner admin (vaults, collaterals, consumers, attester rotation)
    /// @param initialAttesters strictly ascending attester addresses
    /// @param initialThreshold signatures needed
    /// @param initialGuardian may pause
    /// @param maxAge seconds a batch attestation stays valid (> 0)
    constructor(
        address initialOwner,
        address[] memory initialAttesters,
        uint8 initialThreshold,
        address initialGuardian,
        uint64 maxAge
    ) QuorumVerifier(initialOwner, initialAttesters, initialThreshold, initialGuardian) {
        _localEid = SafeCast.toUint32(block.chainid);
        _setMaxAttestationAge(maxAge);
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
        _applyLeaf(leaf.account, leaf.chainId, leaf.token, leaf.balance, leaf.seq, leaf.inboundNonce, leaf.sourceBlock);
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

        // The request's post-request figures are a leaf of their own; no source block travels with them.
        _applyLeaf(w.account, h.srcEid, w.token, w.balanceAfter, w.seq, w.inboundNonce, 0);
        // Always answered: what cannot be approved safely (a stale price, an unpriced or failing
        // consumer) is rejected, so one request never blocks the requests behind it.
        bool approved = _canApprove(w.account);
        bytes32 commandGuid = _send(
            h.srcEid,
            vault,
            MessageCodec.encodeWithdrawalDecision(
                approved,
                MessageCodec.WithdrawalDecision({account: w.account, token: w.token, amount: w.amount, requestNonce: h.nonce})
            )
        );
        emit WithdrawalDecided(h.guid, w.account, h.srcEid, w.token, w.amount, approved, commandGuid);
        if (!approved) _creditRejected(w, h.srcEid, _outboundNonce[h.srcEid]);
    }

    /// @inheritdoc IMarginHub
    function liquidate(address account) external whenNotPaused nonReentrant {
        _liquidate(account, msg.sender);
    }

    /// @inheritdoc IMarginHub
    function liquidateTo(address account, address recipient) external whenNotPaused nonReentrant {
        _liquidate(account, recipient);
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

    // ------------------------------------------------------------ admin

    /// @inheritdoc IMarginHub
    function setVault(uint32 eid, address vault) external onlyOwner {
        if (vault == address(0)) revert MarginHub_ZeroAddress();
        // A route with traffic has nonces and seqs at its vault: re-pointing it would stall both directions.
        if (_routeUsed[eid]) revert MarginHub_RouteInUse(eid);
        _vaults[eid] = vault;
        emit VaultSet(eid, vault);
    }

    /// @inheritdoc IMarginHub
    /// @dev Re-setting a registered collateral updates it in place (registration order is kept).
    /// The feed's decimals are read and cached here.
    function setCollateral(uint64 chainId, address token, CollateralConfig calldata config) external onlyOwner {
        if (!HubRisk.isValid(chainId, token, config)) revert MarginHub_InvalidCollateralConfig(chainId, token);
        HubRisk.Collateral storage col = _collateral[chainId][token];
        if (col.feed == address(0)) {
            if (_collateralKeys.length >= MAX_COLLATERALS) revert MarginHub_TooManyCollaterals();
            _collateralKeys.push(CollateralKey({chainId: chainId, token: token}));
        }
        HubRisk.store(col, config);
        emit CollateralConfigured(chainId, token, config);
    }

    /// @inheritdoc IMarginHub
    /// @dev Adding a consumer that is already registered changes nothing (no event).
    function addConsumer(address consumer) external onlyOwner {
        if (consumer == address(0)) revert MarginHub_ZeroAddress();
        if (_isConsumer[consumer]) return;
        if (_consumers.length >= MAX_CONSUMERS) revert MarginHub_TooManyConsumers();
        _isConsumer[consumer] = true;
        _consumers.push(consumer);
        emit ConsumerAdded(consumer);
    }

    /// @inheritdoc IMarginHub
    function removeConsumer(address consumer) external onlyOwner {
        if (!_isConsumer[consumer]) revert MarginHub_UnknownConsumer(consumer);
        _isConsumer[consumer] = false;
        uint256 last = _consumers.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (_consumers[i] == consumer) {
                _consumers[i] = _consumers[last];
                _consumers.pop();
                break;
            }
        }
        emit ConsumerRemoved(consumer);
    }

    /// @inheritdoc IMarginHub
    function setMaxAttestationAge(uint64 maxAge) external onlyOwner {
        _setMaxAttestationAge(maxAge);
    }

    /// @inheritdoc IMarginHub
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external onlyOwner {
        _sequencerFeed = feed;
        _sequencerGracePeriod = gracePeriod;
        emit SequencerUptimeFeedSet(feed, gracePeriod);
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

    /// @dev Applies verified leaves, all from `chainId`.
    function _applyLeaves(Leaf[] calldata leaves, uint64 chainId) private {
        uint256 n = leaves.length;
        for (uint256 i; i < n; ++i) {
            (address account, address token, uint256 balance, uint64 seq, uint64 leafInboundNonce, uint64 sourceBlock) =
                HubCredit.readLeaf(leaves, i);
            _applyLeaf(account, chainId, token, balance, seq, leafInboundNonce, sourceBlock);
        }
    }

    /// @dev Applies one leaf's figures to the credit and emits BalanceCredited when it changed.
    function _applyLeaf(
        address account,
        uint64 chainId,
        address token,
        uint256 balance,
        uint64 seq,
        uint64 leafInboundNonce,
        uint64 sourceBlock
    ) private {
        (bool changed, uint256 credited) = _credits[account][chainId][token].applyLeaf(balance, seq, leafInboundNonce);
        if (changed) emit BalanceCredited(account, chainId, token, credited, seq, sourceBlock);
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

    // ------------------------------------------------------------ commands

    /// @dev Sends a command body to the vault on `dstEid` with the next outbound nonce of that path.
    function _send(uint32 dstEid, address vault, bytes memory body) private returns (bytes32) {
        return _emitPacket(++_outboundNonce[dstEid], dstEid, vault, body);
    }

    /// @dev Emits the command packet with an already-taken outbound `nonce`.
    function _emitPacket(uint64 nonce, uint32 dstEid, address vault, bytes memory body) private returns (bytes32 guid) {
        bytes memory packet;
        (packet, guid) = MessageCodec.encodePacket(nonce, _localEid, address(this), dstEid, vault, body);
        emit PacketSent(guid, nonce, dstEid, packet);
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

    /// @dev Sums of every consumer's requirements; `priced` when every one rests on fresh prices.
    function _requirements(address account)
        private
        view
        returns (uint256 initialUsd, uint256 maintenanceUsd, bool priced)
    {
        priced = true;
        uint256 n = _consumers.length;
        for (uint256 i; i < n; ++i) {
            (uint256 ini, uint256 mnt, bool p) = IMarginConsumer(_consumers[i]).marginRequirement(account);
            initialUsd += ini;
            maintenanceUsd += mnt;
            priced = priced && p;
        }
    }

    /// @dev Values the account's counted collateral in registration order. `strict` (approvals and
    /// new positions) counts a collateral without a fresh positive price as 0; otherwise (views,
    /// liquidation) answers are used as they are and a non-positive one values it at 0.
    function _valuation(address account, bool strict)
        private
        view
        returns (uint256 valueUsd, uint256 adjustedUsd, uint256 liquidationUsd)
    {
        uint256 n = _collateralKeys.length;
        for (uint256 i; i < n; ++i) {
            CollateralKey memory k = _collateralKeys[i];
            uint256 credit = _credits[account][k.chainId][k.token].balance;
            if (credit == 0) continue;
            HubRisk.Collateral memory col = _collateral[k.chainId][k.token];
            (uint256 p, bool fresh) = HubRisk.price(col.feed, col.heartbeat);
            if (strict && !fresh) continue;
            uint256 v = HubRisk.valueAt(col, HubRisk.counted(col, credit), p);
            valueUsd += v;
            adjustedUsd += MarginMath.applyBps(v, MarginMath.BPS - col.haircutBps);
            liquidationUsd += MarginMath.applyBps(v, col.liquidationThresholdBps);
        }
    }

    /// @dev True without an uptime feed; else the sequencer is up (answer 0) and has been for
    /// longer than the grace period. A feed that reverts reads as down (fail closed).
    function _sequencerUp() private view returns (bool) {
        address feed = _sequencerFeed;
        if (feed == address(0)) return true;
        try IAggregatorV3(feed).latestRoundData() returns (uint80, int256 answer, uint256 startedAt, uint256, uint80) {
            // forge-lint: disable-next-line(block-timestamp)
            return answer == 0 && startedAt != 0 && block.timestamp > startedAt
                && block.timestamp - startedAt > _sequencerGracePeriod;
        } catch {
            return false;
        }
    }

    // ------------------------------------------------------------ liquidation

    function _liquidate(address account, address recipient) private {
        if (recipient == address(0)) revert MarginHub_ZeroAddress();
        // Users could not top up while the sequencer was down: no liquidation until the grace ends.
        if (!_sequencerUp()) revert MarginHub_SequencerDown();
        (, uint256 maintenanceUsd, bool priced) = _requirements(account);
        if (!priced) revert MarginHub_RequirementNotPriced(account);
        // A stale collateral counts at its last positive answer here: a lapsed feed must never make
        // a healthy account liquidatable, nor can a stale dust holding (which adds next to nothing)
        // shield an insolvent one. Approvals, which let the owner's money out, count it 0.
        (,, uint256 liquidationUsd) = _valuation(account, false);
        if (liquidationUsd >= maintenanceUsd) revert MarginHub_NotLiquidatable(account, liquidationUsd, maintenanceUsd);

        uint256 owedUsd;
        uint256 coveredUsd;
        uint256 n = _consumers.length;
        for (uint256 i; i < n; ++i) {
            address consumer = _consumers[i];
            uint256 owed = IMarginConsumer(consumer).onLiquidation(account);
            if (owed == 0) continue;
            owedUsd += owed;
            coveredUsd += _seizeFor(account, consumer, owed, recipient);
        }
        emit Liquidated(account, msg.sender, recipient, owedUsd, coveredUsd);
    }

    /// @dev Covers `owedUsd` owed to `consumer` from the account's collateral: first the collaterals
    /// with a fresh price in registration order, then those priced only by a stale positive answer
    /// (seized last). Per collateral the debt's share goes to the consumer's settlement address
    /// on that chain and only the bonus to the liquidator's `recipient`.
    /// @return coveredUsd the part of `owedUsd` covered (seized value without bonuses)
    function _seizeFor(address account, address consumer, uint256 owedUsd, address recipient)
        private
        returns (uint256 coveredUsd)
    {
        uint256 remaining = owedUsd;
        uint256 n = _collateralKeys.length;
        for (uint256 pass; pass < 2 && remaining != 0; ++pass) {
            for (uint256 i; i < n && remaining != 0; ++i) {
                uint256 covered = _seizeOne(account, consumer, _collateralKeys[i], remaining, recipient, pass == 0);
                // covered ≤ remaining (HubRisk.seizeAmounts), so this cannot underflow.
                unchecked {
                    remaining -= covered;
                }
                coveredUsd += covered;
            }
        }
    }

    /// @dev Orders the SEIZEs of one collateral (of the pass's freshness) while `remainingUsd` is owed.
    function _seizeOne(
        address account,
        address consumer,
        CollateralKey memory k,
        uint256 remainingUsd,
        address recipient,
        bool freshPass
    ) private returns (uint256 coveredUsd) {
        uint256 owedAmount;
        uint256 bonusAmount;
        (owedAmount, bonusAmount, coveredUsd) = _quoteSeize(account, k, remainingUsd, freshPass);
        HubCredit.Credit storage c = _credits[account][k.chainId][k.token];
        if (owedAmount != 0) {
            address settlement = IMarginConsumer(consumer).settlementRecipient(k.chainId);
            if (settlement == address(0)) revert MarginHub_NoSettlementRecipient(consumer, k.chainId);
            _orderSeize(c, account, k, owedAmount, settlement);
        }
        if (bonusAmount != 0) _orderSeize(c, account, k, bonusAmount, recipient);
    }

    /// @dev `HubRisk.seizeAmounts` of one collateral on its whole credit, when the pass matches its
    /// price's freshness and the price is positive; else nothing.
    function _quoteSeize(address account, CollateralKey memory k, uint256 remainingUsd, bool freshPass)
        private
        view
        returns (uint256 owedAmount, uint256 bonusAmount, uint256 coveredUsd)
    {
        uint256 credit = _credits[account][k.chainId][k.token].balance;
        if (credit == 0) return (0, 0, 0);
        HubRisk.Collateral memory col = _collateral[k.chainId][k.token];
        (uint256 p, bool fresh) = HubRisk.price(col.feed, col.heartbeat);
        if (p == 0 || fresh != freshPass) return (0, 0, 0);
        return HubRisk.seizeAmounts(col, credit, p, remainingUsd);
    }

    /// @dev Lowers the credit at once, queues the command and emits the SEIZE packet.
    function _orderSeize(HubCredit.Credit storage c, address account, CollateralKey memory k, uint256 amount, address recipient)
        private
    {
        // An eid is a chain id (setCollateral keeps chain ids within uint32), and a credited chain
        // always had a registered vault (vaults cannot be unset).
        uint32 eid = uint32(k.chainId);
        uint64 nonce = ++_outboundNonce[eid];
        c.orderSeize(amount, nonce);
        bytes memory body =
            MessageCodec.encodeSeize(MessageCodec.Seize({account: account, token: k.token, amount: amount, recipient: recipient}));
        bytes32 guid = _emitPacket(nonce, eid, _vaults[eid], body);
        emit SeizeOrdered(guid, account, k.chainId, k.token, amount, recipient);
    }

    function _setMaxAttestationAge(uint64 maxAge) private {
        if (maxAge == 0) revert MarginHub_InvalidMaxAttestationAge();
        _maxAttestationAge = maxAge;
        emit MaxAttestationAgeSet(maxAge);
    }
}
