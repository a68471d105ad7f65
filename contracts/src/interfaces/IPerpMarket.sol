// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAggregatorV3} from "./IAggregatorV3.sol";
import {IMarginHub} from "./IMarginHub.sol";

/// @title IPerpMarket
/// @notice Example `IMarginConsumer`: a linear perpetual on one oracle-priced asset, margined by
/// the hub's cross-chain collateral. One position per account; realized losses become `debt`.
/// @dev Sizes are base units with 18 decimals (long > 0, short < 0); prices and USD amounts carry
/// 18 decimals. Requirements follow contracts/README.md ("Margin math", perp).
interface IPerpMarket {
    /// @notice An account's position.
    /// @param size base units with 18 decimals, signed (long > 0, short < 0, 0 = none)
    /// @param entryPriceWad size-weighted average entry price (18 decimals)
    struct Position {
        int256 size;
        uint256 entryPriceWad;
    }

    /// @notice A position was opened or grown by `sizeDelta` at `priceWad`.
    event PositionOpened(address indexed account, int256 sizeDelta, uint256 priceWad, int256 size, uint256 entryPriceWad);
    /// @notice A position was closed by its owner, realizing `pnlUsd`; `debtUsd` is the account's debt after.
    event PositionClosed(address indexed account, int256 size, uint256 entryPriceWad, uint256 priceWad, int256 pnlUsd, uint256 debtUsd);
    /// @notice The hub liquidated the account: its position (if any) and debt were cleared; it owes `owedUsd`.
    event PositionLiquidated(address indexed account, int256 size, uint256 entryPriceWad, uint256 priceWad, int256 pnlUsd, uint256 owedUsd);

    /// @notice The hub liquidated part of the account (its close factor): `closedSize` of the position
    /// closed at `priceWad` realizing `pnlUsd`, `remainingSize` stays at the same entry price and the
    /// debt is now `remainingDebtUsd`; the closed share owes `owedUsd`.
    event PositionReduced(
        address indexed account,
        int256 closedSize,
        int256 remainingSize,
        uint256 entryPriceWad,
        uint256 priceWad,
        int256 pnlUsd,
        uint256 owedUsd,
        uint256 remainingDebtUsd
    );
    /// @notice The owner set the smallest remainder a partial liquidation may leave.
    event MinPositionNotionalSet(uint256 minPositionNotionalUsd);

    /// @notice Where seized collateral paying this market's debts goes on `chainId` (0 = every chain without its own).
    event SettlementRecipientSet(uint64 indexed chainId, address recipient);

    /// @notice `openPosition` with a zero size delta.
    error PerpMarket_ZeroSize();
    /// @notice `setMinPositionNotional` above `MAX_MIN_POSITION_NOTIONAL_USD`.
    error PerpMarket_InvalidMinPositionNotional(uint256 minPositionNotionalUsd);
    /// @notice `openPosition` against the side of an existing position (close it first).
    error PerpMarket_OppositeSide(int256 size, int256 sizeDelta);
    /// @notice `closePosition` without a position.
    error PerpMarket_NoPosition(address account);
    /// @notice The feed's answer is older than the heartbeat (`block.timestamp > updatedAt + heartbeat`).
    error PerpMarket_StalePrice(address feed, uint256 updatedAt, uint256 heartbeat);
    /// @notice The feed's answer is not positive.
    error PerpMarket_InvalidPrice(address feed, int256 answer);
    /// @notice `onLiquidation` called by someone other than the hub.
    error PerpMarket_NotHub(address caller);
    /// @notice Constructor: margins must satisfy `0 < maintenance ≤ initial ≤ 10_000`.
    error PerpMarket_InvalidMargins(uint16 initialMarginBps, uint16 maintenanceMarginBps);
    /// @notice Constructor: a zero hub or feed address, or a zero heartbeat.
    error PerpMarket_InvalidConfig();

    /// @notice Open a position or grow the existing one (same side) by `sizeDelta` at the fresh
    /// oracle price, then require the hub's initial margin for the caller.
    function openPosition(int256 sizeDelta) external;

    /// @notice Close the caller's position at the fresh oracle price: a loss adds to the debt, a
    /// profit repays debt (never below zero; profit beyond the debt is not paid out).
    function closePosition() external;

    /// @notice Liquidate `account` through the hub; the seized collateral goes to the caller.
    function liquidate(address account) external;

    /// @notice The account's position (zero when none).
    function position(address account) external view returns (Position memory);

    /// @notice The account's realized, unpaid losses in USD (18 decimals).
    function debt(address account) external view returns (uint256);

    /// @notice The fresh oracle price with 18 decimals (reverts when stale or not positive).
    function markPrice() external view returns (uint256 priceWad);

    /// @notice The margin hub.
    function hub() external view returns (IMarginHub);

    /// @notice The price feed of the traded asset.
    function feed() external view returns (IAggregatorV3);

    /// @notice Seconds after which the feed's answer is stale.
    function heartbeat() external view returns (uint32);

    /// @notice Initial margin in bps of notional.
    function initialMarginBps() external view returns (uint16);

    /// @notice Maintenance margin in bps of notional.
    function maintenanceMarginBps() external view returns (uint16);

    /// @notice The traded asset's symbol, e.g. "ETH-USD".
    function symbol() external view returns (string memory);

    /// @notice Smallest remainder (USD, 18 decimals) a partial liquidation may leave: when the
    /// remaining position's notional at the liquidation price (or, without a position, the remaining
    /// debt) would be below it, the liquidation closes everything. Default 100e18.
    function minPositionNotionalUsd() external view returns (uint256);

    /// @notice Owner: set `minPositionNotionalUsd` (0 ≤ value ≤ 1e24, i.e. USD 1,000,000).
    function setMinPositionNotional(uint256 minPositionNotionalUsd_) external;

    /// @notice Set where collateral seized for this market's debts goes on vault chain `chainId`
    /// (0 = the default for chains without their own). Owner only.
    function setSettlementRecipient(uint64 chainId, address recipient) external;
}
