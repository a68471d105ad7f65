// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IMarginConsumer
/// @notice A protocol on the hub chain whose positions are margined by the hub's cross-chain
/// collateral. The hub sums the requirements of every registered consumer.
interface IMarginConsumer {
    /// @notice Margin the account's positions need, in USD with 18 decimals.
    /// @return initialUsd needed to open or grow positions and to approve withdrawals
    /// @return maintenanceUsd below which (on liquidation-threshold-weighted collateral) the account is liquidatable
    function marginRequirement(address account) external view returns (uint256 initialUsd, uint256 maintenanceUsd);

    /// @notice Called by the hub when the account is liquidated: close its positions.
    /// @return owedUsd what the account owes after closing (losses plus penalty), USD with 18 decimals
    function onLiquidation(address account) external returns (uint256 owedUsd);
}
