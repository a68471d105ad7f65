// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
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
    /// @notice Token units applied SEIZEs paid, per recipient and token.
    mapping(address recipient => mapping(address token => uint256)) public ghostSeizedTo;

    constructor(World memory w) RelayQueues(w) {}

    // ------------------------------------------------------------ traders

    /// @notice A trader deposits a bounded amount of a token on a vault chain.
    function deposit(uint256 actorSeed, uint256 chainSeed, uint256 tokenSeed, uint256 amount) external onHub {
        address actor = _trader(actorSeed);
        uint32 chainId = _chain(chainSeed);
        address token = tokensOn[chainId][tokenSeed % tokensOn[chainId].length];
        uint256 unit = 10 ** MockERC20(token).decimals();
        amount = _fund(actor, token, _bound(amount, unit / 100, maxUnits[token] * unit));
        CollateralVault v = vaultOn[chainId];
        vm.chainId(chainId);
        vm.startPrank(actor);
        IERC20(token).approve(address(v), amount);
        v.deposit(token, amount);
        vm.stopPrank();
        ghostDeposited[chainId][token] += amount;
        _bump("deposit");
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
        if (refresh) _refreshFeeds();
        for (uint256 k; k < TRADER_COUNT; ++k) {
            address actor = _trader(actorSeed % TRADER_COUNT + k);
            if (!hub.isLiquidatable(actor)) continue;
            vm.recordLogs();
            vm.prank(liquidator);
            if (viaPerp) perp.liquidate(actor);
            else hub.liquidate(actor);
            bytes[] memory packets = _queueCommands(vm.getRecordedLogs());
            _checkSeizeSplit(packets);
            _bump("liquidate");
            if (!refresh) _bump("liquidate.asIs");
            return _syncSeqs();
        }
        _bump("liquidate.noneUnhealthy");
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
        _queueCommands(vm.getRecordedLogs());
        Command storage answer = _commands[chainId][_commands[chainId].length - 1];
        // The request's figures apply first (a newer seq acknowledges up to its inboundNonce), then
        // the add-back rule looks at the queue they leave.
        uint64 ack = w.seq > pre.seq ? w.inboundNonce : ghostAckNonce[_key(w.account, chainId, w.token)];
        bool addBack = answer.kind == MessageCodec.REJECT_WITHDRAWAL
            && _rejectAddsBack(
                chainId, w.account, w.token, w.inboundNonce, _hubQueue(chainId, w.account, w.token, ack).rejects
            );
        _checkLeafApplied(pre, w.account, chainId, w.token, w.balanceAfter, w.seq, w.inboundNonce, addBack ? w.amount : 0);
        answer.creditedBack = addBack;
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
    /// token movement and resulting state against the mirrored vault rule.
    function relayCommand(uint256 chainSeed) external onHub {
        uint32 chainId = _chain(chainSeed);
        if (commandHead[chainId] == _commands[chainId].length) chainId = _chain(chainSeed % 2 + 1);
        if (commandHead[chainId] == _commands[chainId].length) return _bump("relayCommand.none");
        Command memory c = _commands[chainId][commandHead[chainId]];
        CollateralVault v = vaultOn[chainId];
        bytes memory sigs = _quorum(address(v), chainId, c.packet);
        (KeyState memory expected, uint256 released) = _mirrorCommand(_keyState(chainId, c.account, c.token), c);
        uint256 before = IERC20(c.token).balanceOf(address(v));
        try v.receiveCommand(c.packet, sigs) {}
        catch (bytes memory err) {
            return _unexpected(err);
        }
        ++commandHead[chainId];
        ghostReleased[chainId][c.token] += released;
        if (c.kind == MessageCodec.SEIZE) {
            ghostSeizedTo[c.recipient][c.token] += released;
            if (released != c.amount) ++ghostShortSeizes;
        }
        if (
            before - IERC20(c.token).balanceOf(address(v)) != released
                || !_sameState(_keyState(chainId, c.account, c.token), expected)
        ) {
            ++ghostReleaseMismatch;
        }
        _bump("relayCommand");
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
        if (addBack != 0) _bump("reject.addBack");
        if (seq <= pre.seq) {
            if (credit != pre.balance + addBack || creditSeq != pre.seq) ++ghostStaleLeafChanged;
            return _bump("leaf.stale");
        }
        uint32 eid = SafeCast.toUint32(chainId);
        ghostAckNonce[_key(account, eid, token)] = leafInboundNonce;
        HubQueue memory q = _hubQueue(eid, account, token, leafInboundNonce);
        uint256 gross = balance + q.returned;
        uint256 expected = gross > q.seized ? gross - q.seized : 0;
        if (credit != expected + addBack || creditSeq != seq) ++ghostCreditMismatch;
        if (q.newest == 0) _bump("leaf.applied");
        else if (q.seized != 0) _bump("leaf.appliedLessQueued");
        else _bump("leaf.appliedPlusQueued");
    }

    function _creditView(address account, uint64 chainId, address token) private view returns (CreditView memory v) {
        (v.balance, v.seq) = hub.creditedBalance(account, chainId, token);
    }

    function _key(address account, uint32 chainId, address token) private pure returns (bytes32) {
        return keccak256(abi.encode(account, chainId, token));
    }

    /// @dev Checks the SEIZEs of one liquidation: per collateral, first the debt's share to the
    /// perp's settlement address on that chain, then (unless it rounds to 0) the bonus to the
    /// liquidator with the next nonce, the share being ceil(total·10000/(10000 + bonusBps)).
    function _checkSeizeSplit(bytes[] memory packets) private {
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
                if (b.recipient == liquidator) {
                    bool paired = hb.dstEid == h.dstEid && hb.nonce == h.nonce + 1 && b.account == s.account
                        && b.token == s.token;
                    if (!paired) ++ghostSeizeSplitMismatch;
                    bonus = b.amount;
                    ++i;
                }
            }
            uint256 withBonus = 10_000 + hub.collateralConfig(h.dstEid, s.token).liquidationBonusBps;
            if (s.amount != Math.mulDiv(s.amount + bonus, 10_000, withBonus, Math.Rounding.Ceil)) {
                ++ghostSeizeSplitMismatch;
            }
            if (bonus == 0) _bump("seize.noBonus");
            else _bump("seize.pair");
        }
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
