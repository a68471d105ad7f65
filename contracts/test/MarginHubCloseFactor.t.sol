// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {PerpMarket} from "../src/PerpMarket.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IPerpMarket} from "../src/interfaces/IPerpMarket.sol";
import {MarginMath} from "../src/libraries/MarginMath.sol";

/// @notice Partial liquidation (issue 21 item 4): the hub's close factor and full-liquidation
/// health, PerpMarket's reduction of a position and its dust minimum, and convergence of repeated
/// liquidations of one account.
contract MarginHubCloseFactorTest is HubFixture {
    address internal alice = makeAddr("alice");
    address internal keeper = makeAddr("keeper");
    PerpMarket internal perp;

    function setUp() public override {
        super.setUp();
        perp = _deployPerp(1_000, 500); // 10 % initial, 5 % maintenance
    }

    function _setCloseFactor(uint16 closeFactorBps, uint16 healthBps) internal {
        vm.prank(owner);
        hub.setCloseFactor(closeFactorBps, healthBps);
    }

    /// @dev alice: 10,000 USDC on A (liquidation value 9,900), long 10 ETH at $2,000.
    function _aliceLong10() internal {
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.prank(alice);
        perp.openPosition(10e18);
    }

    // ------------------------------------------------------------ setter

    function test_closeFactor_defaultClosesAll() public view {
        (uint16 cf, uint16 health) = hub.closeFactor();
        assertEq(cf, 10_000);
        assertEq(health, 0);
    }

    function test_setCloseFactor_setsAndEmits() public {
        vm.expectEmit(address(hub));
        emit IMarginHub.CloseFactorSet(5_000, 9_500);
        _setCloseFactor(5_000, 9_500);
        (uint16 cf, uint16 health) = hub.closeFactor();
        assertEq(cf, 5_000);
        assertEq(health, 9_500);
        _setCloseFactor(10_000, 10_000); // both upper bounds are allowed
        (cf, health) = hub.closeFactor();
        assertEq(cf, 10_000);
        assertEq(health, 10_000);
    }

    function test_setCloseFactor_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        hub.setCloseFactor(5_000, 9_500);
    }

    function test_setCloseFactor_revertsOutOfBounds() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCloseFactor.selector, 0, 9_500));
        hub.setCloseFactor(0, 9_500);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCloseFactor.selector, 10_001, 9_500));
        hub.setCloseFactor(10_001, 9_500);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCloseFactor.selector, 5_000, 10_001));
        hub.setCloseFactor(5_000, 10_001);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ the two regimes

    /// @dev ETH falls to $1,031: maintenance = loss 9,690 + 5 % of 10,310 = 10,205.5, health
    /// 9,900 / 10,205.5 = 0.97 ≥ 0.95: half the position closes. The closed 5 ETH owe their loss
    /// 4,845 + 5 % of 5,155 = 5,102.75, seized from USDC with its 2 % bonus; 5 ETH stay at entry
    /// $2,000. Health is then 0.93 < 0.95, so the second call closes the rest.
    function test_liquidate_aboveThresholdClosesCloseFactorThenRest() public {
        _setCloseFactor(5_000, 9_500);
        _aliceLong10();
        ethFeed.setAnswer(1_031e8);
        assertEq(hub.health(alice), Math.mulDiv(9_900e18, 1e18, 10_205.5e18));

        uint256 owed = 5_102.75e18;
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionReduced(alice, 5e18, 5e18, 2_000e18, 1_031e18, -4_845e18, owed, 0);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, owed, owed, 5_000);
        vm.prank(keeper);
        hub.liquidate(alice);

        IPerpMarket.Position memory p = perp.position(alice);
        assertEq(p.size, 5e18);
        assertEq(p.entryPriceWad, 2_000e18);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 10_000e6 - 5_204.805e6, "owed + 2 % bonus");
        assertLt(hub.health(alice), 0.95e18);

        uint256 covered = Math.mulDiv(4_795.195e18, 10_000, 10_200); // all that is left
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 5e18, 2_000e18, 1_031e18, -4_845e18, owed);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, owed, covered, 10_000);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(perp.position(alice).size, 0);
        assertFalse(hub.isLiquidatable(alice));
    }

    /// @dev ETH at $1,000: maintenance 10,000 + 500, health 0.943 < 0.95: everything closes.
    function test_liquidate_belowThresholdClosesAll() public {
        _setCloseFactor(5_000, 9_500);
        _aliceLong10();
        ethFeed.setAnswer(1_000e8);
        assertLt(hub.health(alice), 0.95e18);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 10e18, 2_000e18, 1_000e18, -10_000e18, 10_500e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 10_500e18, Math.mulDiv(10_000e18, 10_000, 10_200), 10_000);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(perp.position(alice).size, 0);
    }

    /// @dev Unconfigured, the same account as in the partial case closes whole (today's behaviour).
    function test_liquidate_defaultClosesAllAboveThreshold() public {
        _aliceLong10();
        ethFeed.setAnswer(1_031e8);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 10_205.5e18, Math.mulDiv(10_000e18, 10_000, 10_200), 10_000);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(perp.position(alice).size, 0);
    }

    /// @dev The threshold is inclusive, in the `health()` view's terms: 9,500 USDC (liquidation
    /// value 9,405) against 9,900 of maintenance is health 0.95 exactly (partial); one wei more of
    /// maintenance is below it (all). Every consumer is told the same share.
    function test_liquidate_thresholdBoundary() public {
        _setCloseFactor(5_000, 9_500);
        MockConsumer mock = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 9_500e6, 1);
        mock.setRequirement(alice, 0, 9_900e18);
        mock.setOwed(alice, 100e18);
        assertEq(hub.health(alice), 0.95e18);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(mock.lastCloseBps(alice), 5_000);

        address bob = makeAddr("bob");
        _credit(CHAIN_A, bob, usdcA, 9_500e6, 1);
        mock.setRequirement(bob, 0, 9_900e18 + 1);
        mock.setOwed(bob, 100e18);
        assertLt(hub.health(bob), 0.95e18);
        vm.prank(keeper);
        hub.liquidate(bob);
        assertEq(mock.lastCloseBps(bob), 10_000);
    }

    // ------------------------------------------------------------ PerpMarket reduction

    /// @dev short 3 ETH at $2,000, ETH at $2,100, a third closes: 0.9999 ETH (rounded up) at a loss
    /// of 99.99 plus 5 % of 2,099.79; 2.0001 ETH stay short at $2,000.
    function test_onLiquidation_reducesShortKeepingEntry() public {
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.prank(alice);
        perp.openPosition(-3e18);
        ethFeed.setAnswer(2_100e8);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionReduced(alice, -0.9999e18, -2.0001e18, 2_000e18, 2_100e18, -99.99e18, 204.9795e18, 0);
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(alice, 3_333), 204.9795e18);
        IPerpMarket.Position memory p = perp.position(alice);
        assertEq(p.size, -2.0001e18);
        assertEq(p.entryPriceWad, 2_000e18);
    }

    /// @dev The closed part rounds up: of 3 wei, half closes 2 and leaves 1 (minimum 0).
    function test_onLiquidation_closedPartRoundsUp() public {
        vm.prank(owner);
        perp.setMinPositionNotional(0);
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.prank(alice);
        perp.openPosition(3);
        vm.prank(address(hub));
        perp.onLiquidation(alice, 5_000);
        assertEq(perp.position(alice).size, 1);
        vm.prank(address(hub));
        perp.onLiquidation(alice, 1); // 1 bps of 1 wei still closes it (and nothing remains: all)
        assertEq(perp.position(alice).size, 0);
    }

    /// @dev Debt 2,500 (a closed loss) and a new 1 ETH long at $1,750: half closes half the debt
    /// too: owed = 5 % of 875 + 1,250; the other 1,250 stays as debt.
    function test_onLiquidation_closesShareOfDebt() public {
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.startPrank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_750e8);
        perp.closePosition();
        perp.openPosition(1e18);
        vm.stopPrank();
        assertEq(perp.debt(alice), 2_500e18);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionReduced(alice, 0.5e18, 0.5e18, 1_750e18, 1_750e18, 0, 1_293.75e18, 1_250e18);
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(alice, 5_000), 1_293.75e18);
        assertEq(perp.debt(alice), 1_250e18);
    }

    /// @dev Without a position the debt is reduced by the share while the rest is at least the
    /// minimum (2,500 → 1,250), and cleared when it would not be (150 → all).
    function test_onLiquidation_debtOnlyShareAndDust() public {
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.startPrank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_750e8);
        perp.closePosition();
        vm.stopPrank();
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionReduced(alice, 0, 0, 0, 0, 0, 1_250e18, 1_250e18);
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(alice, 5_000), 1_250e18);

        vm.prank(owner);
        perp.setMinPositionNotional(700e18);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 0, 0, 0, 0, 1_250e18);
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(alice, 5_000), 1_250e18); // 625 would remain: < 700
        assertEq(perp.debt(alice), 0);
    }

    /// @dev 0.1 ETH at $2,000: closing half leaves $100, the minimum itself (kept); closing 60 %
    /// would leave $80 < $100, so all of it closes.
    function test_onLiquidation_dustRemainderClosesAll() public {
        assertEq(perp.minPositionNotionalUsd(), 100e18);
        _credit(CHAIN_A, alice, usdcA, 10_000e6, 1);
        vm.prank(alice);
        perp.openPosition(0.1e18);
        uint256 snap = vm.snapshotState();
        vm.prank(address(hub));
        perp.onLiquidation(alice, 5_000);
        assertEq(perp.position(alice).size, 0.05e18);

        vm.revertToState(snap);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 0.1e18, 2_000e18, 2_000e18, 0, 10e18);
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(alice, 6_000), 10e18);
        assertEq(perp.position(alice).size, 0);
    }

    function test_setMinPositionNotional_boundsAndOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, keeper));
        vm.prank(keeper);
        perp.setMinPositionNotional(1e18);
        vm.startPrank(owner);
        vm.expectEmit(address(perp));
        emit IPerpMarket.MinPositionNotionalSet(1_000_000e18);
        perp.setMinPositionNotional(1_000_000e18);
        assertEq(perp.minPositionNotionalUsd(), 1_000_000e18);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidMinPositionNotional.selector, 1_000_000e18 + 1)
        );
        perp.setMinPositionNotional(1_000_000e18 + 1);
        perp.setMinPositionNotional(0);
        assertEq(perp.minPositionNotionalUsd(), 0);
        vm.stopPrank();
    }

    // ------------------------------------------------------------ convergence

    /// @dev Always partial (threshold 0), a deeply insolvent 10 ETH long at $1,000: notional 10,000
    /// halves each call, 5,000 … 156.25, and the seventh call, which would leave 78.125 < 100,
    /// closes everything. No remainder is ever below the minimum.
    function test_liquidate_repeatedHalvingEndsAtDust() public {
        _setCloseFactor(5_000, 0);
        _credit(CHAIN_A, alice, usdcA, 2_100e6, 1);
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_000e8);
        uint256 calls;
        while (perp.position(alice).size != 0) {
            vm.prank(keeper);
            hub.liquidate(alice);
            ++calls;
            int256 size = perp.position(alice).size;
            if (size != 0) assertGe(MarginMath.notional(size, 1_000e18), 100e18, "no dust left");
            assertLe(calls, 7);
        }
        assertEq(calls, 7);
        assertEq(perp.debt(alice), 0);
        assertFalse(hub.isLiquidatable(alice));
    }

    /// @dev Any close factor from 20 % and threshold, any minimum from $1, any long liquidated at a
    /// fixed or falling price: each call leaves the account healthy, fully closed, or with a
    /// position of at least the minimum notional; after at most 70 calls it is healthy or closed
    /// (each partial call keeps ≤ 80 % of the size, and 2e6 USD · 0.8^70 < $1).
    function testFuzz_liquidate_repeatedConverges(
        uint256 sizeSeed,
        uint256 usdcSeed,
        uint256 priceSeed,
        uint256 stepSeed,
        uint256 closeFactorSeed,
        uint256 healthSeed,
        uint256 minSeed
    ) public {
        uint16 cf = uint16(bound(closeFactorSeed, 2_000, 10_000));
        _setCloseFactor(cf, uint16(bound(healthSeed, 0, 10_000)));
        uint256 minUsd = bound(minSeed, 1e18, 10_000e18);
        vm.prank(owner);
        perp.setMinPositionNotional(minUsd);
        uint256 size = bound(sizeSeed, 1e15, 1_000e18);
        // Initial margin 10 % of notional at $2,000 on USDC weighted 0.98, up to three times that.
        uint256 minUsdc = Math.mulDiv(size, 2_000 * 1e6 * 100, 980 * 1e18, Math.Rounding.Ceil);
        _credit(CHAIN_A, alice, usdcA, bound(usdcSeed, minUsdc, 3 * minUsdc), 1);
        vm.prank(alice);
        perp.openPosition(int256(size));
        uint256 price = bound(priceSeed, 100, 1_999);
        ethFeed.setAnswer(int256(price * 1e8));
        uint256 stepBps = bound(stepSeed, 0, 200);
        if (!hub.isLiquidatable(alice)) return;

        uint256 calls;
        while (hub.isLiquidatable(alice)) {
            assertLt(calls, 70, "converges within 70 calls");
            vm.prank(keeper);
            hub.liquidate(alice);
            ++calls;
            int256 left = perp.position(alice).size;
            if (left != 0) assertGe(MarginMath.notional(left, price * 1e18), minUsd, "no dust left");
            else if (perp.debt(alice) == 0) break;
            price = price - price * stepBps / 10_000; // falling (or fixed) prices
            if (price == 0) price = 1;
            ethFeed.setAnswer(int256(price * 1e8));
        }
        assertTrue(perp.position(alice).size == 0 || !hub.isLiquidatable(alice));
    }
}
