// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test, stdError} from "forge-std/Test.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarginMath} from "../src/libraries/MarginMath.sol";
import {MarginMathHarness} from "../src/mocks/MarginMathHarness.sol";

/// @dev Reverts are checked through the harness: library functions are inlined, and
/// `expectRevert` needs the revert one call below the test.
contract MarginMathTest is Test {
    MarginMathHarness internal m;

    function setUp() public {
        m = new MarginMathHarness();
    }

    // ------------------------------------------------------------ value

    function test_value_sixDecimalTokenEightDecimalFeed() public view {
        // 1,000 USDC at $1.00000000: d = 14 < 18, amount·price·10^4
        assertEq(m.value(1_000e6, 6, 1e8, 8), 1_000e18);
        assertEq(m.value(1, 6, 99_999_999, 8), 999_999_990_000); // $0.99999999 per micro-USDC unit
    }

    function test_value_eighteenDecimalTokenEightDecimalFeed() public view {
        // 2 WETH at $2,000: d = 26, mulDiv(amount, price, 10^8)
        assertEq(m.value(2e18, 18, 2_000e8, 8), 4_000e18);
    }

    function test_value_eightDecimalTokenEighteenDecimalFeed() public view {
        // 1.5 WBTC at $60,000 with an 18-decimal feed: d = 26
        assertEq(m.value(1.5e8, 8, 60_000e18, 18), 90_000e18);
    }

    function test_value_eighteenEighteen() public view {
        assertEq(m.value(3e18, 18, 1.5e18, 18), 4.5e18);
    }

    function test_value_exactlyEighteenDecimalsTotal() public view {
        // d = 18: mulDiv by 10^0
        assertEq(m.value(7, 10, 3, 8), 21);
    }

    function test_value_zeroDecimals() public view {
        assertEq(m.value(5, 0, 7, 0), 35e18);
    }

    function test_value_floors() public view {
        // 1 wei of an 18-decimal token at $0.99999999 is 0.99999999 USD wei
        assertEq(m.value(1, 18, 99_999_999, 8), 0);
        assertEq(m.value(199_999_999, 18, 1, 8), 1); // 1.99999999 floors to 1
        assertEq(m.value(3, 18, 33_333_333, 18), 0);
    }

    function test_value_zeroAmountOrPrice() public view {
        assertEq(m.value(0, 18, 2_000e8, 8), 0);
        assertEq(m.value(1e18, 18, 0, 8), 0);
    }

    function test_value_revertsOnMultiplicationOverflow() public {
        vm.expectRevert(stdError.arithmeticError);
        m.value(type(uint256).max, 6, 2, 8);
    }

    function test_value_revertsWhenMulDivResultOverflows() public {
        // 2^256−1 · 2^256−1 / 10^18 does not fit in 256 bits
        vm.expectRevert(stdError.arithmeticError);
        m.value(type(uint256).max, 18, type(uint256).max, 18);
    }

    function test_value_revertsOnHugeDecimals() public {
        // 10^(510 − 18) overflows
        vm.expectRevert(stdError.arithmeticError);
        m.value(1, 255, 1, 255);
    }

    function test_value_largeButFittingProduct() public view {
        // the 512-bit product fits after the division
        assertEq(m.value(type(uint128).max, 18, type(uint128).max, 18), _mulDivRef(type(uint128).max, type(uint128).max, 1e18));
    }

    // ------------------------------------------------------------ applyBps

    function test_applyBps_floors() public view {
        assertEq(m.applyBps(10_000, 9_999), 9_999);
        assertEq(m.applyBps(3, 3_333), 0);
        assertEq(m.applyBps(1_000e18, 9_800), 980e18);
        assertEq(m.applyBps(12_345, 5_000), 6_172);
    }

    function test_applyBps_fullRangeWithoutIntermediateOverflow() public view {
        assertEq(m.applyBps(type(uint256).max, 10_000), type(uint256).max);
        assertEq(m.applyBps(type(uint256).max, 0), 0);
    }

    function test_applyBps_revertsWhenResultOverflows() public {
        vm.expectRevert(stdError.arithmeticError);
        m.applyBps(type(uint256).max, 10_001);
    }

    // ------------------------------------------------------------ healthFactor

    function test_healthFactor_maxWithoutRequirement() public view {
        assertEq(m.healthFactor(0, 0), type(uint256).max);
        assertEq(m.healthFactor(123e18, 0), type(uint256).max);
    }

    function test_healthFactor_ratioWithEighteenDecimals() public view {
        assertEq(m.healthFactor(150e18, 100e18), 1.5e18);
        assertEq(m.healthFactor(0, 100e18), 0);
        assertEq(m.healthFactor(2, 3), 666_666_666_666_666_666); // floored
    }

    function test_healthFactor_revertsWhenResultOverflows() public {
        vm.expectRevert(stdError.arithmeticError);
        m.healthFactor(type(uint256).max, 1);
    }

    // ------------------------------------------------------------ priceToWad

    function test_priceToWad_scalesUpToEighteen() public view {
        assertEq(m.priceToWad(2_000e8, 8), 2_000e18);
        assertEq(m.priceToWad(1e6, 6), 1e18);
        assertEq(m.priceToWad(7, 0), 7e18);
    }

    function test_priceToWad_keepsEighteen() public view {
        assertEq(m.priceToWad(60_000e18, 18), 60_000e18);
    }

    function test_priceToWad_scalesDownAndFloors() public view {
        assertEq(m.priceToWad(123_456, 20), 1_234);
        assertEq(m.priceToWad(99, 20), 0);
    }

    function test_priceToWad_revertsOnOverflow() public {
        vm.expectRevert(stdError.arithmeticError);
        m.priceToWad(type(uint256).max, 8);
    }

    // ------------------------------------------------------------ notional and pnl

    function test_notional_usesAbsoluteSize() public view {
        assertEq(m.notional(10e18, 2_000e18), 20_000e18);
        assertEq(m.notional(-10e18, 2_000e18), 20_000e18);
        assertEq(m.notional(1, 1), 0);
        assertEq(m.notional(0, 2_000e18), 0);
    }

    function test_notional_handlesMinInt() public view {
        assertEq(m.notional(type(int256).min, 1e18), uint256(1) << 255);
    }

    function test_pnl_longAndShort() public view {
        assertEq(m.pnl(10e18, 2_000e18, 2_100e18), 1_000e18);
        assertEq(m.pnl(10e18, 2_000e18, 1_800e18), -2_000e18);
        assertEq(m.pnl(-10e18, 2_000e18, 1_800e18), 2_000e18);
        assertEq(m.pnl(-10e18, 2_000e18, 2_100e18), -1_000e18);
        assertEq(m.pnl(0, 2_000e18, 1e18), 0);
    }

    function test_pnl_truncatesTowardsZero() public view {
        // 1 wei of size, 1 wei of price move: −10^-18 truncates to 0, not −1
        assertEq(m.pnl(1, 2, 1), 0);
        assertEq(m.pnl(3, 1e18, 1e18 - 5e17 - 1), -1); // 3·(−5e17−1)/1e18 = −1.5… → −1
        assertEq(m.pnl(3, 1e18, 1e18 + 5e17 + 1), 1);
    }

    function test_pnl_revertsOnPriceAboveIntMax() public {
        uint256 tooBig = uint256(type(int256).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintToInt.selector, tooBig));
        m.pnl(1, 0, tooBig);
    }

    function test_pnl_revertsOnProductOverflow() public {
        vm.expectRevert(stdError.arithmeticError);
        m.pnl(type(int256).max, 0, 2);
    }

    // ------------------------------------------------------------ requirement

    function test_requirement_longWithLossAndDebt() public view {
        // 10 ETH long from $2,000 at $1,800: notional 18,000; loss 2,000; debt 50
        (uint256 ini, uint256 mnt) = m.requirement(10e18, 2_000e18, 1_800e18, 1_000, 500, 50e18);
        assertEq(ini, 1_800e18 + 2_000e18 + 50e18);
        assertEq(mnt, 900e18 + 2_000e18 + 50e18);
    }

    function test_requirement_profitIsNotCredited() public view {
        (uint256 ini, uint256 mnt) = m.requirement(-10e18, 2_000e18, 1_800e18, 1_000, 500, 0);
        assertEq(ini, 1_800e18);
        assertEq(mnt, 900e18);
    }

    function test_requirement_flooredPerTerm() public view {
        (uint256 ini, uint256 mnt) = m.requirement(1, 1e18, 3e18, 3_333, 1, 0);
        assertEq(ini, 0);
        assertEq(mnt, 0);
    }

    function test_lossOf() public view {
        assertEq(m.lossOf(-5), 5);
        assertEq(m.lossOf(5), 0);
        assertEq(m.lossOf(0), 0);
    }

    // ------------------------------------------------------------ fuzz

    function testFuzz_value_matchesDefinition(uint96 amount, uint96 price, uint8 tokenDecimals, uint8 feedDecimals) public view {
        tokenDecimals = uint8(bound(tokenDecimals, 0, 36));
        feedDecimals = uint8(bound(feedDecimals, 0, 36));
        uint256 d = uint256(tokenDecimals) + feedDecimals;
        uint256 v = m.value(amount, tokenDecimals, price, feedDecimals);
        if (d >= 18) {
            assertEq(v, _mulDivRef(amount, price, 10 ** (d - 18)));
        } else {
            // amount·price·10^18 < 2^192·2^60 for 96-bit inputs, so the reference cannot overflow
            assertEq(v, uint256(amount) * price * 10 ** (18 - d));
        }
    }

    function testFuzz_value_monotonicInAmountAndPrice(uint96 a, uint96 b, uint96 price, uint8 tokenDecimals) public view {
        tokenDecimals = uint8(bound(tokenDecimals, 0, 30));
        (uint128 lo, uint128 hi) = a <= b ? (a, b) : (b, a);
        assertLe(m.value(lo, tokenDecimals, price, 8), m.value(hi, tokenDecimals, price, 8));
        assertLe(m.value(price, tokenDecimals, lo, 8), m.value(price, tokenDecimals, hi, 8));
    }

    function testFuzz_applyBps_neverExceedsInput(uint256 x, uint16 bps) public view {
        bps = uint16(bound(bps, 0, 10_000));
        uint256 r = m.applyBps(x, bps);
        assertLe(r, x);
        if (x <= type(uint256).max / 10_000) assertEq(r, x * bps / 10_000);
    }

    function testFuzz_healthFactor_belowOneIffLiquidatable(uint128 liquidationUsd, uint128 maintenanceUsd) public view {
        vm.assume(maintenanceUsd != 0);
        uint256 hf = m.healthFactor(liquidationUsd, maintenanceUsd);
        assertEq(hf < 1e18, liquidationUsd < maintenanceUsd);
    }

    function testFuzz_pnl_antisymmetricInSide(int128 size, uint128 entry, uint128 price) public view {
        assertEq(m.pnl(size, entry, price), -m.pnl(-int256(size), entry, price));
    }

    function testFuzz_requirement_maintenanceNotAboveInitial(
        int128 size,
        uint128 entry,
        uint128 price,
        uint16 im,
        uint16 mm,
        uint128 debt
    ) public view {
        im = uint16(bound(im, 1, 10_000));
        mm = uint16(bound(mm, 1, im));
        (uint256 ini, uint256 mnt) = m.requirement(size, entry, price, im, mm, debt);
        assertLe(mnt, ini);
        assertGe(mnt, debt);
    }

    function test_harness_matchesLibrary() public view {
        assertEq(m.value(123e6, 6, 2e8, 8), MarginMath.value(123e6, 6, 2e8, 8));
        assertEq(m.notional(-3e18, 5e18), MarginMath.notional(-3e18, 5e18));
        assertEq(m.pnl(-3e18, 5e18, 4e18), MarginMath.pnl(-3e18, 5e18, 4e18));
    }

    /// @dev Reference floor(a·b/c) for a·b < 2^256.
    function _mulDivRef(uint256 a, uint256 b, uint256 c) private pure returns (uint256) {
        return a * b / c;
    }
}
