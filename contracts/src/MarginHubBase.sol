// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {QuorumVerifier} from "./QuorumVerifier.sol";
import {IMarginHub} from "./interfaces/IMarginHub.sol";
import {IMarginConsumer} from "./interfaces/IMarginConsumer.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";
import {MessageCodec} from "./libraries/MessageCodec.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {HubCredit} from "./libraries/HubCredit.sol";
import {HubRisk} from "./libraries/HubRisk.sol";
import {HubRoute} from "./libraries/HubRoute.sol";

/// @title MarginHubBase
/// @notice The hub's storage and the internal rules both `MarginHub` and `MarginHubExtension` use.
/// @dev The two contracts run on this one storage layout: the hub delegatecalls the extension for
/// its administration and liquidation (the whole hub exceeds EIP-170's 24,576 bytes).
abstract contract MarginHubBase is QuorumVerifier {
    using HubCredit for HubCredit.Credit;

    /// @notice At most this many collaterals (valuation iterates all of them).
    uint256 public constant MAX_COLLATERALS = 32;
    /// @notice At most this many consumers (every valuation calls each one).
    uint256 public constant MAX_CONSUMERS = 8;
    /// @dev Batch packet nonces have this bit set; vault request nonces never do.
    uint64 internal constant BATCH_NONCE_BIT = uint64(1) << 63;

    /// @dev A stored batch root awaiting lazy `applyLeaf` calls (two slots).
    struct StoredRoot {
        bytes32 root;
        uint32 srcEid;
        uint64 sourceTimestamp;
        address vault;
    }

    uint64 internal _maxAttestationAge;

    mapping(uint32 eid => address vault) internal _vaults;
    mapping(uint32 srcEid => uint64 nonce) internal _inboundNonce;
    mapping(uint32 dstEid => uint64 nonce) internal _outboundNonce;
    mapping(bytes32 guid => bool submitted) internal _batchSubmitted;
    mapping(bytes32 guid => StoredRoot) internal _roots;
    mapping(address account => mapping(uint64 chainId => mapping(address token => HubCredit.Credit))) internal _credits;

    IMarginHub.CollateralKey[] internal _collateralKeys;
    mapping(uint64 chainId => mapping(address token => HubRisk.Collateral)) internal _collateral;

    address[] internal _consumers;
    mapping(address consumer => bool) internal _isConsumer;

    /// @dev A route that carried a batch or request keeps its vault (nonces and seqs live there).
    mapping(uint32 eid => bool) internal _routeUsed;
    /// @dev Optional L2 sequencer-uptime feed (Chainlink) and the grace period after it comes back up.
    address internal _sequencerFeed;
    uint32 internal _sequencerGracePeriod;
    /// @dev Damage limit and waiting queue per source chain, and the waiting figures per key.
    mapping(uint32 srcEid => HubRoute.Route) internal _routes;
    mapping(address account => mapping(uint64 chainId => mapping(address token => HubRoute.Waiting))) internal _waiting;

    /// @dev Concentration haircut per collateral (all zero = off).
    mapping(uint64 chainId => mapping(address token => IMarginHub.Concentration)) internal _concentration;

    /// @dev Close factor (0 = unset = 10000, close all) and the health in bps below which a
    /// liquidation closes all; one slot.
    uint16 internal _closeFactorBps;
    uint16 internal _fullLiquidationHealthBps;
    /// @dev The risk admin (issue 21 item 3): may move haircuts within `_haircutRisk` (0 = none).
    address internal _riskAdmin;
    /// @dev Haircut bounds, daily step and current step window per collateral (all zero = none).
    mapping(uint64 chainId => mapping(address token => IMarginHub.HaircutRisk)) internal _haircutRisk;

    uint32 internal immutable _localEid;

    constructor(address initialOwner, address[] memory initialAttesters, uint8 initialThreshold, address initialGuardian)
        QuorumVerifier(initialOwner, initialAttesters, initialThreshold, initialGuardian)
    {
        _localEid = SafeCast.toUint32(block.chainid);
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
    ) internal {
        (bool changed, uint256 credited) = _credits[account][chainId][token].applyLeaf(balance, seq, leafInboundNonce);
        if (changed) emit IMarginHub.BalanceCredited(account, chainId, token, credited, seq, sourceBlock);
    }

    /// @dev Applies a leaf through its route's limit (`m`): a rise of the credit the bucket cannot
    /// pay for, or that would overtake leaves already waiting, waits instead (`_wait`).
    /// @return waited whether the leaf waits
    function _meterLeaf(
        HubRoute.Meter memory m,
        address account,
        uint64 chainId,
        address token,
        uint256 balance,
        uint64 seq,
        uint64 leafInboundNonce,
        uint64 sourceBlock
    ) internal returns (bool waited) {
        if (m.limited) {
            HubCredit.Credit storage c = _credits[account][chainId][token];
            if (seq <= c.seq) return false;
            uint256 current = c.balance;
            uint256 proposed = c.creditAfter(balance, leafInboundNonce);
            if (proposed > current && (m.backlog || !_payRise(m, c, account, chainId, token, proposed - current))) {
                _wait(m, account, chainId, token, balance, seq, leafInboundNonce, sourceBlock);
                return true;
            }
            (, uint256 credited) = c.applyLeaf(balance, seq, leafInboundNonce);
            emit IMarginHub.BalanceCredited(account, chainId, token, credited, seq, sourceBlock);
            return false;
        }
        _applyLeaf(account, chainId, token, balance, seq, leafInboundNonce, sourceBlock);
    }

    /// @dev Pays a rise of `amount` from the bucket (`_takeRise`). When the bucket holds less, the
    /// part it pays for is credited at once, without the leaf's seq (`HubCredit.raise`), so a rise
    /// larger than the capacity still arrives over several refills; the caller queues the rest.
    /// @return paid whether the whole rise was paid
    function _payRise(
        HubRoute.Meter memory m,
        HubCredit.Credit storage c,
        address account,
        uint64 chainId,
        address token,
        uint256 amount
    ) internal returns (bool paid) {
        uint256 part;
        (paid, part) = _takeRise(m, chainId, token, amount);
        if (part == 0) return paid;
        uint256 raised = c.raise(part);
        emit IMarginHub.BalanceCredited(account, chainId, token, raised, c.seq, 0);
    }

    /// @dev Prices a rise of `amount` token units at the collateral's last positive answer (stale
    /// or not: a lapsed feed must not make rises free) and takes it from the bucket; when the
    /// bucket holds less, takes what it holds for the `part` (< amount) it pays for. A token that
    /// is not a collateral counts for nothing and rises free; one whose feed answers nothing
    /// cannot be priced and so cannot rise (fail closed).
    function _takeRise(HubRoute.Meter memory m, uint64 chainId, address token, uint256 amount)
        internal
        view
        returns (bool all, uint256 part)
    {
        (bool found, uint256 i) = HubRoute.cached(m, token);
        // Declared from the cache: an uninitialized memory struct would be allocated per leaf.
        HubRoute.Priced memory p = found ? m.prices[i] : _priced(m, i, chainId, token);
        if (p.col.feed == address(0)) return (true, 0);
        if (p.price == 0) return (false, 0);
        uint256 cost = HubRoute.valueOf(p, amount);
        if (HubRoute.take(m, cost)) return (true, 0);
        // cost > level: the floored share of the amount the level pays for costs at most the level.
        part = Math.mulDiv(amount, m.level, cost);
        if (part != 0) HubRoute.take(m, HubRoute.valueOf(p, part));
    }

    /// @dev Reads a collateral's config and price into the meter's cache slot `i` (when it has room).
    function _priced(HubRoute.Meter memory m, uint256 i, uint64 chainId, address token)
        internal
        view
        returns (HubRoute.Priced memory p)
    {
        p.token = token;
        p.col = _collateral[chainId][token];
        if (p.col.feed != address(0)) (p.price,) = HubRisk.price(p.col.feed, p.col.heartbeat);
        HubRoute.prepare(p);
        if (i < m.prices.length) {
            m.prices[i] = p;
            m.priced = i + 1;
        }
    }

    /// @dev Keeps a leaf's figures until the bucket pays for them (`applyWaiting`), in arrival order
    /// per route: a key keeps its place and only its newest figures.
    function _wait(
        HubRoute.Meter memory m,
        address account,
        uint64 chainId,
        address token,
        uint256 balance,
        uint64 seq,
        uint64 leafInboundNonce,
        uint64 sourceBlock
    ) internal {
        HubRoute.Waiting storage w = _waiting[account][chainId][token];
        bool queued = w.queued;
        if (queued && seq <= w.seq) return;
        // balance ≤ type(uint128).max: creditAfter checked it.
        _waiting[account][chainId][token] = HubRoute.Waiting({
            balance: uint128(balance),
            seq: seq,
            inboundNonce: leafInboundNonce,
            sourceBlock: sourceBlock,
            queued: true
        });
        if (!queued) HubRoute.enqueue(_routes[uint32(chainId)], m, account, token);
        emit IMarginHub.LeafWaiting(account, chainId, token, balance, seq, sourceBlock);
    }

    // ------------------------------------------------------------ commands

    /// @dev Sends a command body to the vault on `dstEid` with the next outbound nonce of that path.
    function _send(uint32 dstEid, address vault, bytes memory body) internal returns (bytes32) {
        return _emitPacket(++_outboundNonce[dstEid], dstEid, vault, body);
    }

    /// @dev Emits the command packet with an already-taken outbound `nonce`.
    function _emitPacket(uint64 nonce, uint32 dstEid, address vault, bytes memory body) internal returns (bytes32 guid) {
        bytes memory packet;
        (packet, guid) = MessageCodec.encodePacket(nonce, _localEid, address(this), dstEid, vault, body);
        emit IMarginHub.PacketSent(guid, nonce, dstEid, packet);
    }

    // ------------------------------------------------------------ margin

    /// @dev Sums of every consumer's requirements; `priced` when every one rests on fresh prices.
    function _requirements(address account)
        internal
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
        internal
        view
        returns (uint256 valueUsd, uint256 adjustedUsd, uint256 liquidationUsd)
    {
        uint256 n = _collateralKeys.length;
        for (uint256 i; i < n; ++i) {
            IMarginHub.CollateralKey memory k = _collateralKeys[i];
            uint256 credit = _credits[account][k.chainId][k.token].balance;
            if (credit == 0) continue;
            HubRisk.Collateral memory col = _collateral[k.chainId][k.token];
            (uint256 p, bool fresh) = HubRisk.price(col.feed, col.heartbeat);
            if (strict && !fresh) continue;
            uint256 amount = HubRisk.counted(col, credit);
            uint256 v = HubRisk.valueAt(col, amount, p);
            // haircut + discount < 10000 ≤ liquidationThreshold + haircut (setCollateral, setConcentration).
            uint256 d = HubRisk.discount(_concentration[k.chainId][k.token], amount);
            valueUsd += v;
            adjustedUsd += MarginMath.applyBps(v, MarginMath.BPS - col.haircutBps - d);
            liquidationUsd += MarginMath.applyBps(v, col.liquidationThresholdBps - d);
        }
    }

    /// @dev True without an uptime feed; else the sequencer is up (answer 0) and has been for
    /// longer than the grace period. A feed that reverts reads as down (fail closed).
    function _sequencerUp() internal view returns (bool) {
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

    function _setMaxAttestationAge(uint64 maxAge) internal {
        if (maxAge == 0) revert IMarginHub.MarginHub_InvalidMaxAttestationAge();
        _maxAttestationAge = maxAge;
        emit IMarginHub.MaxAttestationAgeSet(maxAge);
    }
}
