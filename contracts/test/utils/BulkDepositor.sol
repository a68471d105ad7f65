// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {MockERC20} from "../../src/mocks/MockERC20.sol";

/// @title BulkDepositor
/// @notice Bench-only helper (`bench/indexer`): emits many vault events per transaction so that
/// a backfill of 100,000 events can be generated in seconds. It mints the mock token to itself,
/// approves the vault for exactly what it spends, then calls the real `CollateralVault` in a
/// loop, so every event is a genuine vault event with genuine state behind it.
/// @dev Accounts are derived, not stored: account `i` of `salt` is the low 20 bytes of
/// `keccak256(abi.encode(salt, i))` (see {accountAt}); the TypeScript side derives the same ones.
/// Accounts that must act themselves (request a withdrawal, open a position) are traders: minimal
/// proxies to this contract at CREATE2 addresses (see {traderAt}), deployed on their first action.
/// Never deploy this anywhere but a devnet: anyone may call it.
contract BulkDepositor {
    /// @notice The vault every call goes to.
    ICollateralVault public immutable vault;
    /// @dev This contract's address, in its code: a trader runs the same code and takes calls from it alone.
    address private immutable _self;

    /// @notice A trader was called by someone other than the contract that deployed it.
    error BulkDepositor_NotDriver(address caller);

    /// @param vault_ the `CollateralVault` to deposit into
    constructor(ICollateralVault vault_) {
        vault = vault_;
        _self = address(this);
    }

    /// @notice Account `index` of the family `salt`: the low 20 bytes of `keccak256(abi.encode(salt, index))`.
    function accountAt(bytes32 salt, uint256 index) public pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode(salt, index)))));
    }

    /// @notice Deposits `amount` of `token` for each of the accounts `start` … `start + count − 1`
    /// of `salt` (one `Deposited` event each), minting and approving the total first.
    /// @param token a `MockERC20` the vault allows (minted here)
    /// @param salt the account family
    /// @param start index of the first account
    /// @param count number of accounts (and events)
    /// @param amount token units per account
    function depositMany(MockERC20 token, bytes32 salt, uint256 start, uint256 count, uint256 amount) external {
        _fund(token, amount * count);
        for (uint256 i = start; i < start + count; ++i) {
            vault.depositFor(accountAt(salt, i), address(token), amount);
        }
    }

    /// @notice Deposits `amount · count` of `token` for this contract, then requests `count`
    /// withdrawals of `amount` each (one `Deposited`, then `count` × `WithdrawalRequested` +
    /// `PacketSent`). The requests stay pending: nothing answers them on a bench devnet.
    /// @param token a `MockERC20` the vault allows (minted here)
    /// @param count number of withdrawal requests
    /// @param amount token units per request
    function requestMany(MockERC20 token, uint256 count, uint256 amount) external {
        _fund(token, amount * count);
        vault.deposit(address(token), amount * count);
        for (uint256 i = 0; i < count; ++i) {
            vault.requestWithdrawal(address(token), amount);
        }
    }

    /// @notice Trader `index` of `salt`: the CREATE2 address of a minimal proxy to this contract with
    /// salt `keccak256(abi.encode(salt, index))` (the same on every chain where this contract has
    /// the same address), deployed or not.
    function traderAt(bytes32 salt, uint256 index) public view returns (address) {
        return Clones.predictDeterministicAddress(address(this), _traderKey(salt, index));
    }

    /// @notice As {depositMany}, for the traders `start` … `start + count − 1` of `salt`.
    /// @param token a `MockERC20` the vault allows (minted here)
    /// @param salt the trader family
    /// @param start index of the first trader
    /// @param count number of traders (and events)
    /// @param amount token units per trader
    function depositToTraders(MockERC20 token, bytes32 salt, uint256 start, uint256 count, uint256 amount) external {
        _fund(token, amount * count);
        for (uint256 i = start; i < start + count; ++i) {
            vault.depositFor(traderAt(salt, i), address(token), amount);
        }
    }

    /// @notice Each of the traders `start` … `start + count − 1` of `salt` calls `target` with
    /// `data` (e.g. `requestWithdrawal`, `openPosition`), deployed first if it is not yet.
    /// @param salt the trader family
    /// @param start index of the first trader
    /// @param count number of traders
    /// @param target the contract every trader calls
    /// @param data the calldata every trader sends
    function actMany(bytes32 salt, uint256 start, uint256 count, address target, bytes calldata data) external {
        for (uint256 i = start; i < start + count; ++i) {
            bytes32 key = _traderKey(salt, i);
            address trader = Clones.predictDeterministicAddress(address(this), key);
            if (trader.code.length == 0) Clones.cloneDeterministic(address(this), key);
            BulkDepositor(trader).forward(target, data);
        }
    }

    /// @notice Run by a trader: calls `target` with `data` as itself, bubbling a revert up.
    /// @param target the contract to call
    /// @param data the calldata
    function forward(address target, bytes calldata data) external {
        if (msg.sender != _self) revert BulkDepositor_NotDriver(msg.sender);
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    function _traderKey(bytes32 salt, uint256 index) private pure returns (bytes32) {
        return keccak256(abi.encode(salt, index));
    }

    /// @dev Mints `total` to this contract and approves the vault for it (the mock's `approve` returns true).
    function _fund(MockERC20 token, uint256 total) private {
        token.mint(address(this), total);
        token.approve(address(vault), total);
    }
}
