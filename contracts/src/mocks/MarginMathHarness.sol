// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MarginMath} from "../libraries/MarginMath.sol";

/// @notice Exposes every `MarginMath` function externally, so the TypeScript twin (`shared/margin`)
/// can be property-tested against the deployed contract. Tests and devnet only.
contract MarginMathHarness {
    function value(uint256 amount, uint8 tokenDecimals, uint256 price, uint8 feedDecimals) external pure returns (uint256) {
        return MarginMath.value(amount, tokenDecimals, price, feedDecimals);
    }

    function applyBps(uint256 x, uint256 bps) external pure returns (uint256) {
        return MarginMath.applyBps(x, bps);
    }

    function healthFactor(uint256 liquidationUsd, uint256 maintenanceUsd) external pure returns (uint256) {
        return MarginMath.healthFactor(liquidationUsd, maintenanceUsd);
    }

    function priceToWad(uint256 price, uint8 feedDecimals) external pure returns (uint256) {
        return MarginMath.priceToWad(price, feedDecimals);
    }

    function notional(int256 size, uint256 priceWad) external pure returns (uint256) {
        return MarginMath.notional(size, priceWad);
    }

    function pnl(int256 size, uint256 entryWad, uint256 priceWad) external pure returns (int256) {
        return MarginMath.pnl(size, entryWad, priceWad);
    }

    function requirement(
        int256 size,
        uint256 entryWad,
        uint256 priceWad,
        uint256 initialMarginBps,
        uint256 maintenanceMarginBps,
        uint256 debt
    ) external pure returns (uint256 initialUsd, uint256 maintenanceUsd) {
        return MarginMath.requirement(size, entryWad, priceWad, initialMarginBps, maintenanceMarginBps, debt);
    }

    function concentrationBps(uint256 amount, uint256 scale, uint256 scalarBps, uint256 lowerBps, uint256 upperBps)
        external
        pure
        returns (uint256)
    {
        return MarginMath.concentrationBps(amount, scale, scalarBps, lowerBps, upperBps);
    }

    function lossOf(int256 pnlUsd) external pure returns (uint256) {
        return MarginMath.lossOf(pnlUsd);
    }
}
