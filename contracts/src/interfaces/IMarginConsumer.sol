// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IMarginConsumer
/// @notice A protocol on the hub chain whose positions are margined by the hub's cross-chain
/// collateral. The hub sums the requirements of every registered consumer.
interface IMarginConsumer {
    /// @notice Margin the account's positions need, in USD with 18 decimals.
    /// @return initialUsd needed to open or grow positions and to approve withdrawals
    /// @return maintenanceUsd below which (on liquidation-threshold-weighted collateral) the account is liquidatable
    /// @return priced whether the figures rest on fresh prices; the hub's checks that let money
    /// out (approvals, new positions) and liquidations refuse an unpriced requirement (fail closed),
    /// its views show the figures as they are
    function marginRequirement(address account)
        external
        view
        returns (uint256 initialUsd, uint256 maintenanceUsd, bool priced);

    /// @notice Called by the hub when the account is liquidated: close `closeBps` (of 10000) of its
    /// positions and debt (the hub's close factor, or 10000 = all). A consumer may close more (never
    /// less): e.g. all of a position whose remainder would be dust.
    /// @return owedUsd what the closed share owes (its loss, the penalty on its notional and that share
    /// of the debt), USD with 18 decimals
    function onLiquidation(address account, uint256 closeBps) external returns (uint256 owedUsd);

    /// @notice Where, on vault chain `chainId`, the collateral seized to pay what a liquidated
    /// account owes this consumer goes (its settlement or insurance address). The liquidator
    /// receives only the bonus.
    function settlementRecipient(uint64 chainId) external view returns (address);
}
