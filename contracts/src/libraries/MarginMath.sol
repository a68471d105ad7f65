// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// @title MarginMath
/// @notice The margin math of crossmargin (contracts/README.md, "Margin math"). `shared/margin` is
/// its bigint twin and is property-tested against it through `mocks/MarginMathHarness`.
/// @dev USD values and prices in WAD carry 18 decimals; basis points are out of 10_000. Every
/// division floors (signed division truncates towards zero). Every overflow reverts: checked
/// arithmetic panics with 0x11, `Math.mulDiv` panics with 0x11 when the result exceeds 256 bits,
/// `SafeCast` reverts with its own error. The twin must treat all of these as "reverts".
library MarginMath {
    /// @notice Basis-point denominator.
    uint256 internal constant BPS = 10_000;
    /// @notice 1.0 with 18 decimals.
    uint256 internal constant WAD = 1e18;

    /// @notice USD value (18 decimals) of `amount` token units at `price`.
    /// @dev `d = tokenDecimals + feedDecimals`; `d ≥ 18 ? mulDiv(amount, price, 10^(d−18)) : amount·price·10^(18−d)`.
    /// @param amount token units (tokenDecimals)
    /// @param tokenDecimals the token's decimals
    /// @param price the feed's answer (feedDecimals), non-negative
    /// @param feedDecimals the feed's decimals
    function value(uint256 amount, uint8 tokenDecimals, uint256 price, uint8 feedDecimals) internal pure returns (uint256) {
        uint256 d = uint256(tokenDecimals) + feedDecimals;
        if (d >= 18) return Math.mulDiv(amount, price, 10 ** (d - 18));
        return amount * price * 10 ** (18 - d);
    }

    /// @notice `floor(x · bps / 10_000)`, without intermediate overflow.
    function applyBps(uint256 x, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(x, bps, BPS);
    }

    /// @notice Health factor (18 decimals): `liquidationUsd / maintenanceUsd`, or `type(uint256).max` without a requirement.
    function healthFactor(uint256 liquidationUsd, uint256 maintenanceUsd) internal pure returns (uint256) {
        if (maintenanceUsd == 0) return type(uint256).max;
        return Math.mulDiv(liquidationUsd, WAD, maintenanceUsd);
    }

    /// @notice A feed answer scaled to 18 decimals: `fd ≤ 18 ? price·10^(18−fd) : price / 10^(fd−18)`.
    function priceToWad(uint256 price, uint8 feedDecimals) internal pure returns (uint256) {
        if (feedDecimals <= 18) return price * 10 ** (18 - feedDecimals);
        return price / 10 ** (feedDecimals - 18);
    }

    /// @notice USD notional of a position: `mulDiv(|size|, priceWad, 1e18)`.
    /// @param size base units with 18 decimals, signed (long > 0, short < 0)
    function notional(int256 size, uint256 priceWad) internal pure returns (uint256) {
        return Math.mulDiv(SignedMath.abs(size), priceWad, WAD);
    }

    /// @notice Unrealized profit (> 0) or loss (< 0) in USD: `size·(priceWad − entryWad)/1e18`, truncated towards zero.
    /// @dev Reverts when a price exceeds `type(int256).max` or the product overflows int256.
    function pnl(int256 size, uint256 entryWad, uint256 priceWad) internal pure returns (int256) {
        // casting WAD (1e18) to 'int256' is safe because it is far below type(int256).max
        // forge-lint: disable-next-line(unsafe-typecast)
        return size * (SafeCast.toInt256(priceWad) - SafeCast.toInt256(entryWad)) / int256(WAD);
    }

    /// @notice Initial and maintenance requirement of one perp position plus the account's debt.
    /// @dev `initial = notional·imBps/10000 + max(0, −pnl) + debt`, `maintenance = notional·mmBps/10000 + max(0, −pnl) + debt`.
    function requirement(
        int256 size,
        uint256 entryWad,
        uint256 priceWad,
        uint256 initialMarginBps,
        uint256 maintenanceMarginBps,
        uint256 debt
    ) internal pure returns (uint256 initialUsd, uint256 maintenanceUsd) {
        uint256 n = notional(size, priceWad);
        int256 p = pnl(size, entryWad, priceWad);
        uint256 extra = lossOf(p) + debt;
        initialUsd = applyBps(n, initialMarginBps) + extra;
        maintenanceUsd = applyBps(n, maintenanceMarginBps) + extra;
    }

    /// @notice Concentration discount in bps (Synthetix v3 SIP-383 style):
    /// `clamp(floor(amount · scalarBps / scale), lowerBps, upperBps)`, 0 when `scale` is 0 (off).
    /// @param amount the counted token units of one account (after the per-account cap)
    /// @param scale token units at which the linear part reaches `scalarBps`
    function concentrationBps(uint256 amount, uint256 scale, uint256 scalarBps, uint256 lowerBps, uint256 upperBps)
        internal
        pure
        returns (uint256)
    {
        if (scale == 0) return 0;
        uint256 d = Math.mulDiv(amount, scalarBps, scale);
        return d < lowerBps ? lowerBps : d > upperBps ? upperBps : d;
    }

    /// @notice `max(0, −pnl)` as an unsigned amount.
    function lossOf(int256 pnlUsd) internal pure returns (uint256) {
        return pnlUsd < 0 ? SignedMath.abs(pnlUsd) : 0;
    }
}
