// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CollateralVault} from "../../src/CollateralVault.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {World} from "./CrossChainWorld.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @notice The relayer's in-flight work, kept by the honest handler: per path, FIFOs of request
/// packets (vault → hub) and command packets (hub → vault) with a head index (everything before it
/// was delivered), and the queued balance batches. Exposes them to the invariants (projected vault
/// holdings) and to the forgery handler (packets to replay). The command FIFOs also give the hub's
/// credit queue per key (`_hubQueue`): its SEIZEs and credited REJECTs no applied leaf acknowledged.
abstract contract RelayQueues is HandlerBase {
    /// @dev Batch states.
    uint8 internal constant QUEUED = 0;
    uint8 internal constant APPLIED = 1;
    uint8 internal constant STORED = 2;
    uint8 internal constant EXPIRED = 3;

    /// @notice At most this many credited rejections wait in one key's queue at the hub
    /// (contracts/README.md, "Hub credit"); beyond it a rejection is not credited back.
    uint256 internal constant MAX_QUEUED_REJECTS = 8;

    /// @dev A hub command packet and its decoded effect. `recipient` is a SEIZE's; `creditedBack`
    /// marks a REJECT whose amount the hub counted again (so it sits in the hub's queue).
    struct Command {
        bytes packet;
        uint64 nonce;
        uint8 kind;
        address account;
        address token;
        uint256 amount;
        address recipient;
        bool creditedBack;
        /// @dev A REJECT not credited back because a SEIZE of the key was ordered after the request's
        /// `inboundNonce` (the request raced a seize): the accepted under-credit of `invariant_noUnderCredit`.
        bool raced;
    }

    /// @dev The hub's queue of one key as the README's credit rule sees it: the commands it must
    /// still count because no applied leaf acknowledged them (nonce > the last applied leaf's
    /// inboundNonce): every SEIZE, and every REJECT credited back.
    struct HubQueue {
        uint256 seized;
        uint256 returned;
        uint256 rejects;
        uint64 newest;
    }

    /// @dev One (account, token)'s figures at its vault, as the command rules see them.
    struct KeyState {
        uint256 balance;
        uint256 pending;
        uint256 seizedPending;
    }

    /// @dev A signed BALANCE_BATCH snapshot and its leaves.
    struct Batch {
        bytes packet;
        bytes sigs;
        bytes32 guid;
        uint64 timestamp;
        uint8 status;
        IMarginHub.Leaf[] leaves;
    }

    mapping(uint32 chainId => Command[]) internal _commands;
    /// @notice Commands delivered (applied) on each path.
    mapping(uint32 chainId => uint256) public commandHead;
    mapping(uint32 chainId => bytes[]) internal _requests;
    /// @notice APPROVE / REJECT commands the hub sent on each path (one per request it received).
    mapping(uint32 chainId => uint256) public decisionCount;
    /// @notice Requests delivered to the hub from each path.
    mapping(uint32 chainId => uint256) public requestHead;
    Batch[] internal _batches;

    constructor(World memory w) HandlerBase(w) {}

    // ------------------------------------------------------------ views

    function commandCount(uint32 chainId) external view returns (uint256) {
        return _commands[chainId].length;
    }

    function commandPacket(uint32 chainId, uint256 i) external view returns (bytes memory) {
        return _commands[chainId][i].packet;
    }

    function requestCount(uint32 chainId) external view returns (uint256) {
        return _requests[chainId].length;
    }

    function requestPacket(uint32 chainId, uint256 i) external view returns (bytes memory) {
        return _requests[chainId][i];
    }

    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    /// @notice A queued batch's packet, signatures and state.
    function batch(uint256 i) external view returns (bytes memory packet, bytes memory sigs, uint8 status) {
        Batch storage b = _batches[i];
        return (b.packet, b.sigs, b.status);
    }

    /// @notice What the vault will hold for (account, token) — balance + pending — once every
    /// command already sent to it is applied: its current state (with `seizedPending`) run through
    /// the undelivered commands of that key in order, with the vault's own rules (`_mirror`).
    function projectedHoldings(uint32 chainId, address account, address token) external view returns (uint256) {
        KeyState memory k = _keyState(chainId, account, token);
        Command[] storage q = _commands[chainId];
        for (uint256 i = commandHead[chainId]; i < q.length; ++i) {
            Command storage c = q[i];
            if (c.account != account || c.token != token) continue;
            (k.balance, k.pending, k.seizedPending,) = _mirror(c.kind, c.amount, k.balance, k.pending, k.seizedPending);
        }
        return k.balance + k.pending;
    }

    /// @notice Σ amounts of the SEIZEs of (account, token) sent on `chainId` and not yet applied by its vault.
    function unappliedSeizes(uint32 chainId, address account, address token) external view returns (uint256 sum) {
        Command[] storage q = _commands[chainId];
        for (uint256 i = commandHead[chainId]; i < q.length; ++i) {
            Command storage c = q[i];
            if (c.kind == MessageCodec.SEIZE && c.account == account && c.token == token) sum += c.amount;
        }
    }

    /// @dev The vault's current figures of (account, token) on `chainId`.
    function _keyState(uint32 chainId, address account, address token) internal view returns (KeyState memory k) {
        CollateralVault v = vaultOn[chainId];
        (k.balance, k.pending,,) = v.accountState(account, token);
        k.seizedPending = v.seizedPending(account, token);
    }

    function _sameState(KeyState memory a, KeyState memory b) internal pure returns (bool) {
        return a.balance == b.balance && a.pending == b.pending && a.seizedPending == b.seizedPending;
    }

    /// @dev `k` after command `c` by the vault's rules (`_mirror`), and what leaves the vault.
    function _mirrorCommand(KeyState memory k, Command memory c)
        internal
        pure
        returns (KeyState memory next, uint256 released)
    {
        (next.balance, next.pending, next.seizedPending, released) =
            _mirror(c.kind, c.amount, k.balance, k.pending, k.seizedPending);
    }

    /// @dev The vault's command rules (contracts/README.md, "Vault state"): APPROVE and REJECT first
    /// absorb `min(amount, seizedPending)`, then APPROVE releases `min(rest, pending)` and REJECT
    /// returns `min(rest, pending)` to balance; SEIZE takes from balance, then from pending, at most
    /// what is there, adding what it took from pending to `seizedPending`.
    /// @return balance the balance after
    /// @return pending the pending amount after
    /// @return seizedPending the seized-pending amount after
    /// @return released what leaves the vault
    function _mirror(uint8 kind, uint256 amount, uint256 bal, uint256 pend, uint256 seized)
        internal
        pure
        returns (uint256 balance, uint256 pending, uint256 seizedPending, uint256 released)
    {
        if (kind == MessageCodec.APPROVE_WITHDRAWAL || kind == MessageCodec.REJECT_WITHDRAWAL) {
            uint256 absorbed = amount < seized ? amount : seized;
            uint256 rest = amount - absorbed;
            uint256 moved = rest < pend ? rest : pend;
            if (kind == MessageCodec.APPROVE_WITHDRAWAL) return (bal, pend - moved, seized - absorbed, moved);
            return (bal + moved, pend - moved, seized - absorbed, 0);
        }
        uint256 fromBal = amount < bal ? amount : bal;
        uint256 left = amount - fromBal;
        uint256 fromPend = left < pend ? left : pend;
        return (bal - fromBal, pend - fromPend, seized + fromPend, fromBal + fromPend);
    }

    /// @dev The hub's rule for crediting a rejected amount again (contracts/README.md, "Withdrawal
    /// requests"): every SEIZE ever sent for the key has a nonce ≤ the request's `inboundNonce` (so
    /// none took any of the request's pending, and every later one applies after the REJECT), and
    /// fewer than `MAX_QUEUED_REJECTS` credited rejections are queued once the request's figures apply.
    function _rejectAddsBack(
        uint32 chainId,
        address account,
        address token,
        uint64 requestInboundNonce,
        uint256 queuedRejects
    ) internal view returns (bool) {
        return _lastSeizeNonce(chainId, account, token) <= requestInboundNonce && queuedRejects < MAX_QUEUED_REJECTS;
    }

    /// @dev Nonce of the last SEIZE sent on `chainId` for (account, token), delivered or not (0 = none).
    function _lastSeizeNonce(uint32 chainId, address account, address token) internal view returns (uint64) {
        Command[] storage q = _commands[chainId];
        for (uint256 i = q.length; i > 0; --i) {
            Command storage c = q[i - 1];
            if (c.kind != MessageCodec.SEIZE || c.account != account || c.token != token) continue;
            return c.nonce;
        }
        return 0;
    }

    /// @dev The hub's queue of (account, token) on `chainId` after a leaf with `inboundNonce`
    /// `acknowledged`: the key's SEIZEs and credited REJECTs with a higher nonce, in sum.
    function _hubQueue(uint32 chainId, address account, address token, uint64 acknowledged)
        internal
        view
        returns (HubQueue memory q)
    {
        Command[] storage cs = _commands[chainId];
        for (uint256 i = cs.length; i > 0; --i) {
            Command storage c = cs[i - 1];
            // Nonces grow along the list: everything before an acknowledged command is acknowledged too.
            if (c.nonce <= acknowledged) break;
            if (c.account != account || c.token != token) continue;
            if (c.kind == MessageCodec.SEIZE) {
                q.seized += c.amount;
            } else if (c.kind == MessageCodec.REJECT_WITHDRAWAL && c.creditedBack) {
                q.returned += c.amount;
                ++q.rejects;
            } else {
                continue;
            }
            if (q.newest == 0) q.newest = c.nonce;
        }
    }
}
