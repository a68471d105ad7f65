// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ICollateralVault
/// @notice Holds traders' collateral on one chain. Only deposits raise a balance without the
/// hub's say; every release is a quorum-attested hub command, applied once, in nonce order.
interface ICollateralVault {
    /// @notice Per (account, token) state.
    /// @param balance free collateral (what the hub may credit)
    /// @param pending requested withdrawals awaiting the hub's answer (still seizable)
    /// @param seq bumped on every change of this state
    /// @param inboundNonce nonce of the last hub command applied to this (account, token)
    /// @param seizedPending the part of pending that seizes took and that the answers to the
    /// oldest outstanding requests have not absorbed yet (their APPROVE/REJECT releases/returns
    /// only the rest)
    struct AccountState {
        uint128 balance;
        uint128 pending;
        uint64 seq;
        uint64 inboundNonce;
        uint128 seizedPending;
    }

    event TokenConfigured(address indexed token, bool allowed, uint256 depositCap);
    event Deposited(address indexed account, address indexed token, address indexed from, uint256 amount, uint256 balance, uint256 pending, uint64 seq);
    event WithdrawalRequested(address indexed account, address indexed token, uint256 amount, uint256 balance, uint256 pending, uint64 seq, uint64 nonce, bytes32 guid);
    event WithdrawalReleased(address indexed account, address indexed token, uint256 amount, uint256 balance, uint256 pending, uint64 seq, uint64 commandNonce);
    event WithdrawalRejected(address indexed account, address indexed token, uint256 amount, uint256 balance, uint256 pending, uint64 seq, uint64 commandNonce);
    event Seized(address indexed account, address indexed token, address indexed recipient, uint256 amount, uint256 balance, uint256 pending, uint64 seq, uint64 commandNonce);
    /// @notice A packet for the hub (LayerZero `PacketSent` shape).
    event PacketSent(bytes32 indexed guid, uint64 indexed nonce, uint32 dstEid, bytes packet);
    /// @notice A release (approved withdrawal or seize) could not be transferred; `recipient` may `claim` it.
    event ClaimRecorded(address indexed recipient, address indexed token, uint256 amount);
    /// @notice `recipient` pulled its claim of `token`, paid to `to`.
    event Claimed(address indexed recipient, address indexed token, address to, uint256 amount);
    event MinWithdrawalSet(address indexed token, uint256 amount);
    /// @notice A hub command was verified and applied.
    event CommandApplied(bytes32 indexed guid, uint64 indexed nonce, uint8 messageType);
    /// @notice The release limit of `token` was set (capacity 0 = no limit).
    event ReleaseLimitSet(address indexed token, uint256 capacity, uint256 refillPerSecond);
    /// @notice `amount` of a release to `to` exceeded the bucket (or others waited) and joined the
    /// token's queue at `index`; `processReleases` pays it later, in order.
    event ReleaseQueued(address indexed token, address indexed to, uint256 amount, uint256 index);
    /// @notice `amount` of the queued release at `index` was paid to `to` (transferred, or recorded
    /// as a claim when the transfer failed: then `ClaimRecorded` follows).
    event ReleaseProcessed(address indexed token, address indexed to, uint256 amount, uint256 index);

    error CollateralVault_TokenNotAllowed(address token);
    error CollateralVault_ZeroAmount();
    error CollateralVault_ZeroAddress();
    error CollateralVault_DepositCapExceeded(address token, uint256 cap, uint256 totalAfter);
    error CollateralVault_InsufficientBalance(address account, address token, uint256 balance, uint256 amount);
    error CollateralVault_AmountTooLarge(uint256 amount);
    /// @notice The command was not sent by the hub (wrong srcEid or sender).
    error CollateralVault_UnknownSender(uint32 srcEid, bytes32 sender);
    /// @notice The command is addressed to another chain or vault.
    error CollateralVault_WrongDestination(uint32 dstEid, bytes32 receiver);
    /// @notice The command's nonce was already applied (replay).
    error CollateralVault_CommandAlreadyApplied(uint64 nonce);
    /// @notice The command skips a nonce; commands apply in order.
    error CollateralVault_CommandOutOfOrder(uint64 expected, uint64 nonce);
    /// @notice The request is below the token's minimum withdrawal.
    error CollateralVault_BelowMinWithdrawal(address token, uint256 minimum, uint256 amount);
    /// @notice The caller has no claim of this token.
    error CollateralVault_NothingToClaim(address recipient, address token);
    /// @notice The message is not a command this vault understands.
    error CollateralVault_UnknownCommand(uint8 messageType);
    /// @notice A release limit needs `0 < refillPerSecond ≤ capacity`, or both 0 (no limit).
    error CollateralVault_InvalidReleaseLimit(address token, uint256 capacity, uint256 refillPerSecond);

    /// @notice The hub chain's eid (= chain id).
    function hubEid() external view returns (uint32);

    /// @notice The MarginHub's address on the hub chain.
    function hub() external view returns (address);

    /// @notice This chain's eid (= chain id).
    function localEid() external view returns (uint32);

    /// @notice Deposit `amount` of `token` for the caller.
    function deposit(address token, uint256 amount) external;

