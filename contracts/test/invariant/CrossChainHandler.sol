// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {MarginMath} from "../../src/libraries/MarginMath.sol";
import {MockERC20} from "../../src/mocks/MockERC20.sol";
import {MockERC4626} from "../../src/mocks/MockERC4626.sol";
import {MockPriceFeed} from "../../src/mocks/MockPriceFeed.sol";
import {World} from "./CrossChainWorld.sol";
import {RelayQueues} from "./RelayQueues.sol";

/// @notice The honest actors of the cross-chain system: traders deposit, request withdrawals,
/// trade on the perp; a relayer carries requests, commands and balance batches (batches possibly
/// late, out of order, in full or lazily); a keeper moves prices (sometimes late: stale or
/// non-positive answers) and liquidates; time passes.
/// Ghost state records what every invariant needs (see `CrossMargin.invariant.t.sol`), including
/// a model of the hub's per-key command queue (`RelayQueues._hubQueue` from `ghostAckNonce`).
contract CrossChainHandler is RelayQueues {
    /// @dev The hub's credit record of one key as read before an update.
    struct CreditView {
        uint256 balance;
        uint64 seq;
    }

    /// @notice Σ amounts deposited per (chain, token).
    mapping(uint32 => mapping(address => uint256)) public ghostDeposited;
    /// @notice Σ amounts the vault released or seized by applied commands per (chain, token), mirrored from vault rules.
    mapping(uint32 => mapping(address => uint256)) public ghostReleased;
    /// @notice Last credited seq seen per keccak256(account, chainId, token).
    mapping(bytes32 => uint64) public lastSeenSeq;
    uint256 public ghostSeqDecreased;
    bool public ghostExpiredAccepted;
    /// @notice Leaves with seq ≤ the stored seq that nevertheless changed the credit.
    uint256 public ghostStaleLeafChanged;
    /// @notice Newer leaves whose resulting credit differs from the README's rule.
    uint256 public ghostCreditMismatch;
    /// @notice Approvals after which the account was below maintenance (or initial, when it had one).
    uint256 public ghostUnhealthyApprovals;
    /// @notice Applied commands whose token movement or resulting state differs from the mirrored vault rule.
    uint256 public ghostReleaseMismatch;
    /// @notice Honest relays (requests, commands, fresh batches) that reverted.
    uint256 public ghostUnexpectedReverts;
    bytes4 public lastUnexpectedError;
    /// @notice inboundNonce of the last leaf (batch leaf or request figures) the hub applied, per
    /// keccak256(account, chainId, token): the hub's queue holds the key's commands after it.
    mapping(bytes32 => uint64) public ghostAckNonce;
    /// @notice Times the hub's `outstanding` view differed from the modeled queue (Σ seizes, newest nonce).
    uint256 public ghostQueueMismatch;
    /// @notice Approvals the hub's strict check (`requireInitialMargin`: priced requirements, fresh
    /// prices, a collateral without one counting 0) would not pass right after.
    uint256 public ghostUnsafeApprovals;
    /// @notice Liquidation SEIZEs not ordered as (debt share → the perp's settlement address on that
    /// chain, then bonus → the liquidator) with share = ceil(total·10000/(10000 + bonusBps)).
    uint256 public ghostSeizeSplitMismatch;
    /// @notice Applied SEIZEs that took less than ordered (the hub counted collateral that was not there).
    uint256 public ghostShortSeizes;
    /// @notice Token units applied SEIZEs paid, per recipient and token (transferred or recorded as a claim).
    mapping(address recipient => mapping(address token => uint256)) public ghostSeizedTo;

    // ---- refusing tokens and claims
    /// @notice Σ releases (approvals, seizes) whose transfer failed and became a claim, per (chain, token).
    mapping(uint32 => mapping(address => uint256)) public ghostClaimRecorded;
    /// @notice Σ releases waiting in the vault's release queue (limited tokens), per (chain, token).
    mapping(uint32 => mapping(address => uint256)) public ghostQueued;
    /// @notice Σ claims pulled with `claim`, per (chain, token).
    mapping(uint32 => mapping(address => uint256)) public ghostClaimPaid;
    /// @notice Σ claims a recipient pulled to another address (`rescue`), per (recipient, token).
    mapping(address recipient => mapping(address token => uint256)) public ghostClaimedAway;
    /// @notice Where a blocked recipient pulls its claims when it does not pull to itself.
    address public rescue = makeAddr("rescue");
    /// @notice Honest `relayCommand`s that reverted (to blocked recipients included): a stuck path.
    uint256 public ghostCommandReverts;
    /// @notice `claim` calls of a recipient with a claim that reverted, or paid other than its claim.
    uint256 public ghostClaimFailures;

    // ---- under-credit
    /// @notice Per keccak256(account, chainId, token): the last leaf the hub applied equalled the
    /// vault's state at delivery (balance and seq), and nothing raised the vault balance behind the
    /// hub's back since (deposits clear it; so does an applied REJECT the hub did not credit back).
    mapping(bytes32 => bool) public leafCurrent;
    /// @dev Route limits: the seq and inboundNonce of a key's figures waiting at the hub (seq 0: none seen).
    mapping(bytes32 => uint64) internal _waitingSeq;
    mapping(bytes32 => uint64) internal _waitingAck;
    /// @notice Keys excluded from `invariant_noUnderCredit` because a REJECT that raced a SEIZE of the
    /// same key (not credited back, by design) returned an amount at the vault.
    uint256 public ghostRaceExcluded;
    /// @notice Same, for a REJECT not credited back because 8 credited rejects were already queued.
    uint256 public ghostRejectCapExcluded;

    // ---- liquidation economics
    /// @notice Drained liquidations after which the owner's holdings of a token (wallet + vault
    /// balance + pending + claimable) exceeded what it held before minus what went to others.
    uint256 public ghostLiquidationProfit;
    /// @notice Liquidations whose `seizedUsd` exceeded `owedUsd`, or differed from the value of the
    /// debt shares ordered to the settlement address by more than rounding.
    uint256 public ghostCoverageMismatch;

    // ---- routes
    /// @notice Routes that carried a request or an accepted batch (the hub's `RouteInUse` rule).
    mapping(uint32 => bool) public routeUsed;
    /// @notice `setVault` calls that re-pointed a used route.
    uint256 public ghostRouteReplaced;
    /// @notice `setVault` calls that reverted with another error than `RouteInUse` (or at all on an unused route).
    uint256 public ghostSetVaultWrongError;

    constructor(World memory w) RelayQueues(w) {}

    // ------------------------------------------------------------ traders

    /// @notice A trader deposits a bounded amount of a token on a vault chain.
    function deposit(uint256 actorSeed, uint256 chainSeed, uint256 tokenSeed, uint256 amount) external onHub {
        address actor = _trader(actorSeed);
        uint32 chainId = _chain(chainSeed);
        address token = tokensOn[chainId][tokenSeed % tokensOn[chainId].length];
        if (_isBlocked(token, actor)) return _bump("deposit.blocked");
        uint256 unit = 10 ** MockERC20(token).decimals();
        amount = _fund(actor, token, _bound(amount, unit / 100, maxUnits[token] * unit));
        CollateralVault v = vaultOn[chainId];
        vm.chainId(chainId);
        vm.startPrank(actor);
        IERC20(token).approve(address(v), amount);
        v.deposit(token, amount);
        vm.stopPrank();
        ghostDeposited[chainId][token] += amount;
        leafCurrent[_key(actor, chainId, token)] = false;
        _bump("deposit");
        _syncSeqs();
    }

    /// @notice A trader pays a deposit credited to ANOTHER trader (`depositFor`); a third of them is
    /// the 1-wei "poke" that bumps the victim's seq (a newer leaf the hub must not mis-read).
    function depositFor(uint256 payerSeed, uint256 shift, uint256 chainSeed, uint256 tokenSeed, uint256 amount)
        external
        onHub
    {
        address payer = _trader(payerSeed);
        address account = _trader(payerSeed % TRADER_COUNT + 1 + shift % (TRADER_COUNT - 1));
        uint32 chainId = _chain(chainSeed);
        address token = tokensOn[chainId][tokenSeed % tokensOn[chainId].length];
        if (_isBlocked(token, payer)) return _bump("depositFor.blocked");
        uint256 unit = 10 ** MockERC20(token).decimals();
        bool poke = amount % 3 == 0;
        amount = _fund(payer, token, poke ? 1 : _bound(amount, unit / 100, maxUnits[token] * unit));
        if (amount == 0) return _bump("depositFor.nothing");
        CollateralVault v = vaultOn[chainId];
        vm.chainId(chainId);
        vm.startPrank(payer);
        IERC20(token).approve(address(v), amount);
        v.depositFor(account, token, amount);
        vm.stopPrank();
        ghostDeposited[chainId][token] += amount;
        leafCurrent[_key(account, chainId, token)] = false;
        if (poke) _bump("depositFor.poke");
        else _bump("depositFor");
        _syncSeqs();
    }

    /// @notice A trader with a free balance requests part (or all) of it; the packet joins the path's FIFO.
    function requestWithdrawal(uint256 actorSeed, uint256 chainSeed, uint256 tokenSeed, uint256 amount) external onHub {
        (uint32 chainId, address actor, address token, uint256 balance) = _findFunded(actorSeed, chainSeed, tokenSeed);
        if (balance == 0) return _bump("request.nothingFree");
        amount = amount % 4 == 0 ? balance : _bound(amount, 1, balance);
        CollateralVault v = vaultOn[chainId];
        vm.chainId(chainId);
        vm.recordLogs();
        vm.prank(actor);
        v.requestWithdrawal(token, amount);
        _requests[chainId].push(_packetsFrom(vm.getRecordedLogs(), address(v))[0]);
        _bump("request");
        _syncSeqs();
    }

    /// @notice The first trader from `actorSeed` with free margin opens or grows a position with up
    /// to 90 % of it.
    function openPosition(uint256 actorSeed, uint256 sizeSeed, bool short) external onHub {
        _refreshFeeds();
        for (uint256 k; k < TRADER_COUNT; ++k) {
            address actor = _trader(actorSeed % TRADER_COUNT + k);
            IMarginHub.Margin memory m = hub.accountMargin(actor);
            if (m.adjustedUsd <= m.initialUsd) continue;
            // Growing by d at the mark price adds d·price·im/10000 to the initial requirement.
            uint256 maxSize = (m.adjustedUsd - m.initialUsd) * 9_000 / PERP_IM_BPS * 1e18 / perp.markPrice();
            if (maxSize < 1e9) continue;
            uint256 size = _bound(sizeSeed, maxSize / 4, maxSize);
            int256 existing = perp.position(actor).size;
            if (existing != 0) short = existing < 0;
            vm.prank(actor);
            int256 delta = SafeCast.toInt256(size);
            perp.openPosition(short ? -delta : delta);
            _bump("open");
            return _syncSeqs();
        }
        _bump("open.noMargin");
    }

    /// @notice The first trader from `actorSeed` with a position closes it (a loss becomes debt).
    function closePosition(uint256 actorSeed) external onHub {
        _refreshFeeds();
        for (uint256 k; k < TRADER_COUNT; ++k) {
            address actor = _trader(actorSeed % TRADER_COUNT + k);
            if (perp.position(actor).size == 0) continue;
            vm.prank(actor);
            perp.closePosition();
            _bump("close");
            return _syncSeqs();
        }
        _bump("close.none");
    }

    // ------------------------------------------------------------ keeper and time

    /// @notice Moves a feed by up to ±25 % (ETH; the others ±5 %) within a sane band (ETH twice as often).
    function setPrice(uint256 feedSeed, uint256 moveSeed) external onHub {
        uint256 f = feedSeed % 4;
        MockPriceFeed feed = f < 2 ? ethFeed : f == 2 ? usdcFeed : shareFeed;
        (int256 lo, int256 hi) = f < 2
            ? (int256(500e8), int256(8_000e8))
            : f == 2 ? (int256(0.9e8), int256(1.1e8)) : (int256(0.8e18), int256(1.5e18));
        (, int256 answer,,,) = feed.latestRoundData();
        uint256 swingBps = f < 2 ? 2_500 : 500;
        int256 factorBps = SafeCast.toInt256(10_000 - swingBps + moveSeed % (2 * swingBps + 1));
        int256 next = answer * factorBps / 10_000;
        feed.setAnswer(next < lo ? lo : next > hi ? hi : next);
        _bump("price");
        _syncSeqs();
    }

    /// @notice The keeper is late, at the worst moment: the feed of the token of the next request
    /// to relay on a path (else one picked by `seed`) goes stale (older than its heartbeat), or,
    /// for USDC and the share, gets a non-positive answer (a zero ETH price would stop the perp).
    /// Requests relayed meanwhile must still be answered (rejected when unsafe), never revert.
    function staleFeed(uint256 seed) external onHub {
        MockPriceFeed feed = seed % 3 == 0 ? ethFeed : seed % 3 == 1 ? usdcFeed : shareFeed;
        uint32 chainId = _chain(seed >> 8);
        if (requestHead[chainId] < _requests[chainId].length) {
            address token = this.decodeRequest(_requests[chainId][requestHead[chainId]]).token;
            feed = MockPriceFeed(hub.collateralConfig(chainId, token).feed);
        }
        if ((seed >> 16) % 3 == 0 && feed != ethFeed) {
            feed.setAnswer(0);
            _bump("feed.nonPositive");
        } else {
            (, int256 answer,,,) = feed.latestRoundData();
            feed.setRoundData(answer, block.timestamp - HEARTBEAT - 1);
            _bump("feed.stale");
        }
        _syncSeqs();
    }

    /// @notice Liquidates the first liquidatable trader from `actorSeed`, via the hub or the perp,
    /// with feeds refreshed first or as they are (a stale collateral counts 0 and is seized last);
    /// the SEIZE packets join their paths' FIFOs and their split is checked.
    function liquidate(uint256 actorSeed, bool viaPerp, bool refresh) external onHub {
        _liquidateFirst(actorSeed, viaPerp ? 1 : 0, 0, refresh, false);
    }

    /// @notice `liquidateTo` the first liquidatable trader from `actorSeed` with a recipient picked by
    /// `recipientSeed`: the liquidator, the liquidated account itself, another trader, a settlement
    /// address or a fresh one. With `drain` the relayer then applies every queued command at once
    /// and the owner's holdings are compared with before (`invariant_liquidationEconomics`).
    /// Three times in four, when nobody is liquidatable, the keeper first moves ETH 25 % against the first
    /// trader with a position (within the `setPrice` band), so a 64-call run reaches liquidations.
    function liquidateTo(uint256 actorSeed, uint256 recipientSeed, bool refresh, bool drain) external onHub {
        if ((recipientSeed >> 24) % 4 != 0) _crashIfNoneLiquidatable(actorSeed);
        _liquidateFirst(actorSeed, 2, recipientSeed, refresh, drain);
    }

    function _crashIfNoneLiquidatable(uint256 actorSeed) private {
        for (uint256 k; k < TRADER_COUNT; ++k) {
            if (hub.isLiquidatable(traders[k])) return;
        }
        (, int256 answer,,,) = ethFeed.latestRoundData();
        if (answer <= 0) return;
        for (uint256 k; k < TRADER_COUNT; ++k) {
            int256 size = perp.position(_trader(actorSeed % TRADER_COUNT + k)).size;
            if (size == 0) continue;
            int256 next = size > 0 ? answer * 3 / 4 : answer * 5 / 4;
            ethFeed.setAnswer(next < 500e8 ? int256(500e8) : next > 8_000e8 ? int256(8_000e8) : next);
            return _bump("price.crash");
        }
    }

    /// @dev `how`: 0 `hub.liquidate`, 1 `perp.liquidate`, 2 `hub.liquidateTo(recipient)`.
    function _liquidateFirst(uint256 actorSeed, uint256 how, uint256 recipientSeed, bool refresh, bool drain) private {
        if (refresh) _refreshFeeds();
        // Commands queued earlier (another liquidation's bonus to this owner, say) apply first, so
        // the owner's holdings before and after differ by this liquidation alone.
        if (drain && !_drainAll()) drain = false;
        for (uint256 k; k < TRADER_COUNT; ++k) {
            address actor = _trader(actorSeed % TRADER_COUNT + k);
            if (!hub.isLiquidatable(actor)) continue;
            address recipient = how == 2 ? _pickRecipient(recipientSeed, actor) : liquidator;
            uint256[5] memory before = _ownerTotals(actor);
            vm.recordLogs();
            vm.prank(liquidator);
            if (how == 1) perp.liquidate(actor);
            else if (how == 0) hub.liquidate(actor);
            else hub.liquidateTo(actor, recipient);
            Vm.Log[] memory logs = vm.getRecordedLogs();
            bytes[] memory packets = _queueCommands(logs);
            (uint256 shareUsd, uint256 slackUsd) = _checkSeizeSplit(packets, recipient);
            _checkCoverage(logs, shareUsd, slackUsd);
            if (drain) _checkOwnerLoss(actor, packets, before);
            if (how == 2) _bump("liquidateTo");
            else _bump("liquidate");
            if (recipient == actor) _bump("liquidate.self");
            if (!refresh) _bump("liquidate.asIs");
            return _syncSeqs();
        }
        _bump("liquidate.noneUnhealthy");
    }

    /// @dev The liquidator, the account itself, another trader, chain A's or chain B's settlement
    /// address, or a fresh address.
    function _pickRecipient(uint256 seed, address account) private view returns (address) {
        uint256 r = seed % 6;
        if (r == 0) return liquidator;
        if (r == 1) return account;
        if (r == 2) {
            uint256 idx;
            while (traders[idx] != account) ++idx;
            return _trader(idx + 1 + (seed >> 8) % (TRADER_COUNT - 1));
        }
        if (r == 3) return perp.settlementRecipient(CHAIN_A);
        if (r == 4) return perp.settlementRecipient(CHAIN_B);
        return address(uint160(uint256(keccak256(abi.encode("recipient", seed >> 16 & 3)))));
    }

    /// @dev Per world key (`_keyAt`): `account`'s wallet + vault balance + pending + claimable.
    function _ownerTotals(address account) private view returns (uint256[5] memory t) {
        for (uint256 i; i < 5; ++i) {
            (uint32 chainId, address token) = _keyAt(i);
            CollateralVault v = vaultOn[chainId];
            (uint256 balance, uint256 pending,,) = v.accountState(account, token);
            t[i] = IERC20(token).balanceOf(account) + balance + pending + v.claimable(account, token);
        }
    }

    /// @dev Drains every path, then checks per token that the owner holds at most what it held
    /// before minus what this liquidation's seizes sent to anyone else (the settlement share always
    /// leaves; on self-liquidation only the bonus comes back).
    function _checkOwnerLoss(address account, bytes[] memory packets, uint256[5] memory before) private {
        if (!_drainAll()) return;
        uint256[5] memory loss;
        for (uint256 i; i < packets.length; ++i) {
            MessageCodec.Header memory h = this.decodeHeader(packets[i]);
            MessageCodec.Seize memory s = this.decodeSeize(packets[i]);
            if (s.recipient != account) loss[_indexOf(h.dstEid, s.token)] += s.amount;
        }
        uint256[5] memory afterwards = _ownerTotals(account);
        for (uint256 i; i < 5; ++i) {
            if (afterwards[i] + loss[i] > before[i]) ++ghostLiquidationProfit;
        }
        _bump("liquidate.drained");
    }

    /// @dev `seizedUsd ≤ owedUsd` in the Liquidated event, and `seizedUsd` is, within rounding, the
    /// value of the debt shares ordered to the settlement addresses: so the shortfall
    /// `owedUsd − seizedUsd` is reported exactly when the settlement side was not paid.
    function _checkCoverage(Vm.Log[] memory logs, uint256 shareUsd, uint256 slackUsd) private {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(hub) || logs[i].topics[0] != IMarginHub.Liquidated.selector) continue;
            (, uint256 owedUsd, uint256 seizedUsd) = abi.decode(logs[i].data, (address, uint256, uint256));
            uint256 diff = shareUsd > seizedUsd ? shareUsd - seizedUsd : seizedUsd - shareUsd;
            if (seizedUsd > owedUsd || diff > slackUsd) ++ghostCoverageMismatch;
            if (seizedUsd < owedUsd) _bump("liquidate.shortfall");
            return;
        }
        ++ghostCoverageMismatch;
    }

    /// @notice Time passes (up to twice the attestation max age), blocks too.
    function warp(uint256 secondsSeed) external onHub {
        uint256 s = _bound(secondsSeed, 1, 2 * MAX_AGE);
        vm.warp(block.timestamp + s);
        vm.roll(block.number + 1 + s / 12);
        _bump("warp");
        _syncSeqs();
    }

    // ------------------------------------------------------------ relayer: requests and commands

    /// @notice Delivers the oldest undelivered request of a path with a valid quorum (feeds
    /// refreshed first, or as they are), queues the hub's answer, checks the credit rule (with the
    /// rejection add-back) and, on approval, the account's health right after.
    function relayRequest(uint256 chainSeed, bool refresh) external onHub {
        uint32 chainId = _chain(chainSeed);
        if (requestHead[chainId] == _requests[chainId].length) chainId = _chain(chainSeed % 2 + 1);
        if (requestHead[chainId] == _requests[chainId].length) return _bump("relayRequest.none");
        bytes memory packet = _requests[chainId][requestHead[chainId]];
        MessageCodec.WithdrawalRequest memory w = this.decodeRequest(packet);
        if (refresh) _refreshFeeds();
        else if (_anyFeedUnusable()) _bump("request.unusableFeed");
        bytes memory sigs = _quorum(address(hub), HUB_CHAIN, packet);
        CreditView memory pre = _creditView(w.account, chainId, w.token);
        vm.recordLogs();
        // Never reverts on prices: what cannot be approved safely is rejected.
        try hub.receiveWithdrawalRequest(packet, sigs) {}
        catch (bytes memory err) {
            return _unexpected(err);
        }
        ++requestHead[chainId];
        routeUsed[chainId] = true;
        _queueCommands(vm.getRecordedLogs());
        Command storage answer = _commands[chainId][_commands[chainId].length - 1];
        // The request's figures apply first (a newer seq acknowledges up to its inboundNonce), then
        // the add-back rule looks at the queue they leave.
        // Figures that wait for the route's bucket are not applied: the request must be rejected.
        bool waited = w.seq > pre.seq && _waits(w.account, chainId, w.token, w.seq, w.inboundNonce);
        if (waited && answer.kind == MessageCodec.APPROVE_WITHDRAWAL) ++ghostCreditMismatch;
        uint64 ack = w.seq > pre.seq && !waited ? w.inboundNonce : ghostAckNonce[_key(w.account, chainId, w.token)];
        bool addBack = !waited && answer.kind == MessageCodec.REJECT_WITHDRAWAL
            && _rejectAddsBack(
                chainId, w.account, w.token, w.inboundNonce, _hubQueue(chainId, w.account, w.token, ack).rejects
            );
        _checkLeafApplied(pre, w.account, chainId, w.token, w.balanceAfter, w.seq, w.inboundNonce, addBack ? w.amount : 0);
        answer.creditedBack = addBack;
        answer.raced =
            answer.kind == MessageCodec.REJECT_WITHDRAWAL && _lastSeizeNonce(chainId, w.account, w.token) > w.inboundNonce;
        if (answer.raced) _bump("reject.racedSeize");
        if (answer.kind == MessageCodec.APPROVE_WITHDRAWAL) {
            IMarginHub.Margin memory m = hub.accountMargin(w.account);
            bool initialOk = m.initialUsd == 0 || m.adjustedUsd >= m.initialUsd;
            if (m.liquidationUsd < m.maintenanceUsd || !initialOk) ++ghostUnhealthyApprovals;
            try hub.requireInitialMargin(w.account) {}
            catch {
                ++ghostUnsafeApprovals;
            }
            if (m.initialUsd == 0) _bump("approve.noRequirement");
            else _bump("approve.withRequirement");
        } else {
            _bump("reject");
        }
        _syncSeqs();
    }

    /// @notice Delivers the oldest undelivered hub command of a path to its vault, checking the
    /// token movement (transferred, or recorded as a claim when the transfer fails) and resulting
    /// state against the mirrored vault rule.
    function relayCommand(uint256 chainSeed) external onHub {
        uint32 chainId = _chain(chainSeed);
        if (commandHead[chainId] == _commands[chainId].length) chainId = _chain(chainSeed % 2 + 1);
        if (commandHead[chainId] == _commands[chainId].length) return _bump("relayCommand.none");
        if (_relayOne(chainId)) _bump("relayCommand");
        _syncSeqs();
    }

    /// @notice The relayer catches up: every queued command on both paths is delivered in order.
    function drainCommands() external onHub {
        _drainAll();
        _bump("drain");
        _syncSeqs();
    }

    /// @dev Delivers every queued command; false when one reverted (the path is stuck).
    function _drainAll() private returns (bool) {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            while (commandHead[chainId] < _commands[chainId].length) {
                if (!_relayOne(chainId)) return false;
            }
        }
        return true;
    }

    /// @dev What a command delivery is compared with.
    struct Delivery {
        KeyState expected;
        uint256 released;
        address to;
        uint256 vaultBefore;
        uint256 claimBefore;
        uint256 balanceBefore;
        uint256 queuedBefore;
    }

    /// @dev Delivers the oldest undelivered command of `chainId`; false (and counted) when it reverts.
    function _relayOne(uint32 chainId) private returns (bool) {
        Command memory c = _commands[chainId][commandHead[chainId]];
        CollateralVault v = vaultOn[chainId];
        bytes memory sigs = _quorum(address(v), chainId, c.packet);
        Delivery memory d;
        KeyState memory pre = _keyState(chainId, c.account, c.token);
        (d.expected, d.released) = _mirrorCommand(pre, c);
        d.balanceBefore = pre.balance;
        d.to = c.kind == MessageCodec.SEIZE ? c.recipient : c.account;
        d.vaultBefore = IERC20(c.token).balanceOf(address(v));
        d.claimBefore = v.claimable(d.to, c.token);
        d.queuedBefore = v.totalQueued(c.token);
        try v.receiveCommand(c.packet, sigs) {}
        catch (bytes memory err) {
            ++ghostCommandReverts;
            _unexpected(err);
            return false;
        }
        ++commandHead[chainId];
        _afterDelivery(chainId, c, d);
        return true;
    }

    function _afterDelivery(uint32 chainId, Command memory c, Delivery memory d) private {
        CollateralVault v = vaultOn[chainId];
        uint256 recorded = v.claimable(d.to, c.token) - d.claimBefore;
        uint256 sent = d.vaultBefore - IERC20(c.token).balanceOf(address(v));
        // What the token's release limit held back (0 for unlimited tokens).
        uint256 queued = v.totalQueued(c.token) - d.queuedBefore;
        ghostReleased[chainId][c.token] += d.released;
        ghostClaimRecorded[chainId][c.token] += recorded;
        ghostQueued[chainId][c.token] += queued;
        if (recorded != 0) _bump("release.becameClaim");
        if (queued != 0) _bump("release.queued");
        if (c.kind == MessageCodec.SEIZE) {
            ghostSeizedTo[c.recipient][c.token] += d.released;
            if (d.released != c.amount) ++ghostShortSeizes;
        }
        if (sent + recorded + queued != d.released || !_sameState(_keyState(chainId, c.account, c.token), d.expected)) {
            ++ghostReleaseMismatch;
        }
        // A REJECT the hub did not credit back raises the vault balance behind the hub's back.
        if (c.kind == MessageCodec.REJECT_WITHDRAWAL && !c.creditedBack && d.expected.balance > d.balanceBefore) {
            bytes32 key = _key(c.account, chainId, c.token);
            if (leafCurrent[key]) {
                leafCurrent[key] = false;
                if (c.raced) ++ghostRaceExcluded;
                else ++ghostRejectCapExcluded;
            }
        }
    }

    // ------------------------------------------------------------ refusing tokens, claims, routes

    /// @notice The issuer blocks or unblocks a trader, the liquidator or the chain's settlement
    /// address on one plain token: releases to it become claims, its deposits stop. Half the time
    /// it blocks, at the worst moment, the recipient of the next undelivered APPROVE or SEIZE.
    function toggleBlocked(uint256 whoSeed, uint256 keySeed) external onHub {
        if ((whoSeed >> 8) % 2 == 0 && _blockNextRecipient(keySeed)) return _syncSeqs();
        uint256 i = [uint256(0), 1, 3, 4][keySeed % 4];
        (uint32 chainId, address token) = _keyAt(i);
        uint256 w = whoSeed % (TRADER_COUNT + 2);
        address who = w < TRADER_COUNT ? traders[w] : w == TRADER_COUNT ? liquidator : perp.settlementRecipient(chainId);
        bool on = !MockERC20(token).blocked(who);
        MockERC20(token).setBlocked(who, on);
        if (on) _bump("block.on");
        else _bump("block.off");
        _syncSeqs();
    }

    /// @dev Blocks the recipient of the first undelivered APPROVE / SEIZE of a plain token on the
    /// path picked by `seed` (else the other); false when there is none.
    function _blockNextRecipient(uint256 seed) private returns (bool) {
        for (uint256 p; p < 2; ++p) {
            uint32 chainId = _chain(seed + p);
            Command[] storage q = _commands[chainId];
            for (uint256 i = commandHead[chainId]; i < q.length; ++i) {
                Command storage c = q[i];
                if (c.kind == MessageCodec.REJECT_WITHDRAWAL || address(underlyingOf[c.token]) != address(0)) continue;
                address to = c.kind == MessageCodec.SEIZE ? c.recipient : c.account;
                if (MockERC20(c.token).blocked(to)) continue;
                MockERC20(c.token).setBlocked(to, true);
                _bump("block.nextRecipient");
                return true;
            }
        }
        return false;
    }

    /// @notice A recipient with a claim (from the seeds) pulls it: to `rescue`, or to itself (the
    /// issuer unblocking it first when needed). Must pay exactly the claim, never revert.
    function claim(uint256 seed, bool toRescue) external onHub {
        address[6] memory who = [traders[0], traders[1], traders[2], liquidator, owner, insuranceB];
        for (uint256 k; k < 30; ++k) {
            uint256 idx = (seed + k) % 30;
            (uint32 chainId, address token) = _keyAt(idx % 5);
            address r = who[idx / 5];
            if (vaultOn[chainId].claimable(r, token) == 0) continue;
            address to = toRescue ? rescue : r;
            if (!toRescue && _isBlocked(token, r)) {
                MockERC20(token).setBlocked(r, false);
                _bump("claim.unblockedFirst");
            }
            _claim(chainId, token, r, to);
            return _syncSeqs();
        }
        _bump("claim.none");
    }

    function _claim(uint32 chainId, address token, address r, address to) private {
        CollateralVault v = vaultOn[chainId];
        uint256 amount = v.claimable(r, token);
        uint256 vaultBefore = IERC20(token).balanceOf(address(v));
        uint256 toBefore = IERC20(token).balanceOf(to);
        vm.chainId(chainId);
        vm.prank(r);
        try v.claim(token, to) returns (uint256 paid) {
            if (
                paid != amount || v.claimable(r, token) != 0 || IERC20(token).balanceOf(to) - toBefore != amount
                    || vaultBefore - IERC20(token).balanceOf(address(v)) != amount
            ) ++ghostClaimFailures;
        } catch (bytes memory err) {
            ++ghostClaimFailures;
            return _unexpected(err);
        }
        ghostClaimPaid[chainId][token] += amount;
        if (to != r) ghostClaimedAway[r][token] += amount;
        if (to == r) _bump("claim.self");
        else _bump("claim.rescue");
    }

    /// @notice A keeper pays queued releases of a key (`processReleases`, at most 1..3 entries or
    /// all): each payment is transferred or becomes a claim; the call pays exactly
    /// `min(queued, available)` when it may take every entry, and never reverts.
    function processReleases(uint256 keySeed, uint256 maxSeed) external onHub {
        (uint32 chainId, address token) = _keyAt(keySeed % 5);
        if (vaultOn[chainId].totalQueued(token) == 0) (chainId, token) = _keyAt(3); // the limited key
        if (_processReleases(chainId, token, maxSeed % 4 == 0 ? type(uint256).max : maxSeed % 4)) {
            _bump("releases.processed");
        }
        _syncSeqs();
    }

    /// @notice End of run: time passes and keepers pay every queued release; false if one is left.
    function drainReleases() external onHub returns (bool) {
        for (uint256 i; i < 5; ++i) {
            (uint32 chainId, address token) = _keyAt(i);
            // Each full bucket pays min(queued, capacity): ceil(queued / capacity) refills suffice.
            uint256 rounds = vaultOn[chainId].totalQueued(token) / RELEASE_CAPACITY + 1;
            for (uint256 round; round < rounds && vaultOn[chainId].totalQueued(token) != 0; ++round) {
                vm.warp(block.timestamp + RELEASE_CAPACITY / RELEASE_REFILL);
                if (!_processReleases(chainId, token, type(uint256).max)) return false;
            }
            if (vaultOn[chainId].totalQueued(token) != 0) return false;
        }
        return true;
    }

    /// @dev A key's release figures before `processReleases`.
    struct ReleaseFigures {
        uint256 available;
        uint256 entries;
        uint256 queued;
        uint256 vaultBalance;
        uint256 claims;
    }

    /// @dev Calls `processReleases` and checks the amounts; false when nothing was paid or it failed.
    function _processReleases(uint32 chainId, address token, uint256 maxEntries) private returns (bool) {
        CollateralVault v = vaultOn[chainId];
        ReleaseFigures memory f;
        (,, f.available, f.entries, f.queued) = v.releaseLimit(token);
        f.vaultBalance = IERC20(token).balanceOf(address(v));
        f.claims = v.totalClaimable(token);
        vm.chainId(chainId);
        try v.processReleases(token, maxEntries) returns (uint256 released) {
            _checkProcessed(chainId, token, maxEntries, f, released);
            return released != 0;
        } catch (bytes memory err) {
            _unexpected(err);
            return false;
        }
    }

    /// @dev Paid == transferred + recorded as claims == the queue's decrease; with every entry
    /// allowed, exactly `min(queued, available)`.
    function _checkProcessed(
        uint32 chainId,
        address token,
        uint256 maxEntries,
        ReleaseFigures memory f,
        uint256 released
    ) private {
        CollateralVault v = vaultOn[chainId];
        uint256 recorded = v.totalClaimable(token) - f.claims;
        uint256 sent = f.vaultBalance - IERC20(token).balanceOf(address(v));
        if (
            sent + recorded != released || f.queued - v.totalQueued(token) != released
                || (maxEntries >= f.entries && released != Math.min(f.queued, f.available))
        ) ++ghostReleaseMismatch;
        ghostQueued[chainId][token] -= released;
        ghostClaimRecorded[chainId][token] += recorded;
        if (recorded != 0) _bump("release.becameClaim");
    }

    /// @notice The PERP's feed (ETH/USD, also the WETH collaterals') lapses: a zero answer or a stale
    /// one. Requests relayed meanwhile must still be answered (rejected when unpriced), never revert.
    function perpFeedOutage(uint256 seed) external onHub {
        if (seed % 2 == 0) {
            ethFeed.setAnswer(0);
            _bump("perpFeed.zero");
        } else {
            (, int256 answer,,,) = ethFeed.latestRoundData();
            ethFeed.setRoundData(answer, block.timestamp - HEARTBEAT - 1);
            _bump("perpFeed.stale");
        }
        _syncSeqs();
    }

    /// @notice The owner tries to re-point a route: a used one must revert `MarginHub_RouteInUse`;
    /// an unused one is only re-set to its own vault (which must work).
    function setVaultAttempt(uint256 chainSeed) external onHub {
        uint32 chainId = _chain(chainSeed);
        address replacement =
            routeUsed[chainId] ? address(uint160(uint256(keccak256("replacement-vault")))) : address(vaultOn[chainId]);
        vm.prank(owner);
        try hub.setVault(chainId, replacement) {
            if (routeUsed[chainId]) ++ghostRouteReplaced;
            _bump("setVault.unusedReset");
        } catch (bytes memory err) {
            if (!routeUsed[chainId] || _selector(err) != IMarginHub.MarginHub_RouteInUse.selector) {
                ++ghostSetVaultWrongError;
            }
            _bump("setVault.refused");
        }
        _syncSeqs();
    }

    // ------------------------------------------------------------ relayer: balance batches

    /// @notice Snapshots `accountState` of some keys of one trader on a path (the first from the
    /// seeds with touched keys) into a signed BALANCE_BATCH stamped now, and queues it undelivered.
    function snapshotBatch(uint256 chainSeed, uint256 actorSeed, uint256 mask) external onHub {
        for (uint256 k; k < 2 * TRADER_COUNT; ++k) {
            uint32 chainId = _chain(chainSeed % 2 + k / TRADER_COUNT);
            address actor = _trader(actorSeed % TRADER_COUNT + k);
            IMarginHub.Leaf[] memory leaves = _leavesFromVault(chainId, actor, mask, false);
            if (leaves.length == 0) leaves = _leavesFromVault(chainId, actor, type(uint256).max, false);
            if (leaves.length == 0) continue;
            return _queueBatch(chainId, leaves);
        }
        _bump("snapshot.nothing");
    }

    function _queueBatch(uint32 chainId, IMarginHub.Leaf[] memory leaves) private {
        (bytes memory packet, bytes32 guid) =
            _batchPacket(chainId, _root(leaves), uint32(leaves.length), uint64(block.number), uint64(block.timestamp));
        Batch storage b = _batches.push();
        b.packet = packet;
        b.sigs = _quorum(address(hub), HUB_CHAIN, packet);
        b.guid = guid;
        b.timestamp = uint64(block.timestamp);
        for (uint256 i; i < leaves.length; ++i) {
            b.leaves.push(leaves[i]);
        }
        _bump("snapshot");
    }

    /// @notice Delivers a queued batch (any of them, in any order): in full, or its root then one
    /// leaf; for a stored root, one more leaf. Expired ones must revert; stale leaves change nothing.
    function deliverBatch(uint256 indexSeed, uint256 mode, uint256 leafSeed) external onHub {
        uint256 n = _batches.length;
        for (uint256 k; k < n; ++k) {
            uint256 i = (indexSeed % n + k) % n;
            uint8 status = _batches[i].status;
            if (status == APPLIED || status == EXPIRED) continue;
            if (status == STORED) _applyStoredLeaf(i, leafSeed);
            else if (mode % 2 == 0) _submitFull(i);
            else if (_submitRoot(i)) _applyStoredLeaf(i, leafSeed);
            return _syncSeqs();
        }
        _bump("deliverBatch.none");
    }

    function _submitFull(uint256 i) private {
        Batch storage b = _batches[i];
        BatchProof memory p = _batchProof(b.leaves);
        CreditView[] memory pre = new CreditView[](p.leaves.length);
        for (uint256 j; j < p.leaves.length; ++j) {
            pre[j] = _creditView(p.leaves[j].account, p.leaves[j].chainId, p.leaves[j].token);
        }
        try hub.submitBatch(b.packet, b.sigs, p.leaves, p.proof, p.proofFlags) {}
        catch (bytes memory err) {
            return _batchRejected(b, err);
        }
        b.status = APPLIED;
        routeUsed[_batchSource(b)] = true;
        if (_expired(b)) ghostExpiredAccepted = true;
        for (uint256 j; j < p.leaves.length; ++j) {
            IMarginHub.Leaf memory l = p.leaves[j];
            _checkLeafApplied(pre[j], l.account, l.chainId, l.token, l.balance, l.seq, l.inboundNonce, 0);
        }
        _bump("batch.full");
    }

    function _submitRoot(uint256 i) private returns (bool) {
        Batch storage b = _batches[i];
        try hub.submitRoot(b.packet, b.sigs) {}
        catch (bytes memory err) {
            _batchRejected(b, err);
            return false;
        }
        b.status = STORED;
        routeUsed[_batchSource(b)] = true;
        if (_expired(b)) ghostExpiredAccepted = true;
        _bump("batch.root");
        return true;
    }

    function _applyStoredLeaf(uint256 i, uint256 leafSeed) private {
        Batch storage b = _batches[i];
        IMarginHub.Leaf[] memory leaves = b.leaves;
        uint256 j = leafSeed % leaves.length;
        IMarginHub.Leaf memory l = leaves[j];
        CreditView memory pre = _creditView(l.account, l.chainId, l.token);
        try hub.applyLeaf(b.guid, l, _leafProof(leaves, j)) {}
        catch (bytes memory err) {
            return _batchRejected(b, err);
        }
        if (_expired(b)) ghostExpiredAccepted = true;
        _checkLeafApplied(pre, l.account, l.chainId, l.token, l.balance, l.seq, l.inboundNonce, 0);
        _bump("batch.leaf");
    }

    /// @dev An expired batch must fail with AttestationExpired (and is then retired); anything else is unexpected.
    function _batchRejected(Batch storage b, bytes memory err) private {
        if (_expired(b) && _selector(err) == IMarginHub.MarginHub_AttestationExpired.selector) {
            b.status = EXPIRED;
            return _bump("batch.expiredRejected");
        }
        _unexpected(err);
    }

    function _batchSource(Batch storage b) private view returns (uint32) {
        return b.leaves[0].chainId == CHAIN_A ? CHAIN_A : CHAIN_B;
    }

    function _expired(Batch storage b) private view returns (bool) {
        // forge-lint: disable-next-line(block-timestamp)
        return block.timestamp > uint256(b.timestamp) + hub.maxAttestationAge();
    }

    // ------------------------------------------------------------ ghost bookkeeping

    /// @dev Compares the credit after a leaf (batch leaf or request figures) with the README rule:
    /// not newer → unchanged; else the modeled queue drops what the leaf acknowledges (nonce ≤
    /// its inboundNonce) and the credit is `max(0, balance − Σ queued seizes + Σ queued credited
    /// rejections)`; plus `addBack`, a rejected amount credited again (0 for batches).
    function _checkLeafApplied(
        CreditView memory pre,
        address account,
        uint64 chainId,
        address token,
        uint256 balance,
        uint64 seq,
        uint64 leafInboundNonce,
        uint256 addBack
    ) private {
        (uint256 credit, uint64 creditSeq) = hub.creditedBalance(account, chainId, token);
        if (seq > pre.seq && _waits(account, chainId, token, seq, leafInboundNonce)) {
            // Waiting figures keep the credit's seq; the part of the rise the bucket paid may raise it.
            if (credit < pre.balance || creditSeq != pre.seq) ++ghostCreditMismatch;
            leafCurrent[_key(account, SafeCast.toUint32(chainId), token)] = false;
            return _bump("leaf.waiting");
        }
        if (addBack != 0) _bump("reject.addBack");
        if (seq <= pre.seq) {
            if (credit != pre.balance + addBack || creditSeq != pre.seq) ++ghostStaleLeafChanged;
            return _bump("leaf.stale");
        }
        uint32 eid = SafeCast.toUint32(chainId);
        ghostAckNonce[_key(account, eid, token)] = leafInboundNonce;
        _markCurrent(eid, account, token, balance, seq, credit);
        HubQueue memory q = _hubQueue(eid, account, token, leafInboundNonce);
        uint256 gross = balance + q.returned;
        uint256 expected = gross > q.seized ? gross - q.seized : 0;
        if (credit != expected + addBack || creditSeq != seq) ++ghostCreditMismatch;
        if (q.newest == 0) _bump("leaf.applied");
        else if (q.seized != 0) _bump("leaf.appliedLessQueued");
        else _bump("leaf.appliedPlusQueued");
    }

    /// @dev Whether the hub kept these figures out (its credit is older) because they, or newer
    /// figures of the key, wait for the route's bucket; remembers the newest waiting figures' seq
    /// and inboundNonce. Figures that do not rise apply even while newer ones wait.
    function _waits(address account, uint64 chainId, address token, uint64 seq, uint64 leafInboundNonce)
        private
        returns (bool)
    {
        (, uint64 creditSeq) = hub.creditedBalance(account, chainId, token);
        if (creditSeq >= seq) return false;
        (, uint64 waitingSeq, bool queued) = hub.waitingLeaf(account, chainId, token);
        if (!queued || waitingSeq < seq) return false;
        bytes32 key = _key(account, SafeCast.toUint32(chainId), token);
        if (waitingSeq == seq) (_waitingSeq[key], _waitingAck[key]) = (seq, leafInboundNonce);
        return true;
    }

    /// @notice Anyone applies the waiting leaves of a route (route limits); the model then takes the
    /// applied figures' inboundNonce as acknowledged by the hub.
    function applyWaiting(uint256 chainSeed, uint256 maxSeed) external onHub {
        uint32 chainId = _chain(chainSeed);
        (,,, uint256 waiting) = hub.routeLimit(chainId);
        if (waiting == 0) return _bump("waiting.none");
        try hub.applyWaiting(chainId, _bound(maxSeed, 1, 4)) returns (uint256 applied) {
            if (applied != 0) _bump("waiting.applied");
        } catch (bytes memory err) {
            return _unexpected(err);
        }
        address[] storage tokens = tokensOn[chainId];
        for (uint256 t; t < tokens.length; ++t) {
            for (uint256 a; a < TRADER_COUNT; ++a) {
                bytes32 key = _key(traders[a], chainId, tokens[t]);
                if (_waitingSeq[key] == 0) continue;
                (,, bool queued) = hub.waitingLeaf(traders[a], chainId, tokens[t]);
                if (queued) continue;
                (, uint64 seq) = hub.creditedBalance(traders[a], chainId, tokens[t]);
                if (seq == _waitingSeq[key]) ghostAckNonce[key] = _waitingAck[key];
                _waitingSeq[key] = 0;
            }
        }
        _syncSeqs();
    }

    /// @dev Records whether an applied leaf equals the vault's state now; counts credits above a cap.
    function _markCurrent(uint32 chainId, address account, address token, uint256 balance, uint64 seq, uint256 credit)
        private
    {
        (uint256 vaultBalance,, uint64 vaultSeq,) = vaultOn[chainId].accountState(account, token);
        bool current = vaultSeq == seq && vaultBalance == balance;
        leafCurrent[_key(account, chainId, token)] = current;
        if (current) _bump("leaf.current");
        uint256 cap = hub.collateralConfig(chainId, token).capPerAccount;
        if (cap != 0 && credit > cap) _bump("credit.aboveCap");
    }

    function _creditView(address account, uint64 chainId, address token) private view returns (CreditView memory v) {
        (v.balance, v.seq) = hub.creditedBalance(account, chainId, token);
    }

    function _key(address account, uint32 chainId, address token) private pure returns (bytes32) {
        return keccak256(abi.encode(account, chainId, token));
    }

    /// @dev Checks the SEIZEs of one liquidation: per collateral, first the debt's share to the
    /// perp's settlement address on that chain, then (unless it rounds to 0) the bonus to the
    /// liquidation's `recipient` with the next nonce, the share being ceil(total·10000/(10000 + bonusBps)).
    /// @return shareUsd Σ value of the debt shares at the feeds' answers
    /// @return slackUsd the rounding allowed between `shareUsd` and the event's `seizedUsd`
    function _checkSeizeSplit(bytes[] memory packets, address recipient)
        private
        returns (uint256 shareUsd, uint256 slackUsd)
    {
        uint256 i;
        while (i < packets.length) {
            MessageCodec.Header memory h = this.decodeHeader(packets[i]);
            MessageCodec.Seize memory s = this.decodeSeize(packets[i]);
            ++i;
            if (s.recipient != perp.settlementRecipient(h.dstEid) || s.account == address(0)) {
                ++ghostSeizeSplitMismatch;
                continue;
            }
            uint256 bonus;
            if (i < packets.length) {
                MessageCodec.Header memory hb = this.decodeHeader(packets[i]);
                MessageCodec.Seize memory b = this.decodeSeize(packets[i]);
                // The next collateral's debt share may go to the same address when `recipient` is a
                // settlement address: a bonus is the same key's packet.
                if (b.recipient == recipient && hb.dstEid == h.dstEid && b.token == s.token && b.account == s.account) {
                    if (hb.nonce != h.nonce + 1) ++ghostSeizeSplitMismatch;
                    bonus = b.amount;
                    ++i;
                }
            }
            IMarginHub.CollateralConfig memory cfg = hub.collateralConfig(h.dstEid, s.token);
            if (s.amount != Math.mulDiv(s.amount + bonus, 10_000, 10_000 + cfg.liquidationBonusBps, Math.Rounding.Ceil)) {
                ++ghostSeizeSplitMismatch;
            }
            (uint256 usd, uint256 unitUsd) = _valueOf(cfg, s.amount);
            shareUsd += usd;
            slackUsd += 2 * unitUsd + 10;
            if (bonus == 0) _bump("seize.noBonus");
            else _bump("seize.pair");
        }
    }

    /// @dev Value of `amount` (and of one token unit) at the collateral feed's answer as it is.
    function _valueOf(IMarginHub.CollateralConfig memory cfg, uint256 amount)
        private
        view
        returns (uint256 usd, uint256 unitUsd)
    {
        MockPriceFeed feed = MockPriceFeed(cfg.feed);
        (, int256 answer,,,) = feed.latestRoundData();
        if (answer <= 0) return (0, 0);
        uint256 p = SafeCast.toUint256(answer);
        usd = MarginMath.value(amount, cfg.tokenDecimals, p, feed.decimals());
        unitUsd = MarginMath.value(1, cfg.tokenDecimals, p, feed.decimals()) + 1;
    }

    /// @dev The hub's `outstanding` view equals the modeled queue: (Σ queued seizes, newest queued
    /// nonce), (0, 0) when empty.
    function _checkQueueView(uint32 chainId, address account, address token, uint64 acknowledged) private {
        HubQueue memory q = _hubQueue(chainId, account, token, acknowledged);
        (uint256 amount, uint64 last) = hub.outstanding(account, chainId, token);
        if (amount != q.seized || last != q.newest) ++ghostQueueMismatch;
    }

    /// @dev Records, per key, that the hub's credited seq never went down since the last action,
    /// and that its queue view matches the model.
    function _syncSeqs() private {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                for (uint256 a; a < TRADER_COUNT; ++a) {
                    bytes32 key = _key(traders[a], chainId, tokens[t]);
                    (, uint64 seq) = hub.creditedBalance(traders[a], chainId, tokens[t]);
                    if (seq < lastSeenSeq[key]) ++ghostSeqDecreased;
                    lastSeenSeq[key] = seq;
                    _checkQueueView(chainId, traders[a], tokens[t], ghostAckNonce[key]);
                }
            }
        }
    }

    function _unexpected(bytes memory err) private {
        ++ghostUnexpectedReverts;
        lastUnexpectedError = _selector(err);
    }

    /// @dev Queues every command packet the hub emitted, on its destination path; returns them.
    function _queueCommands(Vm.Log[] memory logs) private returns (bytes[] memory packets) {
        packets = _packetsFrom(logs, address(hub));
        for (uint256 i; i < packets.length; ++i) {
            MessageCodec.Header memory h = this.decodeHeader(packets[i]);
            uint8 kind = this.messageTypeOf(packets[i]);
            Command storage c = _commands[h.dstEid].push();
            c.packet = packets[i];
            c.nonce = h.nonce;
            c.kind = kind;
            if (kind == MessageCodec.SEIZE) {
                MessageCodec.Seize memory s = this.decodeSeize(packets[i]);
                (c.account, c.token, c.amount, c.recipient) = (s.account, s.token, s.amount, s.recipient);
                _bump("seizeOrdered");
            } else {
                MessageCodec.WithdrawalDecision memory d = this.decodeDecision(packets[i]);
                (c.account, c.token, c.amount) = (d.account, d.token, d.amount);
                ++decisionCount[h.dstEid];
            }
        }
    }

    /// @dev Mints `amount` of a plain token to `actor`, or wraps fresh underlying into shares for it.
    /// @return the amount of `token` the actor now holds for the deposit
    function _fund(address actor, address token, uint256 amount) private returns (uint256) {
        MockERC20 underlying = underlyingOf[token];
        if (address(underlying) == address(0)) {
            MockERC20(token).mint(actor, amount);
            return amount;
        }
        underlying.mint(address(this), amount);
        underlying.approve(token, amount);
        return MockERC4626(token).deposit(amount, actor);
    }

    /// @dev Whether the issuer blocked `who` on `token` (the ERC-4626 share has no blocklist).
    function _isBlocked(address token, address who) private view returns (bool) {
        return address(underlyingOf[token]) == address(0) && MockERC20(token).blocked(who);
    }

    /// @dev World key `i`: 0..2 chain A's tokens, 3..4 chain B's.
    function _keyAt(uint256 i) internal view returns (uint32 chainId, address token) {
        return i < 3 ? (CHAIN_A, tokensOn[CHAIN_A][i]) : (CHAIN_B, tokensOn[CHAIN_B][i - 3]);
    }

    function _indexOf(uint32 chainId, address token) private view returns (uint256) {
        for (uint256 i; i < 5; ++i) {
            (uint32 c, address t) = _keyAt(i);
            if (c == chainId && t == token) return i;
        }
        revert("unknown key");
    }

    /// @dev The first (chain, trader, token) from the seeds with a free vault balance.
    function _findFunded(uint256 actorSeed, uint256 chainSeed, uint256 tokenSeed)
        private
        view
        returns (uint32 chainId, address actor, address token, uint256 balance)
    {
        for (uint256 c; c < 2; ++c) {
            chainId = _chain(chainSeed % 2 + c);
            address[] storage tokens = tokensOn[chainId];
            for (uint256 k; k < TRADER_COUNT * tokens.length; ++k) {
                actor = _trader(actorSeed % TRADER_COUNT + k / tokens.length);
                token = tokens[(tokenSeed % tokens.length + k) % tokens.length];
                (balance,,,) = vaultOn[chainId].accountState(actor, token);
                if (balance != 0) return (chainId, actor, token, balance);
            }
        }
    }
}
