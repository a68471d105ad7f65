// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "./MockERC20.sol";

/// @notice Test and devnet ERC-4626 yield token over a MockERC20; `accrue` simulates yield.
contract MockERC4626 is ERC4626 {
    constructor(MockERC20 asset_, string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC4626(IERC20(address(asset_))) {}

    /// @notice Mint `assets` of the underlying into the vault, raising the share price.
    function accrue(uint256 assets) external {
        MockERC20(asset()).mint(address(this), assets);
    }
}
