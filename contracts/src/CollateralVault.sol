// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICollateralVault} from "./interfaces/ICollateralVault.sol";
import {MessageCodec} from "./libraries/MessageCodec.sol";
import {QuorumVerifier} from "./QuorumVerifier.sol";

/// @title CollateralVault
/// @notice Holds traders' collateral on one chain. Deposits raise a balance on their own; every
/// decrease is a quorum-attested hub command, applied once and in nonce order.
/// @dev Follows the "Vault state" rules of `contracts/README.md`.
contract CollateralVault is ICollateralVault, QuorumVerifier, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev Per-token configuration and the total held for accounts (balance + pending).
    struct TokenState {
        bool allowed;
        uint256 depositCap;
        uint256 totalDeposited;
        uint256 minWithdrawal;
        uint256 totalClaimable;
        uint256 totalQueued;
    }

    /// @dev A token's release limit (one slot: the only read a release of an unlimited token adds).
    /// capacity 0 = no limit.
    struct ReleaseLimit {
        uint128 capacity;
        uint128 refillPerSecond;
    }

    /// @dev A limited token's bucket and release queue bounds in one slot: `level` as of
    /// `updatedAt`; queued entries are `[head, tail)`. 40 bits: timestamps to the year 36,000 and
    /// 10^12 queued releases.
    struct ReleaseBucket {
        uint128 level;
        uint40 updatedAt;
        uint40 head;
        uint40 tail;
    }

    /// @dev A release waiting for the bucket: what is still owed to `to`.
    struct QueuedRelease {
        address to;
        uint256 amount;
    }

    uint32 private immutable _hubEid;
    address private immutable _hub;
    uint32 private immutable _localEid;

    /// @dev Last hub command applied on the hub → this vault path.
    uint64 private _inboundNonce;
    /// @dev Last packet sent to the hub.
    uint64 private _outboundNonce;
    /// @dev account => token => state
    mapping(address => mapping(address => AccountState)) private _accounts;
    /// @dev token => configuration
    mapping(address => TokenState) private _tokens;
    /// @dev recipient => token => releases whose transfer failed, to be pulled with `claim`
    mapping(address => mapping(address => uint256)) private _claimable;
    /// @dev token => release limit (capacity 0 = none)
    mapping(address => ReleaseLimit) private _releaseLimits;
    /// @dev token => bucket and queue bounds
    mapping(address => ReleaseBucket) private _buckets;
    /// @dev token => queue index => release waiting for the bucket
    mapping(address => mapping(uint256 => QueuedRelease)) private _queue;

    /// @param initialOwner owner (token configuration, attester rotation, unpause)
    /// @param hubEid_ the hub chain's eid (= chain id)
    /// @param hub_ the MarginHub's address on the hub chain
    /// @param initialAttesters strictly ascending attester set
    /// @param initialThreshold signatures needed
    /// @param initialGuardian may pause
    constructor(
        address initialOwner,
        uint32 hubEid_,
        address hub_,
        address[] memory initialAttesters,
        uint8 initialThreshold,
        address initialGuardian
    ) QuorumVerifier(initialOwner, initialAttesters, initialThreshold, initialGuardian) {
        if (hub_ == address(0)) revert CollateralVault_ZeroAddress();
        _hubEid = hubEid_;
        _hub = hub_;
        _localEid = SafeCast.toUint32(block.chainid);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICollateralVault
    function hubEid() external view returns (uint32) {
        return _hubEid;
    }

    /// @inheritdoc ICollateralVault
    function hub() external view returns (address) {
        return _hub;
    }

    /// @inheritdoc ICollateralVault
    function localEid() external view returns (uint32) {
        return _localEid;
    }

    /// @inheritdoc ICollateralVault
    function accountState(address account, address token)
        external
        view
        returns (uint256 balance, uint256 pending, uint64 seq, uint64 inboundNonce_)
    {
        AccountState storage s = _accounts[account][token];
        return (s.balance, s.pending, s.seq, s.inboundNonce);
    }

    /// @inheritdoc ICollateralVault
    function seizedPending(address account, address token) external view returns (uint256) {
        return _accounts[account][token].seizedPending;
    }

    /// @inheritdoc ICollateralVault
    function inboundNonce() external view returns (uint64) {
        return _inboundNonce;
    }

    /// @inheritdoc ICollateralVault
    function outboundNonce() external view returns (uint64) {
        return _outboundNonce;
    }

    /// @inheritdoc ICollateralVault
    function tokenConfig(address token) external view returns (bool allowed, uint256 depositCap, uint256 totalDeposited) {
        TokenState storage t = _tokens[token];
        return (t.allowed, t.depositCap, t.totalDeposited);
    }

    /// @inheritdoc ICollateralVault
    function claimable(address recipient, address token) external view returns (uint256) {
        return _claimable[recipient][token];
    }

    /// @inheritdoc ICollateralVault
    function totalClaimable(address token) external view returns (uint256) {
        return _tokens[token].totalClaimable;
    }

    /// @inheritdoc ICollateralVault
    function minWithdrawal(address token) external view returns (uint256) {
        return _tokens[token].minWithdrawal;
    }

    /// @inheritdoc ICollateralVault
    function releaseLimit(address token)
        external
        view
        returns (uint256 capacity, uint256 refillPerSecond, uint256 available, uint256 queuedEntries, uint256 queuedAmount)
    {
        ReleaseLimit memory lim = _releaseLimits[token];
        ReleaseBucket storage b = _buckets[token];
        available = lim.capacity == 0 ? type(uint256).max : _refilled(lim, b);
        return (lim.capacity, lim.refillPerSecond, available, b.tail - b.head, _tokens[token].totalQueued);
    }

    /// @inheritdoc ICollateralVault
    function releaseQueueHead(address token) external view returns (uint256) {
        return _buckets[token].head;
    }

    /// @inheritdoc ICollateralVault
    function queuedRelease(address token, uint256 index) external view returns (address to, uint256 amount) {
        QueuedRelease storage e = _queue[token][index];
        return (e.to, e.amount);
    }

    /// @inheritdoc ICollateralVault
    function totalQueued(address token) external view returns (uint256) {
        return _tokens[token].totalQueued;
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc ICollateralVault
    function configureToken(address token, bool allowed, uint256 depositCap) external onlyOwner {
        if (token == address(0)) revert CollateralVault_ZeroAddress();
        TokenState storage t = _tokens[token];
        t.allowed = allowed;
        t.depositCap = depositCap;
        emit TokenConfigured(token, allowed, depositCap);
    }

    /// @inheritdoc ICollateralVault
    function setMinWithdrawal(address token, uint256 amount) external onlyOwner {
        if (token == address(0)) revert CollateralVault_ZeroAddress();
        _tokens[token].minWithdrawal = amount;
        emit MinWithdrawalSet(token, amount);
    }

    /// @inheritdoc ICollateralVault
    function setReleaseLimit(address token, uint128 capacity, uint128 refillPerSecond) external onlyOwner {
        if (token == address(0)) revert CollateralVault_ZeroAddress();
        bool valid = capacity == 0 ? refillPerSecond == 0 : refillPerSecond != 0 && refillPerSecond <= capacity;
        if (!valid) revert CollateralVault_InvalidReleaseLimit(token, capacity, refillPerSecond);
        ReleaseLimit memory old = _releaseLimits[token];
        ReleaseBucket storage b = _buckets[token];
        // Brought up to date under the old limit, then capped; a newly enabled limit starts full.
        uint256 level = old.capacity == 0 ? capacity : _refilled(old, b);
        _setLevel(b, level < capacity ? level : capacity);
        _releaseLimits[token] = ReleaseLimit(capacity, refillPerSecond);
        emit ReleaseLimitSet(token, capacity, refillPerSecond);
    }

    // ---------------------------------------------------------------- accounts

    /// @inheritdoc ICollateralVault
    function deposit(address token, uint256 amount) external whenNotPaused nonReentrant {
        _deposit(msg.sender, token, amount);
    }

    /// @inheritdoc ICollateralVault
    function depositFor(address account, address token, uint256 amount) external whenNotPaused nonReentrant {
        if (account == address(0)) revert CollateralVault_ZeroAddress();
        _deposit(account, token, amount);
    }

    /// @inheritdoc ICollateralVault
    function requestWithdrawal(address token, uint256 amount) external whenNotPaused nonReentrant returns (bytes32 guid) {
        if (amount == 0) revert CollateralVault_ZeroAmount();
        uint256 minimum = _tokens[token].minWithdrawal;
        if (amount < minimum) revert CollateralVault_BelowMinWithdrawal(token, minimum, amount);
        AccountState storage s = _accounts[msg.sender][token];
        uint256 balance = s.balance;
        if (amount > balance) revert CollateralVault_InsufficientBalance(msg.sender, token, balance, amount);
        // casting to 'uint128' is safe because amount ≤ balance ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.balance = uint128(balance - amount);
        s.pending = _toUint128(uint256(s.pending) + amount);
        uint64 seq = ++s.seq;
        uint64 nonce = ++_outboundNonce;

        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({
                account: msg.sender,
                token: token,
                amount: amount,
                balanceAfter: s.balance,
                seq: seq,
                inboundNonce: s.inboundNonce
            })
        );
        bytes memory packet;
        (packet, guid) = MessageCodec.encodePacket(nonce, _localEid, address(this), _hubEid, _hub, body);
        emit WithdrawalRequested(msg.sender, token, amount, s.balance, s.pending, seq, nonce, guid);
        emit PacketSent(guid, nonce, _hubEid, packet);
    }

    // ---------------------------------------------------------------- hub commands

    /// @inheritdoc ICollateralVault
    function receiveCommand(bytes calldata packet, bytes calldata signatures) external whenNotPaused nonReentrant {
        verifyAttestation(packet, signatures);

        MessageCodec.Header memory h = MessageCodec.decodeHeader(packet);
        if (h.srcEid != _hubEid || h.sender != MessageCodec.addressToBytes32(_hub)) {
            revert CollateralVault_UnknownSender(h.srcEid, h.sender);
        }
        if (h.dstEid != _localEid || h.receiver != MessageCodec.addressToBytes32(address(this))) {
            revert CollateralVault_WrongDestination(h.dstEid, h.receiver);
        }
        uint64 last = _inboundNonce;
        if (h.nonce <= last) revert CollateralVault_CommandAlreadyApplied(h.nonce);
        // last < h.nonce ≤ type(uint64).max, so last + 1 cannot overflow.
        if (h.nonce != last + 1) revert CollateralVault_CommandOutOfOrder(last + 1, h.nonce);
        _inboundNonce = h.nonce;

        bytes calldata body = MessageCodec.message(packet);
        uint8 t = MessageCodec.messageType(body);
        if (t == MessageCodec.APPROVE_WITHDRAWAL) {
            _approve(MessageCodec.decodeWithdrawalDecision(body), h);
        } else if (t == MessageCodec.REJECT_WITHDRAWAL) {
            _reject(MessageCodec.decodeWithdrawalDecision(body), h);
        } else if (t == MessageCodec.SEIZE) {
            _seize(MessageCodec.decodeSeize(body), h);
        } else {
            revert CollateralVault_UnknownCommand(t);
        }
    }

    /// @inheritdoc ICollateralVault
    function claim(address token, address to) external whenNotPaused nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert CollateralVault_ZeroAddress();
        amount = _claimable[msg.sender][token];
        if (amount == 0) revert CollateralVault_NothingToClaim(msg.sender, token);
        _claimable[msg.sender][token] = 0;
        _tokens[token].totalClaimable -= amount;
        emit Claimed(msg.sender, token, to, amount);
        // Pull: a failing transfer reverts here and only this caller's claim waits.
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc ICollateralVault
    function processReleases(address token, uint256 maxEntries)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 released)
    {
        ReleaseLimit memory lim = _releaseLimits[token];
        ReleaseBucket storage b = _buckets[token];
        bool limited = lim.capacity != 0;
        // No limit (removed while entries waited): the queue drains in full.
        uint256 available = limited ? _refilled(lim, b) : type(uint256).max;
        if (limited) _setLevel(b, available);
        for (uint256 n; n < maxEntries && b.head < b.tail && available != 0; ++n) {
            uint256 pay = _payHead(token, b, available, limited);
            // pay ≤ available.
            unchecked {
                available -= pay;
            }
            released += pay;
        }
    }

    // ---------------------------------------------------------------- internals

    function _deposit(address account, address token, uint256 amount) private {
        TokenState storage t = _tokens[token];
        if (!t.allowed) revert CollateralVault_TokenNotAllowed(token);
        if (amount == 0) revert CollateralVault_ZeroAmount();
        if (amount > type(uint128).max) revert CollateralVault_AmountTooLarge(amount);

        // Credit what actually arrived (fee-on-transfer tokens deliver less than `amount`).
        IERC20 erc20 = IERC20(token);
        uint256 before = erc20.balanceOf(address(this));
        erc20.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = erc20.balanceOf(address(this)) - before;
        if (received == 0) revert CollateralVault_ZeroAmount();

        uint256 totalAfter = t.totalDeposited + received;
        if (totalAfter > t.depositCap) revert CollateralVault_DepositCapExceeded(token, t.depositCap, totalAfter);
        t.totalDeposited = totalAfter;

        AccountState storage s = _accounts[account][token];
        s.balance = _toUint128(uint256(s.balance) + received);
        uint64 seq = ++s.seq;
        emit Deposited(account, token, msg.sender, received, s.balance, s.pending, seq);
    }

    /// @dev APPROVE_WITHDRAWAL: absorb the seized part, release `min(rest, pending)` to the account.
    function _approve(MessageCodec.WithdrawalDecision memory d, MessageCodec.Header memory h) private {
        AccountState storage s = _accounts[d.account][d.token];
        uint256 rest = _absorbSeized(s, d.amount);
        uint256 pending = s.pending;
        uint256 released = rest < pending ? rest : pending;
        // casting to 'uint128' is safe because released ≤ pending ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.pending = uint128(pending - released);
        uint64 seq = ++s.seq;
        s.inboundNonce = h.nonce;
        // released was part of pending, which is counted in totalDeposited.
        _tokens[d.token].totalDeposited -= released;
        emit WithdrawalReleased(d.account, d.token, released, s.balance, s.pending, seq, h.nonce);
        emit CommandApplied(h.guid, h.nonce, MessageCodec.APPROVE_WITHDRAWAL);
        _release(d.token, d.account, released);
    }

    /// @dev REJECT_WITHDRAWAL: absorb the seized part, return `min(rest, pending)` from pending to balance.
    function _reject(MessageCodec.WithdrawalDecision memory d, MessageCodec.Header memory h) private {
        AccountState storage s = _accounts[d.account][d.token];
        uint256 rest = _absorbSeized(s, d.amount);
        uint256 pending = s.pending;
        uint256 returned = rest < pending ? rest : pending;
        // casting to 'uint128' is safe because returned ≤ pending ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.pending = uint128(pending - returned);
        s.balance = _toUint128(uint256(s.balance) + returned);
        uint64 seq = ++s.seq;
        s.inboundNonce = h.nonce;
        // totalDeposited counts balance + pending, which this move leaves unchanged.
        emit WithdrawalRejected(d.account, d.token, returned, s.balance, s.pending, seq, h.nonce);
        emit CommandApplied(h.guid, h.nonce, MessageCodec.REJECT_WITHDRAWAL);
    }

    /// @dev SEIZE: take `amount` from balance, then from pending (at most what is there), send it to
    /// `recipient`. What it takes from pending is recorded in `seizedPending`.
    function _seize(MessageCodec.Seize memory c, MessageCodec.Header memory h) private {
        AccountState storage s = _accounts[c.account][c.token];
        uint256 seized = _take(s, c.amount);
        ++s.seq;
        s.inboundNonce = h.nonce;
        _tokens[c.token].totalDeposited -= seized;
        emit Seized(c.account, c.token, c.recipient, seized, s.balance, s.pending, s.seq, h.nonce);
        emit CommandApplied(h.guid, h.nonce, MessageCodec.SEIZE);
        _release(c.token, c.recipient, seized);
    }

    /// @dev Releases `amount` of `token` to `to`. A limited token pays now at most what its bucket
    /// holds, and only when no release waits (FIFO); the rest joins the token's queue, paid by
    /// `processReleases`. Never reverts on the limit: the command always applies.
    function _release(address token, address to, uint256 amount) private {
        if (amount == 0) return;
        ReleaseLimit memory lim = _releaseLimits[token];
        if (lim.capacity != 0) {
            amount = _limitRelease(token, to, amount, lim);
            if (amount == 0) return;
        }
        _pay(token, to, amount);
    }

    /// @dev Takes what the bucket allows (nothing while the queue is not empty) and queues the
    /// rest; returns what may be paid now.
    function _limitRelease(address token, address to, uint256 amount, ReleaseLimit memory lim)
        private
        returns (uint256 now_)
    {
        ReleaseBucket storage b = _buckets[token];
        uint256 tail = b.tail;
        if (b.head == tail) {
            uint256 available = _refilled(lim, b);
            now_ = amount < available ? amount : available;
            _setLevel(b, available - now_);
        }
        // now_ ≤ amount.
        uint256 rest;
        unchecked {
            rest = amount - now_;
        }
        if (rest == 0) return now_;
        _queue[token][tail] = QueuedRelease({to: to, amount: rest});
        // Checked: 2^40 releases of one token would take millennia of blocks.
        b.tail = SafeCast.toUint40(tail + 1);
        _tokens[token].totalQueued += rest;
        emit ReleaseQueued(token, to, rest, tail);
    }

    /// @dev Pays `min(head entry, available)` to the head entry's recipient (transfer or claim);
    /// the entry leaves the queue once fully paid, else keeps the rest at the head.
    function _payHead(address token, ReleaseBucket storage b, uint256 available, bool limited)
        private
        returns (uint256 pay)
    {
        uint256 index = b.head;
        QueuedRelease storage e = _queue[token][index];
        address to = e.to;
        uint256 owed = e.amount;
        pay = owed < available ? owed : available;
        if (pay == owed) {
            delete _queue[token][index];
            // casting to 'uint40' is safe because index < tail, a uint40
            // forge-lint: disable-next-line(unsafe-typecast)
            b.head = uint40(index + 1);
        } else {
            // An entry above what the bucket holds drains over several refills.
            e.amount = owed - pay;
        }
        // casting to 'uint128' is safe because available ≤ capacity, a uint128, when limited
        // forge-lint: disable-next-line(unsafe-typecast)
        if (limited) b.level = uint128(available - pay);
        _tokens[token].totalQueued -= pay;
        emit ReleaseProcessed(token, to, pay, index);
        _pay(token, to, pay);
    }

    /// @dev Stores `level` (≤ capacity, a uint128) as of now.
    function _setLevel(ReleaseBucket storage b, uint256 level) private {
        // casting to 'uint128' is safe because level ≤ capacity, a uint128
        // forge-lint: disable-next-line(unsafe-typecast)
        b.level = uint128(level);
        b.updatedAt = uint40(block.timestamp);
    }

    /// @dev The bucket's level now: `min(capacity, level + elapsed × refillPerSecond)`. Cannot
    /// overflow: elapsed < 2^40 and refill < 2^128.
    function _refilled(ReleaseLimit memory lim, ReleaseBucket storage b) private view returns (uint256) {
        uint256 level = uint256(b.level) + (block.timestamp - b.updatedAt) * lim.refillPerSecond;
        return level < lim.capacity ? level : lim.capacity;
    }

    /// @dev Sends `amount` of `token` to `to`; a transfer that reverts, returns false or is
    /// refused (blocklist, pause, receive hook, short balance) becomes a claim `to` pulls later,
    /// so no token or recipient can stall the ordered command path or the release queue.
    function _pay(address token, address to, uint256 amount) private {
        if (IERC20(token).trySafeTransfer(to, amount)) return;
        _claimable[to][token] += amount;
        _tokens[token].totalClaimable += amount;
        emit ClaimRecorded(to, token, amount);
    }

    /// @dev The answer to the oldest outstanding request of `s` absorbs up to `amount` of
    /// `s.seizedPending` (the part of that request a seize already took); returns the rest of
    /// `amount`, which is still in `s.pending`. Exact because a key's answers arrive in request order.
    function _absorbSeized(AccountState storage s, uint256 amount) private returns (uint256 rest) {
        uint256 seizedPending_ = s.seizedPending;
        if (seizedPending_ == 0) return amount;
        uint256 absorbed = amount < seizedPending_ ? amount : seizedPending_;
        // casting to 'uint128' is safe because absorbed ≤ seizedPending_ ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.seizedPending = uint128(seizedPending_ - absorbed);
        // absorbed ≤ amount, so the difference cannot underflow.
        unchecked {
            rest = amount - absorbed;
        }
    }

    /// @dev Removes up to `amount` from `s.balance`, then the rest from `s.pending` (adding that part
    /// to `s.seizedPending`); returns what was taken.
    function _take(AccountState storage s, uint256 amount) private returns (uint256 taken) {
        uint256 balance = s.balance;
        uint256 pending = s.pending;
        uint256 fromBalance = amount < balance ? amount : balance;
        // fromBalance ≤ amount, so the difference cannot underflow.
        uint256 rest = amount - fromBalance;
        uint256 fromPending = rest < pending ? rest : pending;
        // casting to 'uint128' is safe because fromBalance ≤ balance ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.balance = uint128(balance - fromBalance);
        // casting to 'uint128' is safe because fromPending ≤ pending ≤ type(uint128).max
        // forge-lint: disable-next-line(unsafe-typecast)
        s.pending = uint128(pending - fromPending);
        // Checked: seizedPending ≤ everything ever seized from pending, beyond uint128 only for a
        // token whose supply is.
        if (fromPending != 0) s.seizedPending = _toUint128(uint256(s.seizedPending) + fromPending);
        taken = fromBalance + fromPending;
    }

    function _toUint128(uint256 x) private pure returns (uint128) {
        if (x > type(uint128).max) revert CollateralVault_AmountTooLarge(x);
        // casting to 'uint128' is safe because of the check above
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128(x);
    }
}