    /// @notice Deposit `amount` of `token`, paid by the caller, credited to `account`.
    function depositFor(address account, address token, uint256 amount) external;

    /// @notice Move `amount` from balance to pending and send a WITHDRAWAL_REQUEST packet to the hub. Releases nothing.
    /// @return guid the request packet's guid
    function requestWithdrawal(address token, uint256 amount) external returns (bytes32 guid);

    /// @notice Apply a quorum-attested hub command (APPROVE_WITHDRAWAL, REJECT_WITHDRAWAL, SEIZE).
    /// @dev A key's answers arrive in request order, so an APPROVE/REJECT first absorbs
    /// `min(amount, seizedPending)` (the seized part of the oldest requests), then releases/returns
    /// `min(rest, pending)`; its event reports what was actually released/returned.
    function receiveCommand(bytes calldata packet, bytes calldata signatures) external;

    /// @notice Pull the caller's claim of `token` (releases whose transfer failed) and send it to
    /// `to` (the caller itself, or another address when the caller cannot receive the token).
    /// Stopped while paused, like every other way out.
    /// @return amount what was paid
    function claim(address token, address to) external returns (uint256 amount);

    /// @notice Releases owed to `recipient` whose transfer failed (pull with `claim`).
    function claimable(address recipient, address token) external view returns (uint256);

    /// @notice Sum of every recipient's claim of `token` (held by the vault beside `totalDeposited`).
    function totalClaimable(address token) external view returns (uint256);

    /// @notice Smallest amount `requestWithdrawal` accepts for `token` (0 = any non-zero amount).
    function minWithdrawal(address token) external view returns (uint256);

    /// @notice Set the smallest withdrawal request of `token` (owner only): dust requests cost the
    /// relayer two deliveries each.
    function setMinWithdrawal(address token, uint256 amount) external;

    /// @notice Limit what leaves the vault in `token` through releases (approved withdrawals and
    /// seizes) with a token bucket (owner only): it holds up to `capacity` token units and refills
    /// `refillPerSecond` per second. A release pays now at most what the bucket holds, and only
    /// when no release of the token waits; the rest waits in the token's FIFO queue for
    /// `processReleases`. The command itself always applies (account state, seq, nonces and
    /// `totalDeposited` change at once); only the transfer waits. `capacity` 0 = no limit (the
    /// default; then `refillPerSecond` must be 0); otherwise `0 < refillPerSecond ≤ capacity`.
    /// The level is first brought up to date under the old limit, then capped at the new
    /// capacity; a newly enabled limit starts full. Removing a limit lets new releases pay at once
    /// and `processReleases` drain what still waits without limit.
    function setReleaseLimit(address token, uint128 capacity, uint128 refillPerSecond) external;

    /// @notice Pay queued releases of `token` from the head while the bucket holds something, at
    /// most `maxEntries` payments (permissionless). Each payment is `min(remaining, available)`:
    /// a partly paid entry stays at the head with the rest. A payment whose transfer fails becomes
    /// the recipient's claim, so no recipient stalls the queue. Stopped while paused.
    /// @return released the total paid (transferred or recorded as claims)
    function processReleases(address token, uint256 maxEntries) external returns (uint256 released);

    /// @notice The release limit of `token`, what its bucket holds now (`type(uint256).max` when
    /// there is no limit), and the releases waiting in its queue.
    function releaseLimit(address token)
        external
        view
        returns (uint256 capacity, uint256 refillPerSecond, uint256 available, uint256 queuedEntries, uint256 queuedAmount);

    /// @notice Index of the oldest waiting release of `token` (equal to the next free index when
    /// none waits); indexes only grow.
    function releaseQueueHead(address token) external view returns (uint256);

    /// @notice The queued release of `token` at `index`: recipient and what is still owed (0 once paid).
    function queuedRelease(address token, uint256 index) external view returns (address to, uint256 amount);

    /// @notice Sum of the queued releases of `token` (held by the vault beside `totalDeposited`
    /// and `totalClaimable`).
    function totalQueued(address token) external view returns (uint256);

    /// @notice The (account, token) state.
    function accountState(address account, address token)
        external
        view
        returns (uint256 balance, uint256 pending, uint64 seq, uint64 inboundNonce);

    /// @notice Pending amount that seizes took from (account, token) and that no APPROVE or REJECT
    /// has absorbed yet. Pending + seizedPending is the total of the requests the hub has not
    /// answered at this vault; the next answers (oldest requests first) absorb this part before
    /// releasing or returning anything.
    function seizedPending(address account, address token) external view returns (uint256);

    /// @notice Nonce of the last hub command applied on the hub → this vault path.
    function inboundNonce() external view returns (uint64);

    /// @notice Nonce of the last packet this vault sent to the hub.
    function outboundNonce() external view returns (uint64);

    /// @notice Allow or disallow a token and set its total deposit cap (owner only).
    function configureToken(address token, bool allowed, uint256 depositCap) external;

    /// @notice Token configuration and the total it holds for accounts (balance + pending).
    function tokenConfig(address token) external view returns (bool allowed, uint256 depositCap, uint256 totalDeposited);
}
