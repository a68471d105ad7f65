// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";
import {IMarginHub} from "../interfaces/IMarginHub.sol";
import {MarginMath} from "./MarginMath.sol";

/// @title HubRisk
/// @notice Risk configuration and pricing of one collateral (contracts/README.md, "Margin math"
/// and "Liquidation"). Used by `MarginHub`.
library HubRisk {
    /// @notice Highest liquidation bonus a collateral may carry (50 %).
    uint256 internal constant MAX_BONUS_BPS = 5_000;

    /// @notice Stored form of `IMarginHub.CollateralConfig`, plus the feed's decimals cached when
    /// it is configured. Two slots; `feed != address(0)` marks a registered collateral.
    struct Collateral {
        address feed;
        uint32 heartbeat;
        uint8 tokenDecimals;
        uint16 haircutBps;
        uint16 liquidationThresholdBps;
        uint16 liquidationBonusBps;
        uint8 feedDecimals;
        uint128 capPerAccount;
    }

    /// @notice Whether a configuration is acceptable: an eid-sized chain id, a token, a feed, a
    /// heartbeat, `haircut < 10000`, `10000 − haircut ≤ liquidationThreshold ≤ 10000`, `bonus ≤ 5000`.
    function isValid(uint64 chainId, address token, IMarginHub.CollateralConfig calldata c) internal pure returns (bool) {
        return chainId != 0 && chainId <= type(uint32).max && token != address(0) && c.feed != address(0)
            && c.heartbeat != 0 && c.haircutBps < MarginMath.BPS && MarginMath.BPS - c.haircutBps <= c.liquidationThresholdBps
            && c.liquidationThresholdBps <= MarginMath.BPS && c.liquidationBonusBps <= MAX_BONUS_BPS;
    }

    /// @notice Stores a (valid) configuration and caches its feed's decimals.
    function store(Collateral storage col, IMarginHub.CollateralConfig calldata c) internal {
        col.feed = c.feed;
        col.heartbeat = c.heartbeat;
        col.tokenDecimals = c.tokenDecimals;
        col.haircutBps = c.haircutBps;
        col.liquidationThresholdBps = c.liquidationThresholdBps;
        col.liquidationBonusBps = c.liquidationBonusBps;
        col.feedDecimals = IAggregatorV3(c.feed).decimals();
        col.capPerAccount = c.capPerAccount;
    }

    /// @notice The public form of a stored configuration (all zero when not registered).
    function toConfig(Collateral storage col) internal view returns (IMarginHub.CollateralConfig memory) {
        return IMarginHub.CollateralConfig({
            feed: col.feed,
            heartbeat: col.heartbeat,
            tokenDecimals: col.tokenDecimals,
            haircutBps: col.haircutBps,
            liquidationThresholdBps: col.liquidationThresholdBps,
            liquidationBonusBps: col.liquidationBonusBps,
            capPerAccount: col.capPerAccount
        });
    }

    /// @notice The feed's answer. `strict`: reverts with MarginHub_StalePrice when
    /// `block.timestamp > updatedAt + heartbeat` and with MarginHub_InvalidPrice when it is ≤ 0.
    /// Otherwise the answer is used as it is and a non-positive one reads as 0.
    function price(address feed, uint256 heartbeat, bool strict) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = IAggregatorV3(feed).latestRoundData();
        if (strict) {
            // forge-lint: disable-next-line(block-timestamp)
            if (block.timestamp > updatedAt + heartbeat) revert IMarginHub.MarginHub_StalePrice(feed, updatedAt, heartbeat);
            if (answer <= 0) revert IMarginHub.MarginHub_InvalidPrice(feed, answer);
        }
        // casting to 'uint256' is safe because the answer is positive
        // forge-lint: disable-next-line(unsafe-typecast)
        return answer > 0 ? uint256(answer) : 0;
    }

    /// @notice The counted amount of a credit (`min(credit, cap)`, cap 0 = none) and its USD value.
    function countedValue(Collateral memory col, uint256 credit, bool strict)
        internal
        view
        returns (uint256 counted, uint256 valueUsd)
    {
        counted = col.capPerAccount != 0 && credit > col.capPerAccount ? col.capPerAccount : credit;
        uint256 p = price(col.feed, col.heartbeat, strict);
        valueUsd = MarginMath.value(counted, col.tokenDecimals, p, col.feedDecimals);
    }

    /// @notice What a liquidation takes of one collateral (fresh prices) while `remainingUsd` is owed:
    /// value `min(value, remaining·(10000+bonus)/10000)`.
    /// @return amount token units to seize (0: nothing to take)
    /// @return coveredUsd the part of `remainingUsd` this covers (the taken value without its bonus; ≤ remainingUsd)
    function seizeAmount(Collateral memory col, uint256 credit, uint256 remainingUsd)
        internal
        view
        returns (uint256 amount, uint256 coveredUsd)
    {
        (uint256 counted, uint256 valueUsd) = countedValue(col, credit, true);
        if (valueUsd == 0) return (0, 0);
        uint256 withBonus = MarginMath.BPS + col.liquidationBonusBps;
        uint256 maxTakeUsd = MarginMath.applyBps(remainingUsd, withBonus);
        if (valueUsd < maxTakeUsd) {
            // valueUsd < remaining·withBonus/10000, so valueUsd·10000/withBonus < remaining.
            return (counted, Math.mulDiv(valueUsd, MarginMath.BPS, withBonus));
        }
        amount = Math.mulDiv(counted, maxTakeUsd, valueUsd);
        coveredUsd = amount == 0 ? 0 : remainingUsd;
    }
}
