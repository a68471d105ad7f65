// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {World} from "./CrossChainWorld.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @notice The relayer's in-flight work, kept by the honest handler: per path, FIFOs of request
/// packets (vault → hub) and command packets (hub → vault) with a head index (everything before it
/// was delivered), and the queued balance batches. Exposes them to the invariants (projected vault
/// holdings) and to the forgery handler (packets to replay).
abstract contract RelayQueues is HandlerBase {
    /// @dev Batch states.
    uint8 internal constant QUEUED = 0;
    uint8 internal constant APPLIED = 1;
    uint8 internal constant STORED = 2;
    uint8 internal constant EXPIRED = 3;

    /// @dev A hub command packet and its decoded effect.
    struct Command {
        bytes packet;
        uint8 kind;
        address account;
        address token;
        uint256 amount;
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
    /// command already sent to it is applied: its current state run through the undelivered
    /// commands of that key in order, with the vault's own rules (`_mirror`).
    function projectedHoldings(uint32 chainId, address account, address token) external view returns (uint256) {
        (uint256 bal, uint256 pend,,) = vaultOn[chainId].accountState(account, token);
        Command[] storage q = _commands[chainId];
        for (uint256 i = commandHead[chainId]; i < q.length; ++i) {
            Command storage c = q[i];
            if (c.account != account || c.token != token) continue;
            (bal, pend,) = _mirror(c.kind, c.amount, bal, pend);
        }
        return bal + pend;
    }

    /// @dev The vault's command rules (contracts/README.md, "Vault state"): APPROVE releases
    /// `min(amount, pending)`; REJECT returns `min(amount, pending)` to balance; SEIZE takes from
    /// balance, then from pending, at most what is there.
    /// @return balance the balance after
    /// @return pending the pending amount after
    /// @return released what leaves the vault
    function _mirror(uint8 kind, uint256 amount, uint256 bal, uint256 pend)
        internal
        pure
        returns (uint256 balance, uint256 pending, uint256 released)
    {
        if (kind == MessageCodec.APPROVE_WITHDRAWAL) {
            released = amount < pend ? amount : pend;
            return (bal, pend - released, released);
        }
        if (kind == MessageCodec.REJECT_WITHDRAWAL) {
            uint256 back = amount < pend ? amount : pend;
            return (bal + back, pend - back, 0);
        }
        uint256 fromBal = amount < bal ? amount : bal;
        uint256 rest = amount - fromBal;
        uint256 fromPend = rest < pend ? rest : pend;
        return (bal - fromBal, pend - fromPend, fromBal + fromPend);
    }
}
