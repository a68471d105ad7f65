// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test and devnet ERC-20 with any decimals, open minting and an issuer-style blocklist
/// (a blocked address can neither send nor receive, like USDC's), to exercise refused transfers.
contract MockERC20 is ERC20 {
    uint8 private immutable _decimals;

    /// @notice Addresses the "issuer" blocked.
    mapping(address account => bool) public blocked;

    error MockERC20_Blocked(address account);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mint `amount` to `to` (anyone may; test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Block or unblock `account` (anyone may; test token).
    function setBlocked(address account, bool on) external {
        blocked[account] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert MockERC20_Blocked(from);
        if (blocked[to]) revert MockERC20_Blocked(to);
        super._update(from, to, value);
    }
}
