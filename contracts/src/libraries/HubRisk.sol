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

    /// @notice The feed's answer (a non-positive one reads as 0) and whether it is fresh: positive
    /// and `block.timestamp ≤ updatedAt + heartbeat`.
    function price(address feed, uint256 heartbeat) internal view returns (uint256 answer_, bool fresh) {
        int256 answer;
        uint256 updatedAt;
        // A feed that reverts (deprecated, broken) prices nothing: the callers fail closed.
        try IAggregatorV3(feed).latestRoundData() returns (uint80, int256 a, uint256, uint256 u, uint80) {
            (answer, updatedAt) = (a, u);
        } catch {
            return (0, false);
        }
        if (answer <= 0) return (0, false);
        // casting to 'uint256' is safe because the answer is positive
        // forge-lint: disable-next-line(unsafe-typecast)
        answer_ = uint256(answer);
        // Written without `updatedAt + heartbeat`, which a broken feed could overflow.
        // forge-lint: disable-next-line(block-timestamp)
        fresh = updatedAt >= block.timestamp || block.timestamp - updatedAt <= heartbeat;
    }

    /// @notice The counted amount of a credit (`min(credit, cap)`, cap 0 = none): the cap limits
    /// what counts as margin, never what a liquidation may seize.
    function counted(Collateral memory col, uint256 credit) internal pure returns (uint256) {
        return col.capPerAccount != 0 && credit > col.capPerAccount ? col.capPerAccount : credit;
    }

    /// @notice The concentration discount (bps) of `amount` counted token units (`MarginMath.concentrationBps`).
    function discount(IMarginHub.Concentration storage c, uint256 amount) internal view returns (uint256) {
        return MarginMath.concentrationBps(amount, c.scale, c.scalarBps, c.lowerBps, c.upperBps);
    }

    /// @notice Whether a concentration may be set on a collateral with `haircutBps` (0 = not
    /// registered): all zero (off), or a registered collateral with `scale > 0`,
    /// `lowerBps ≤ upperBps` and `haircutBps + upperBps < 10000`.
    function isValidConcentration(IMarginHub.Concentration calldata c, bool registered, uint256 haircutBps)
        internal
        pure
        returns (bool)
    {
        if (c.scale == 0) return c.scalarBps == 0 && c.lowerBps == 0 && c.upperBps == 0;
        return registered && c.lowerBps <= c.upperBps && haircutBps + c.upperBps < MarginMath.BPS;
    }

    /// @notice USD value of `amount` token units of the collateral at the feed answer `p`.
    function valueAt(Collateral memory col, uint256 amount, uint256 p) internal pure returns (uint256) {
        return MarginMath.value(amount, col.tokenDecimals, p, col.feedDecimals);
    }

    /// @notice What a liquidation takes of one collateral at price `p` while `remainingUsd` is owed:
    /// value `min(value of the whole credit, remaining·(10000+bonus)/10000)`, split into the part
    /// that pays the debt and the bonus.
    /// @return owedAmount token units that pay the debt (to the consumer)
    /// @return bonusAmount token units of bonus (to the liquidator)
    /// @return coveredUsd the part of `remainingUsd` this covers (≤ remainingUsd)
    function seizeAmounts(Collateral memory col, uint256 credit, uint256 p, uint256 remainingUsd)
        internal
        pure
        returns (uint256 owedAmount, uint256 bonusAmount, uint256 coveredUsd)
    {
        uint256 valueUsd = valueAt(col, credit, p);
        if (valueUsd == 0) return (0, 0, 0);
        uint256 withBonus = MarginMath.BPS + col.liquidationBonusBps;
        uint256 maxTakeUsd = MarginMath.applyBps(remainingUsd, withBonus);
        uint256 amount;
        if (valueUsd < maxTakeUsd) {
            // valueUsd < remaining·withBonus/10000, so valueUsd·10000/withBonus < remaining.
            amount = credit;
            coveredUsd = Math.mulDiv(valueUsd, MarginMath.BPS, withBonus);
        } else {
            amount = Math.mulDiv(credit, maxTakeUsd, valueUsd);
            coveredUsd = amount == 0 ? 0 : remainingUsd;
        }
        // The debt's share rounds up, so the bonus never exceeds its rate.
        owedAmount = Math.mulDiv(amount, MarginMath.BPS, withBonus, Math.Rounding.Ceil);
        // owedAmount ≤ amount because withBonus ≥ BPS.
        unchecked {
            bonusAmount = amount - owedAmount;
        }
    }
}
