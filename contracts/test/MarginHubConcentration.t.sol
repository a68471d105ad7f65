// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MarginMath} from "../src/libraries/MarginMath.sol";
import {MarginMathHarness} from "../src/mocks/MarginMathHarness.sol";

/// @notice Concentration (size-scaled) haircuts: `discount = clamp(counted × scalar / scale, lower,
/// upper)` on top of the base haircut, also lowering the liquidation threshold.
/// @dev WETH on chain B is $2,000 with a 15 % haircut and a 90 % threshold. The concentration used
/// here: scale 100 WETH, scalar 10 % (so 1 bp per 0.1 WETH), floor 1 %, cap 20 %.
contract MarginHubConcentrationTest is HubFixture {
    address internal alice = makeAddr("alice");
    MarginMathHarness internal math = new MarginMathHarness();

    function _c(uint128 scale, uint16 scalarBps, uint16 lowerBps, uint16 upperBps)
        internal
        pure
        returns (IMarginHub.Concentration memory)
    {
        return IMarginHub.Concentration({scale: scale, scalarBps: scalarBps, lowerBps: lowerBps, upperBps: upperBps});
    }

    function _setWeth() internal {
        vm.prank(owner);
        hub.setConcentration(CHAIN_B, wethB, _c(100e18, 1_000, 100, 2_000));
    }

    function _assertMargin(uint256 valueUsd, uint256 adjustedUsd, uint256 liquidationUsd) internal view {
        IMarginHub.Margin memory m = hub.accountMargin(alice);
        assertEq(m.collateralUsd, valueUsd, "value");
        assertEq(m.adjustedUsd, adjustedUsd, "adjusted");
        assertEq(m.liquidationUsd, liquidationUsd, "liquidation");
    }

    // ------------------------------------------------------------ shape

    function test_offByDefault() public {
        IMarginHub.Concentration memory c = hub.concentration(CHAIN_B, wethB);
        assertEq(c.scale, 0);
        assertEq(c.scalarBps + c.lowerBps + c.upperBps, 0);
        _credit(CHAIN_B, alice, wethB, 300e18, 1);
        _assertMargin(600_000e18, 510_000e18, 540_000e18);
    }

    /// @dev 1 WETH: linear part 10 bps, the 100 bps floor applies.
    function test_floorAppliesToSmallAmounts() public {
        _setWeth();
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        _assertMargin(2_000e18, 1_680e18, 1_780e18);
    }

    /// @dev 50 WETH: 500 bps, between floor and cap.
    function test_linearBetween() public {
        _setWeth();
        _credit(CHAIN_B, alice, wethB, 50e18, 1);
        _assertMargin(100_000e18, 80_000e18, 85_000e18);
    }

    /// @dev 300 WETH: linear part 3,000 bps, the 2,000 bps cap applies.
    function test_capAppliesToLargeAmounts() public {
        _setWeth();
        _credit(CHAIN_B, alice, wethB, 300e18, 1);
        _assertMargin(600_000e18, 390_000e18, 420_000e18);
    }

    /// @dev 12.34 WETH: 123.4 bps floors to 123.
    function test_discountFloors() public {
        _setWeth();
        _credit(CHAIN_B, alice, wethB, 12.34e18, 1);
        uint256 v = 24_680e18;
        _assertMargin(v, v * (10_000 - 1_500 - 123) / 10_000, v * (9_000 - 123) / 10_000);
    }

    /// @dev The discount scales with the counted amount: 15 WBTC under a 10 WBTC cap is discounted as 10.
    function test_discountUsesCountedAmount() public {
        vm.prank(owner);
        hub.setConcentration(CHAIN_A, wbtcA, _c(10e8, 1_000, 0, 5_000));
        _credit(CHAIN_A, alice, wbtcA, 15e8, 1);
        _assertMargin(600_000e18, 420_000e18, 450_000e18);
    }

    /// @dev Other collaterals keep their base weights.
    function test_onlyItsCollateral() public {
        _setWeth();
        _credit(CHAIN_B, alice, wethB, 50e18, 1);
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _assertMargin(101_000e18, 80_980e18, 85_990e18);
    }

    /// @dev A concentrated account is liquidatable earlier and may do less.
    function test_liquidatesEarlierAndApprovesLess() public {
        MockConsumer consumer = _deployMockConsumer();
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        consumer.setRequirement(alice, 1_690e18, 1_790e18);
        assertFalse(hub.isLiquidatable(alice));
        hub.requireInitialMargin(alice);
        _setWeth();
        assertTrue(hub.isLiquidatable(alice));
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 1_680e18, 1_690e18)
        );
        hub.requireInitialMargin(alice);
    }

    /// forge-config: default.fuzz.runs = 512
    function testFuzz_concentrationBps_clampOfLinear(
        uint128 amount,
        uint128 scale,
        uint16 scalarBps,
        uint16 lowerBps,
        uint16 upperBps
    ) public view {
        scale = uint128(bound(scale, 1, type(uint128).max));
        lowerBps = uint16(bound(lowerBps, 0, upperBps));
        uint256 d = math.concentrationBps(amount, scale, scalarBps, lowerBps, upperBps);
        uint256 linear = uint256(amount) * scalarBps / scale;
        if (linear <= lowerBps) assertEq(d, lowerBps, "floor");
        else if (linear >= upperBps) assertEq(d, upperBps, "cap");
        else assertEq(d, linear, "linear");
        // non-decreasing in the amount
        if (amount < type(uint128).max) {
            assertLe(d, math.concentrationBps(uint256(amount) + 1, scale, scalarBps, lowerBps, upperBps));
        }
        assertEq(math.concentrationBps(amount, 0, scalarBps, lowerBps, upperBps), 0, "off");
    }

    // ------------------------------------------------------------ configuration

    function test_setConcentration_storesAndEmits() public {
        IMarginHub.Concentration memory c = _c(100e18, 1_000, 100, 2_000);
        vm.expectEmit(address(hub));
        emit IMarginHub.ConcentrationSet(CHAIN_B, wethB, c);
        _setWeth();
        IMarginHub.Concentration memory got = hub.concentration(CHAIN_B, wethB);
        assertEq(got.scale, 100e18);
        assertEq(got.scalarBps, 1_000);
        assertEq(got.lowerBps, 100);
        assertEq(got.upperBps, 2_000);
        // all zero turns it off again
        vm.prank(owner);
        hub.setConcentration(CHAIN_B, wethB, _c(0, 0, 0, 0));
        assertEq(hub.concentration(CHAIN_B, wethB).scale, 0);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        _assertMargin(2_000e18, 1_700e18, 1_800e18);
    }

    function test_setConcentration_onlyOwner() public {
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.setConcentration(CHAIN_B, wethB, _c(100e18, 1_000, 100, 2_000));
    }

    function _expectInvalid(uint64 chainId, address token, IMarginHub.Concentration memory c) internal {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidConcentration.selector, chainId, token));
        hub.setConcentration(chainId, token, c);
    }

    function test_setConcentration_rejectsBadBounds() public {
        _expectInvalid(CHAIN_B, wethB, _c(100e18, 1_000, 2_001, 2_000)); // lower > upper
        _expectInvalid(CHAIN_B, wethB, _c(100e18, 1_000, 0, 8_500)); // 15 % haircut + 85 % = 100 %
        _expectInvalid(CHAIN_B, wethB, _c(0, 1_000, 0, 2_000)); // on without a scale
        _expectInvalid(CHAIN_B, wethB, _c(0, 0, 1, 1));
        _expectInvalid(CHAIN_A, makeAddr("unknown"), _c(100e18, 1_000, 0, 2_000)); // not a collateral
        vm.startPrank(owner);
        hub.setConcentration(CHAIN_B, wethB, _c(1, 0, 8_499, 8_499)); // the widest cap allowed
        hub.setConcentration(CHAIN_A, makeAddr("unknown"), _c(0, 0, 0, 0)); // off is always allowed
        vm.stopPrank();
        assertEq(hub.concentration(CHAIN_B, wethB).upperBps, 8_499);
    }

    /// @dev Raising the base haircut may not push haircut + cap to 100 %.
    function test_setCollateral_checksConcentrationCap() public {
        _setWeth(); // cap 2,000
        IMarginHub.CollateralConfig memory cfg = hub.collateralConfig(CHAIN_B, wethB);
        cfg.haircutBps = 8_000;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCollateralConfig.selector, CHAIN_B, wethB));
        hub.setCollateral(CHAIN_B, wethB, cfg);
        cfg.haircutBps = 7_999;
        vm.prank(owner);
        hub.setCollateral(CHAIN_B, wethB, cfg);
        assertEq(hub.collateralConfig(CHAIN_B, wethB).haircutBps, 7_999);
    }
}
