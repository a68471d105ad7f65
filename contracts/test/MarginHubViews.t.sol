// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";

/// @notice Valuation and margin views (lenient prices) and the strict checks consumers call
/// (a collateral without a fresh positive price counts 0; an unpriced requirement fails closed).
/// @dev alice holds 1,000 USDC (A), 1 WETH (B) and 15 WBTC (A, 10 counted by the cap):
/// value 1,000 + 2,000 + 600,000; adjusted 980 + 1,700 + 480,000; liquidation 990 + 1,800 + 510,000.
contract MarginHubViewsTest is HubFixture {
    address internal alice = makeAddr("alice");
    MockConsumer internal consumer;

    uint256 internal constant VALUE = 603_000e18;
    uint256 internal constant ADJUSTED = 482_680e18;
    uint256 internal constant LIQUIDATION = 512_790e18;

    function setUp() public override {
        super.setUp();
        consumer = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        _credit(CHAIN_A, alice, wbtcA, 15e8, 1);
    }

    function test_collateralValue_sumsCountedCollateral() public {
        (uint256 valueUsd, uint256 adjustedUsd) = hub.collateralValue(alice);
        assertEq(valueUsd, VALUE);
        assertEq(adjustedUsd, ADJUSTED);
        (valueUsd, adjustedUsd) = hub.collateralValue(makeAddr("nobody"));
        assertEq(valueUsd, 0);
        assertEq(adjustedUsd, 0);
    }

    function test_collateralValue_usesStalePricesAsTheyAre() public {
        vm.warp(block.timestamp + 30 days);
        (uint256 valueUsd,) = hub.collateralValue(alice);
        assertEq(valueUsd, VALUE);
    }

    function test_collateralValue_nonPositivePriceCountsZero() public {
        ethFeed.setAnswer(-1);
        btcFeed.setAnswer(0);
        (uint256 valueUsd, uint256 adjustedUsd) = hub.collateralValue(alice);
        assertEq(valueUsd, 1_000e18);
        assertEq(adjustedUsd, 980e18);
    }

    function test_accountMargin_fullPicture() public {
        consumer.setRequirement(alice, 400_000e18, 300_000e18);
        IMarginHub.Margin memory m = hub.accountMargin(alice);
        assertEq(m.collateralUsd, VALUE);
        assertEq(m.adjustedUsd, ADJUSTED);
        assertEq(m.liquidationUsd, LIQUIDATION);
        assertEq(m.initialUsd, 400_000e18);
        assertEq(m.maintenanceUsd, 300_000e18);
        assertEq(m.healthFactor, LIQUIDATION * 1e18 / 300_000e18);
    }

    function test_accountMargin_sumsConsumers() public {
        MockConsumer other = _deployMockConsumer();
        consumer.setRequirement(alice, 10e18, 5e18);
        other.setRequirement(alice, 7e18, 3e18);
        IMarginHub.Margin memory m = hub.accountMargin(alice);
        assertEq(m.initialUsd, 17e18);
        assertEq(m.maintenanceUsd, 8e18);
    }

    function test_health_maxWithoutRequirement() public view {
        assertEq(hub.health(alice), type(uint256).max);
    }

    function test_health_ratioOfLiquidationToMaintenance() public {
        consumer.setRequirement(alice, 0, LIQUIDATION * 2);
        assertEq(hub.health(alice), 0.5e18);
        vm.warp(block.timestamp + 30 days); // lenient: stale prices do not revert
        assertEq(hub.health(alice), 0.5e18);
    }

    function test_creditedBalance_andOutstandingDefaults() public view {
        (uint256 bal, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, wbtcA);
        assertEq(bal, 15e8, "the full credit is kept; only valuation caps");
        assertEq(seq, 1);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, wbtcA);
        assertEq(out, 0);
        assertEq(last, 0);
    }

    // ------------------------------------------------------------ requireInitialMargin

    function test_requireInitialMargin_passesWhenCovered() public {
        consumer.setRequirement(alice, ADJUSTED, 1);
        hub.requireInitialMargin(alice);
    }

    function test_requireInitialMargin_revertsWhenShort() public {
        consumer.setRequirement(alice, ADJUSTED + 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, ADJUSTED, ADJUSTED + 1)
        );
        hub.requireInitialMargin(alice);
    }

    /// @dev A stale WBTC price counts WBTC as 0 (no revert): adjusted 980 + 1,700 = 2,680.
    function test_requireInitialMargin_stalePriceCountsZero() public {
        consumer.setRequirement(alice, 2_680e18, 1);
        hub.requireInitialMargin(alice);
        btcFeed.setRoundData(60_000e18, block.timestamp - 1 hours - 1);
        hub.requireInitialMargin(alice);
        consumer.setRequirement(alice, 2_680e18 + 1, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 2_680e18, 2_680e18 + 1)
        );
        hub.requireInitialMargin(alice);
        btcFeed.setAnswer(60_000e18); // fresh again: WBTC counts
        hub.requireInitialMargin(alice);
    }

    /// @dev A zero or negative USDC price counts USDC as 0: adjusted 1,700 + 480,000 = 481,700.
    function test_requireInitialMargin_nonPositivePriceCountsZero() public {
        consumer.setRequirement(alice, 481_700e18 + 1, 1);
        hub.requireInitialMargin(alice);
        usdcFeed.setAnswer(0);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 481_700e18, 481_700e18 + 1)
        );
        hub.requireInitialMargin(alice);
        usdcFeed.setAnswer(-1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 481_700e18, 481_700e18 + 1)
        );
        hub.requireInitialMargin(alice);
        consumer.setRequirement(alice, 481_700e18, 1);
        hub.requireInitialMargin(alice);
    }

    /// @dev An unpriced requirement cannot be checked: it reverts, even a zero one.
    function test_requireInitialMargin_revertsWhenRequirementUnpriced() public {
        consumer.setRequirement(alice, 1, 1);
        consumer.setUnpriced(true);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        hub.requireInitialMargin(alice);
        consumer.setRequirement(alice, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        hub.requireInitialMargin(alice);
    }

    function test_requireInitialMargin_noRequirementIgnoresPrices() public {
        vm.warp(block.timestamp + 30 days);
        hub.requireInitialMargin(alice);
        hub.requireInitialMargin(makeAddr("nobody"));
    }

    // ------------------------------------------------------------ isLiquidatable

    function test_isLiquidatable_belowMaintenance() public {
        consumer.setRequirement(alice, 0, LIQUIDATION);
        assertFalse(hub.isLiquidatable(alice));
        consumer.setRequirement(alice, 0, LIQUIDATION + 1);
        assertTrue(hub.isLiquidatable(alice));
    }

    function test_isLiquidatable_falseWithoutRequirement() public {
        vm.warp(block.timestamp + 30 days);
        assertFalse(hub.isLiquidatable(alice));
    }

    /// @dev After 1 h WETH and WBTC (heartbeat 1 h) are stale: they still count at their last
    /// answers, so the lapse alone changes nothing; a non-positive answer counts 0.
    function test_isLiquidatable_staleCollateralCountsAtLastAnswer() public {
        consumer.setRequirement(alice, 0, 990e18 + 1);
        assertFalse(hub.isLiquidatable(alice), "fresh: covered");
        vm.warp(block.timestamp + 1 hours + 1);
        assertFalse(hub.isLiquidatable(alice), "stale: still covered at the last answers");
        consumer.setRequirement(alice, 0, LIQUIDATION + 1);
        assertTrue(hub.isLiquidatable(alice), "underwater at the last answers");
        consumer.setRequirement(alice, 0, 990e18 + 1);
        ethFeed.setAnswer(0);
        btcFeed.setAnswer(-1);
        assertTrue(hub.isLiquidatable(alice), "non-positive answers count 0: only USDC's 990 is left");
        uint256 usdcOnly = 990e18;
        assertEq(hub.health(alice), usdcOnly * 1e18 / (usdcOnly + 1), "views agree");
    }

    function test_isLiquidatable_falseWhenRequirementUnpriced() public {
        consumer.setRequirement(alice, 0, LIQUIDATION + 1);
        assertTrue(hub.isLiquidatable(alice));
        consumer.setUnpriced(true);
        assertFalse(hub.isLiquidatable(alice));
    }

    // ------------------------------------------------------------ fuzz

    /// @dev Valuation is monotonic in every credit: more credit never lowers any figure.
    function testFuzz_collateralValue_monotonicInCredit(uint96 a, uint96 b) public {
        (uint96 lo, uint96 hi) = a <= b ? (a, b) : (b, a);
        address bob = makeAddr("bob");
        _credit(CHAIN_B, bob, wethB, lo, 2);
        (uint256 v1, uint256 adj1) = hub.collateralValue(bob);
        _credit(CHAIN_B, bob, wethB, hi, 3);
        (uint256 v2, uint256 adj2) = hub.collateralValue(bob);
        assertLe(v1, v2);
        assertLe(adj1, adj2);
        assertEq(v2, uint256(hi) * 2_000e8 / 1e8);
    }

    /// @dev The cap bounds what counts: value(min(credit, cap)).
    function testFuzz_collateralValue_respectsCap(uint64 credit) public {
        address bob = makeAddr("bob");
        _credit(CHAIN_A, bob, wbtcA, credit, 2);
        (uint256 v,) = hub.collateralValue(bob);
        uint256 counted = credit > 10e8 ? 10e8 : credit;
        assertEq(v, counted * 60_000e18 / 1e8);
    }
}
