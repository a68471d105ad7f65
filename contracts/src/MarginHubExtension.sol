// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MarginHubBase} from "./MarginHubBase.sol";
import {IMarginHub} from "./interfaces/IMarginHub.sol";
import {IMarginConsumer} from "./interfaces/IMarginConsumer.sol";
import {MessageCodec} from "./libraries/MessageCodec.sol";
import {HubCredit} from "./libraries/HubCredit.sol";
import {HubRisk} from "./libraries/HubRisk.sol";
import {MarginMath} from "./libraries/MarginMath.sol";
import {HubRoute} from "./libraries/HubRoute.sol";

/// @title MarginHubExtension
/// @notice The hub's administration and liquidation. Deployed on its own and passed to `MarginHub`'s
/// constructor, which forwards these functions to it with delegatecall, so they run on the hub's storage; they are
/// documented in `IMarginHub`.
/// @dev Called directly (not through the hub) every function reverts.
contract MarginHubExtension is MarginHubBase, ReentrancyGuardTransient {
    using HubCredit for HubCredit.Credit;

    /// @notice A function of the extension was called directly instead of through its hub.
    error MarginHubExtension_NotDelegated();

    address private immutable _self;

    modifier onlyDelegated() {
        if (address(this) == _self) revert MarginHubExtension_NotDelegated();
        _;
    }

    /// @dev The extension's own storage is never used: its deployer stands in as owner and sole attester.
    constructor() MarginHubBase(msg.sender, _single(msg.sender), 1, address(0)) {
        _self = address(this);
    }

    /// @notice Marks the contract the hub's constructor accepts as its extension.
    function isMarginHubExtension() external pure returns (bool) {
        return true;
    }

    function _single(address a) private pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    function liquidate(address account) external onlyDelegated whenNotPaused nonReentrant {
        _liquidate(account, msg.sender);
    }

    /// @notice `IMarginHub.liquidateTo`.
    function liquidateTo(address account, address recipient) external onlyDelegated whenNotPaused nonReentrant {
        _liquidate(account, recipient);
    }

    // ------------------------------------------------------------ admin

    /// @notice `IMarginHub.setVault`.
    function setVault(uint32 eid, address vault) external onlyDelegated onlyOwner {
        if (vault == address(0)) revert IMarginHub.MarginHub_ZeroAddress();
        // A route with traffic has nonces and seqs at its vault: re-pointing it would stall both directions.
        if (_routeUsed[eid]) revert IMarginHub.MarginHub_RouteInUse(eid);
        _vaults[eid] = vault;
        emit IMarginHub.VaultSet(eid, vault);
    }

    /// @notice `IMarginHub.setCollateral`.
    /// @dev Re-setting a registered collateral updates it in place (registration order is kept).
    /// The feed's decimals are read and cached here.
    function setCollateral(uint64 chainId, address token, IMarginHub.CollateralConfig calldata config) external onlyDelegated onlyOwner {
        if (
            !HubRisk.isValid(chainId, token, config)
                || uint256(config.haircutBps) + _concentration[chainId][token].upperBps >= MarginMath.BPS
        ) revert IMarginHub.MarginHub_InvalidCollateralConfig(chainId, token);
        HubRisk.Collateral storage col = _collateral[chainId][token];
        if (col.feed == address(0)) {
            if (_collateralKeys.length >= MAX_COLLATERALS) revert IMarginHub.MarginHub_TooManyCollaterals();
            _collateralKeys.push(IMarginHub.CollateralKey({chainId: chainId, token: token}));
        }
        HubRisk.store(col, config);
        emit IMarginHub.CollateralConfigured(chainId, token, config);
    }

    /// @notice `IMarginHub.setConcentration`.
    /// @dev All zero turns it off (allowed for any collateral); otherwise the collateral must be
    /// registered and its haircut plus `upperBps` stay below 10000, so the adjusted weight is
    /// positive and `liquidationThreshold − discount ≥ 10000 − haircut − discount` never underflows.
    function setConcentration(uint64 chainId, address token, IMarginHub.Concentration calldata c)
        external
        onlyDelegated
        onlyOwner
    {
        HubRisk.Collateral storage col = _collateral[chainId][token];
        if (!HubRisk.isValidConcentration(c, col.feed != address(0), col.haircutBps)) {
            revert IMarginHub.MarginHub_InvalidConcentration(chainId, token);
        }
        _concentration[chainId][token] = c;
        emit IMarginHub.ConcentrationSet(chainId, token, c);
    }

    /// @notice `IMarginHub.addConsumer`.
    /// @dev Adding a consumer that is already registered changes nothing (no event).
    function addConsumer(address consumer) external onlyDelegated onlyOwner {
        if (consumer == address(0)) revert IMarginHub.MarginHub_ZeroAddress();
        if (_isConsumer[consumer]) return;
        if (_consumers.length >= MAX_CONSUMERS) revert IMarginHub.MarginHub_TooManyConsumers();
        _isConsumer[consumer] = true;
        _consumers.push(consumer);
        emit IMarginHub.ConsumerAdded(consumer);
    }

    /// @notice `IMarginHub.removeConsumer`.
    function removeConsumer(address consumer) external onlyDelegated onlyOwner {
        if (!_isConsumer[consumer]) revert IMarginHub.MarginHub_UnknownConsumer(consumer);
        _isConsumer[consumer] = false;
        uint256 last = _consumers.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (_consumers[i] == consumer) {
                _consumers[i] = _consumers[last];
                _consumers.pop();
                break;
            }
        }
        emit IMarginHub.ConsumerRemoved(consumer);
    }

    /// @notice `IMarginHub.setMaxAttestationAge`.
    function setMaxAttestationAge(uint64 maxAge) external onlyDelegated onlyOwner {
        _setMaxAttestationAge(maxAge);
    }

    /// @notice `IMarginHub.setSequencerUptimeFeed`.
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external onlyDelegated onlyOwner {
        _sequencerFeed = feed;
        _sequencerGracePeriod = gracePeriod;
        emit IMarginHub.SequencerUptimeFeedSet(feed, gracePeriod);
    }

    /// @notice `IMarginHub.setCloseFactor`.
    function setCloseFactor(uint16 closeFactorBps, uint16 fullLiquidationHealthBps) external onlyDelegated onlyOwner {
        if (closeFactorBps == 0 || closeFactorBps > MarginMath.BPS || fullLiquidationHealthBps > MarginMath.BPS) {
            revert IMarginHub.MarginHub_InvalidCloseFactor(closeFactorBps, fullLiquidationHealthBps);
        }
        _closeFactorBps = closeFactorBps;
        _fullLiquidationHealthBps = fullLiquidationHealthBps;
        emit IMarginHub.CloseFactorSet(closeFactorBps, fullLiquidationHealthBps);
    }

    // ------------------------------------------------------------ volatility haircuts (risk admin)

    /// @dev How long one step window of `proposeHaircut` lasts.
    uint256 private constant HAIRCUT_STEP_WINDOW = 1 days;

    /// @notice `IMarginHub.setRiskAdmin`.
    function setRiskAdmin(address admin) external onlyDelegated onlyOwner {
        emit IMarginHub.RiskAdminSet(_riskAdmin, admin);
        _riskAdmin = admin;
    }

    /// @notice `IMarginHub.setHaircutBounds`.
    /// @dev `10000 − min ≤ threshold` and `max + upper < 10000` make every haircut in the bounds a
    /// valid config today; `proposeHaircut` checks again, as the owner may change either later.
    /// Changing the bounds keeps the current window; clearing them deletes it.
    function setHaircutBounds(uint64 chainId, address token, uint16 minBps, uint16 maxBps, uint16 maxStepBpsPerDay)
        external
        onlyDelegated
        onlyOwner
    {
        IMarginHub.HaircutRisk storage r = _haircutRisk[chainId][token];
        if (minBps == 0 && maxBps == 0 && maxStepBpsPerDay == 0) {
            delete _haircutRisk[chainId][token];
        } else {
            HubRisk.Collateral storage col = _collateral[chainId][token];
            if (
                col.feed == address(0) || maxStepBpsPerDay == 0 || minBps > maxBps
                    || MarginMath.BPS - minBps > col.liquidationThresholdBps
                    || uint256(maxBps) + _concentration[chainId][token].upperBps >= MarginMath.BPS
            ) revert IMarginHub.MarginHub_InvalidHaircutBounds(chainId, token);
            (r.minBps, r.maxBps, r.maxStepBpsPerDay) = (minBps, maxBps, maxStepBpsPerDay);
        }
        emit IMarginHub.HaircutBoundsSet(chainId, token, minBps, maxBps, maxStepBpsPerDay);
    }

    /// @notice `IMarginHub.proposeHaircut`.
    /// @dev Only the haircut moves: the liquidation threshold (and so the liquidation weight) is
    /// untouched, so a proposal can never make an account liquidatable.
    function proposeHaircut(uint64 chainId, address token, uint16 haircutBps) external onlyDelegated {
        if (msg.sender != _riskAdmin || msg.sender == address(0)) revert IMarginHub.MarginHub_NotRiskAdmin(msg.sender);
        IMarginHub.HaircutRisk memory r = _haircutRisk[chainId][token];
        if (r.maxStepBpsPerDay == 0) revert IMarginHub.MarginHub_NoHaircutBounds(chainId, token);
        if (haircutBps < r.minBps || haircutBps > r.maxBps) {
            revert IMarginHub.MarginHub_HaircutOutOfBounds(chainId, token, haircutBps, r.minBps, r.maxBps);
        }
        HubRisk.Collateral storage col = _collateral[chainId][token];
        uint16 oldBps = col.haircutBps;
        // forge-lint: disable-next-line(block-timestamp)
        if (r.windowStart == 0 || block.timestamp >= uint256(r.windowStart) + HAIRCUT_STEP_WINDOW) {
            r.anchorBps = oldBps;
            r.windowStart = uint40(block.timestamp);
        }
        uint256 moved = haircutBps > r.anchorBps ? haircutBps - r.anchorBps : r.anchorBps - haircutBps;
        if (moved > r.maxStepBpsPerDay) {
            revert IMarginHub.MarginHub_HaircutStepExceeded(chainId, token, haircutBps, r.anchorBps, r.maxStepBpsPerDay);
        }
        if (
            MarginMath.BPS - haircutBps > col.liquidationThresholdBps
                || uint256(haircutBps) + _concentration[chainId][token].upperBps >= MarginMath.BPS
        ) revert IMarginHub.MarginHub_InvalidCollateralConfig(chainId, token);
        _haircutRisk[chainId][token] = r;
        col.haircutBps = haircutBps;
        emit IMarginHub.HaircutUpdated(chainId, token, oldBps, haircutBps);
        emit IMarginHub.CollateralConfigured(chainId, token, HubRisk.toConfig(col));
    }

    // ------------------------------------------------------------ liquidation

    /// @notice `IMarginHub.setRouteLimit`.
    function setRouteLimit(uint32 srcEid, uint256 capacityUsd, uint256 refillPerSecondUsd)
        external
        onlyDelegated
        onlyOwner
    {
        if (!HubRoute.isValid(capacityUsd, refillPerSecondUsd) || capacityUsd > type(uint96).max) {
            revert IMarginHub.MarginHub_InvalidRouteLimit(srcEid, capacityUsd, refillPerSecondUsd);
        }
        HubRoute.Route storage r = _routes[srcEid];
        uint256 oldCapacity = r.capacityUsd;
        // forge-lint: disable-next-line(block-timestamp)
        uint256 level = oldCapacity == 0
            ? capacityUsd
            : HubRoute.refilled(r.levelUsd, r.updatedAt, oldCapacity, r.refillPerSecondUsd, block.timestamp);
        if (level > capacityUsd) level = capacityUsd;
        // Both fit 96 bits (checked above; refill ≤ capacity).
        r.capacityUsd = uint96(capacityUsd);
        r.refillPerSecondUsd = uint96(refillPerSecondUsd);
        r.levelUsd = uint96(level);
        r.updatedAt = uint40(block.timestamp);
        emit IMarginHub.RouteLimitSet(srcEid, capacityUsd, refillPerSecondUsd);
    }

    /// @notice `IMarginHub.applyWaiting`.
    function applyWaiting(uint32 srcEid, uint256 maxLeaves)
        external
        onlyDelegated
        whenNotPaused
        nonReentrant
        returns (uint256 applied)
    {
        HubRoute.Route storage r = _routes[srcEid];
        HubRoute.Meter memory m = HubRoute.open(r);
        uint64 head = r.head;
        uint64 tail = r.tail;
        for (uint256 done; head < tail && done < maxLeaves; ++done) {
            HubRoute.Key memory k = r.queue[head];
            (bool blocked, bool appliedOne) = _applyWaitingKey(m, srcEid, k.account, k.token);
            if (blocked) break;
            if (appliedOne) ++applied;
            delete _waiting[k.account][srcEid][k.token];
            delete r.queue[head];
            ++head;
        }
        r.head = head;
        HubRoute.close(r, m);
        emit IMarginHub.WaitingApplied(srcEid, applied, tail - head);
    }

    /// @dev One waiting key of `applyWaiting`: figures older than the credit were superseded (a
    /// newer leaf applied) and are dropped; a rise the bucket cannot fully pay blocks the queue
    /// (after the part it pays is credited); otherwise the figures apply.
    function _applyWaitingKey(HubRoute.Meter memory m, uint32 srcEid, address account, address token)
        private
        returns (bool blocked, bool appliedOne)
    {
        HubRoute.Waiting memory w = _waiting[account][srcEid][token];
        HubCredit.Credit storage c = _credits[account][srcEid][token];
        if (w.seq <= c.seq) return (false, false);
        if (m.limited) {
            uint256 current = c.balance;
            uint256 proposed = c.creditAfter(w.balance, w.inboundNonce);
            if (proposed > current && !_payRise(m, c, account, srcEid, token, proposed - current)) return (true, false);
        }
        _applyLeaf(account, srcEid, token, w.balance, w.seq, w.inboundNonce, w.sourceBlock);
        return (false, true);
    }

    function _liquidate(address account, address recipient) private {
        if (recipient == address(0)) revert IMarginHub.MarginHub_ZeroAddress();
        // Users could not top up while the sequencer was down: no liquidation until the grace ends.
        if (!_sequencerUp()) revert IMarginHub.MarginHub_SequencerDown();
        (, uint256 maintenanceUsd, bool priced) = _requirements(account);
        if (!priced) revert IMarginHub.MarginHub_RequirementNotPriced(account);
        // A stale collateral counts at its last positive answer here: a lapsed feed must never make
        // a healthy account liquidatable, nor can a stale dust holding (which adds next to nothing)
        // shield an insolvent one. Approvals, which let the owner's money out, count it 0.
        (,, uint256 liquidationUsd) = _valuation(account, false);
        if (liquidationUsd >= maintenanceUsd) revert IMarginHub.MarginHub_NotLiquidatable(account, liquidationUsd, maintenanceUsd);

        uint16 closeBps = _closeBps(liquidationUsd, maintenanceUsd);
        uint256 owedUsd;
        uint256 coveredUsd;
        uint256 n = _consumers.length;
        for (uint256 i; i < n; ++i) {
            address consumer = _consumers[i];
            uint256 owed = IMarginConsumer(consumer).onLiquidation(account, closeBps);
            if (owed == 0) continue;
            owedUsd += owed;
            coveredUsd += _seizeFor(account, consumer, owed, recipient);
        }
        emit IMarginHub.Liquidated(account, msg.sender, recipient, owedUsd, coveredUsd, closeBps);
    }

    /// @dev The share every consumer closes: the close factor while the health factor
    /// (`MarginMath.healthFactor`, the `health()` view) is at least the threshold, else all. Unset
    /// (0) or 10000 closes all.
    function _closeBps(uint256 liquidationUsd, uint256 maintenanceUsd) private view returns (uint16) {
        uint16 cf = _closeFactorBps;
        // maintenanceUsd > liquidationUsd ≥ 0 here. floor(liq·1e4/mnt) < t ⇔ liq·1e4 < t·mnt ⇔
        // floor(liq·1e18/mnt) < t·1e14: the same comparison as on `health()`, in bps.
        if (cf == 0 || Math.mulDiv(liquidationUsd, MarginMath.BPS, maintenanceUsd) < _fullLiquidationHealthBps) {
            return uint16(MarginMath.BPS);
        }
        return cf;
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
        IMarginHub.CollateralKey memory k,
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
            if (settlement == address(0)) revert IMarginHub.MarginHub_NoSettlementRecipient(consumer, k.chainId);
            _orderSeize(c, account, k, owedAmount, settlement);
        }
        if (bonusAmount != 0) _orderSeize(c, account, k, bonusAmount, recipient);
    }

    /// @dev `HubRisk.seizeAmounts` of one collateral on its whole credit, when the pass matches its
    /// price's freshness and the price is positive; else nothing.
    function _quoteSeize(address account, IMarginHub.CollateralKey memory k, uint256 remainingUsd, bool freshPass)
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
    function _orderSeize(HubCredit.Credit storage c, address account, IMarginHub.CollateralKey memory k, uint256 amount, address recipient)
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
        emit IMarginHub.SeizeOrdered(guid, account, k.chainId, k.token, amount, recipient);
    }
}
