// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {PerpMarket} from "../src/PerpMarket.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IPerpMarket} from "../src/interfaces/IPerpMarket.sol";

/// @notice Liquidation end to end (PerpMarket position, price move, per-chain SEIZE packets: the
/// debt's share to the consumer's settlement address, the bonus to the liquidator; bad debt),
/// fail-closed pricing, and the seize queue of the hub's credit sequencing.
contract MarginHubLiquidationTest is HubFixture {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal keeper = makeAddr("keeper");
    PerpMarket internal perp;

    function setUp() public override {
        super.setUp();
        perp = _deployPerp(1_000, 500); // 10 % initial, 5 % maintenance
    }

    // ------------------------------------------------------------ end to end with PerpMarket

    /// @dev alice: 1,000 USDC on A + 1 WETH on B, long 10 ETH at $2,000; ETH drops to $1,800.
    /// Owed = loss 2,000 + 5 % of 18,000 = 2,900; collateral (2,800) cannot cover it. Each
    /// collateral is seized whole, split into the debt's share for the perp's settlement address
    /// (its owner by default) and the bonus for the liquidator: two commands per chain.
    function test_liquidate_perpPositionSeizesPerChainAndReportsBadDebt() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        vm.prank(alice);
        perp.openPosition(10e18);
        assertFalse(hub.isLiquidatable(alice));

        ethFeed.setAnswer(1_800e8);
        assertTrue(hub.isLiquidatable(alice));
        IMarginHub.Margin memory m = hub.accountMargin(alice);
        assertEq(m.liquidationUsd, 990e18 + 1_620e18);
        assertEq(m.maintenanceUsd, 2_900e18);

        uint256 coveredUsdc = Math.mulDiv(1_000e18, 10_000, 10_200); // all USDC, bonus 2 %
        uint256 coveredWeth = Math.mulDiv(1_800e18, 10_000, 10_500); // all WETH, bonus 5 %
        assertEq(coveredUsdc + coveredWeth, 2_694_677871148459383753);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 2_900e18, coveredUsdc + coveredWeth, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(logs);
        assertEq(packets.length, 4, "two commands per collateral");
        // 1,000 USDC = ceil(1,000·10000/10200) for the debt + the rest as bonus
        uint256 i = _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 980_392157, owner, 19_607843, keeper));
        // 1 WETH = ceil(1·10000/10500) for the debt + the rest as bonus
        _assertSeizePair(
            packets, dst, i, _wethPair(1, alice, 0.952380952380952381e18, owner, 0.047619047619047619e18, keeper)
        );
        assertGt(2_900e18, coveredUsdc + coveredWeth, "bad debt remains");

        // the position is closed and the credits are lowered at once
        IPerpMarket.Position memory p = perp.position(alice);
        assertEq(p.size, 0);
        assertEq(perp.debt(alice), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0);
        (bal,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 0);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 1_000e6, "both commands outstanding");
        assertEq(last, 2);
        (out, last) = hub.outstanding(alice, CHAIN_B, wethB);
        assertEq(out, 1e18);
        assertEq(last, 2);
        assertEq(hub.outboundNonce(CHAIN_A), 2);
        assertEq(hub.outboundNonce(CHAIN_B), 2);
        assertFalse(hub.isLiquidatable(alice));
    }

    /// @dev The perp's settlement address can differ per chain: chain B pays its own address,
    /// chain A (no setting) the default. The bonus still goes to the liquidator's recipient.
    function test_liquidate_paysSettlementRecipientPerChain() public {
        address insurance = makeAddr("insurance");
        vm.prank(owner);
        perp.setSettlementRecipient(CHAIN_B, insurance);
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_800e8);

        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidateTo(alice, bob);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 4);
        uint256 i = _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 980_392157, owner, 19_607843, bob));
        _assertSeizePair(
            packets, dst, i, _wethPair(1, alice, 0.952380952380952381e18, insurance, 0.047619047619047619e18, bob)
        );
    }

    /// @dev bob: 12 WETH on B, short 100 ETH at $2,000; ETH rises to $2,130. Owed = loss 13,000 +
    /// 5 % of 213,000 = 23,650; WETH is worth 25,560, so the seize stops at owed·1.05, of which
    /// the perp's settlement address gets the part worth the debt and the liquidator the 5 %.
    function test_liquidate_perpPartialSeizeCoversDebtWithBonus() public {
        _credit(CHAIN_B, bob, wethB, 12e18, 3);
        vm.prank(bob);
        perp.openPosition(-100e18);
        ethFeed.setAnswer(2_130e8);

        uint256 owed = 23_650e18;
        uint256 expectedAmount = Math.mulDiv(12e18, Math.mulDiv(owed, 10_500, 10_000), 25_560e18);
        assertEq(expectedAmount, 11.658450704225352112e18);
        uint256 owedAmount = Math.mulDiv(expectedAmount, 10_000, 10_500, Math.Rounding.Ceil);
        assertEq(owedAmount, 11.103286384976525821e18);
        uint256 bonusAmount = expectedAmount - owedAmount;
        assertEq(bonusAmount, 0.555164319248826291e18);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(bob, -100e18, 2_000e18, 2_130e18, -13_000e18, owed);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(bob, address(perp), keeper, owed, owed, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        perp.liquidate(bob);

        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 2);
        _assertSeizePair(packets, dst, 0, _wethPair(1, bob, owedAmount, owner, bonusAmount, keeper));
        (uint256 bal,) = hub.creditedBalance(bob, CHAIN_B, wethB);
        assertEq(bal, 12e18 - expectedAmount);
        (uint256 out, uint64 last) = hub.outstanding(bob, CHAIN_B, wethB);
        assertEq(out, expectedAmount);
        assertEq(last, 2);
        // the settlement address receives the debt's worth, the liquidator 5 % of it
        assertApproxEqAbs(Math.mulDiv(owedAmount, 2_130e18, 1e18), owed, 2_130);
        assertApproxEqAbs(Math.mulDiv(bonusAmount, 2_130e18, 1e18), Math.mulDiv(owed, 500, 10_000), 2_130);
    }

    function test_liquidate_perpRevertsWhenHealthy() public {
        _credit(CHAIN_B, bob, wethB, 12e18, 3);
        vm.prank(bob);
        perp.openPosition(-100e18);
        // at $2,000: liquidation 21,600 ≥ maintenance 10,000
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, bob, 21_600e18, 10_000e18));
        perp.liquidate(bob);
    }

    // ------------------------------------------------------------ hub rules with a mock consumer

    /// @dev Collaterals are walked in registration order (USDC, WETH, WBTC), each seized whole as
    /// a (debt share → consumer, bonus → recipient) pair. The cap limits margin, not seizure: all
    /// 15 WBTC credited are seized though only 10 count as margin.
    function test_liquidate_walksCollateralsInRegistrationOrder() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 100e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e17, 1);
        _credit(CHAIN_A, alice, wbtcA, 15e8, 1); // cap 10 WBTC counted
        c.setRequirement(alice, 0, type(uint128).max);
        c.setOwed(alice, 1_000_000e18);

        // covered: 100·10000/10200 + 200·10000/10500 + 900,000·10000/10800 (WBTC valued on all 15)
        uint256 covered = Math.mulDiv(100e18, 10_000, 10_200) + Math.mulDiv(200e18, 10_000, 10_500)
            + Math.mulDiv(900_000e18, 10_000, 10_800);
        assertEq(covered, 833_621_848739495798319326);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, bob, 1_000_000e18, covered, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidateTo(alice, bob);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 6);
        address settlement = address(c);
        uint256 i = _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 98_039216, settlement, 1_960784, bob));
        i = _assertSeizePair(
            packets, dst, i, _wethPair(1, alice, 0.095238095238095239e18, settlement, 0.004761904761904761e18, bob)
        );
        _assertSeizePair(
            packets,
            dst,
            i,
            SeizePair({
                eid: CHAIN_A,
                vault: vaultA,
                nonce: 3,
                token: wbtcA,
                account: alice,
                owedAmount: 13_88888889, // ceil(15·10000/10800) WBTC
                settlement: settlement,
                bonusAmount: 1_11111111,
                recipient: bob
            })
        );
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, wbtcA);
        assertEq(bal, 0, "the whole credit, beyond the cap");
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, wbtcA);
        assertEq(out, 15e8);
        assertEq(last, 4);
        assertEq(c.liquidations(alice), 1);
    }

    function test_liquidate_stopsOnceOwedIsCovered() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        c.setRequirement(alice, 0, 5_000e18);
        c.setOwed(alice, 500e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 500e18, 500e18, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 2, "WETH untouched");
        // 510 USDC (500 + 2 %): 500 to the consumer, 10 to the liquidator
        _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 500e6, address(c), 10e6, keeper));
        assertEq(hub.outboundNonce(CHAIN_B), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 490e6);
        (bal,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 1e18);
    }

    /// @dev Without a bonus the whole seize pays the debt: one command, to the consumer.
    function test_liquidate_zeroBonusOrdersOnlyTheDebtShare() public {
        vm.prank(owner);
        hub.setCollateral(CHAIN_A, usdcA, _config(address(usdcFeed), 1 days, 6, 200, 9_900, 0, 0));
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c.setRequirement(alice, 0, 5_000e18);
        c.setOwed(alice, 500e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 500e18, 500e18, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1, "no bonus command");
        _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 500e6, address(c), 0, keeper));
        assertEq(hub.outboundNonce(CHAIN_A), 1);
    }

    /// @dev A seize of one token unit rounds its debt share up to the whole unit: no bonus command.
    function test_liquidate_dustSeizeGoesWhollyToTheConsumer() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1, 1);
        c.setRequirement(alice, 0, 1e18);
        c.setOwed(alice, 1e18);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1);
        _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 1, address(c), 0, keeper));
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0);
    }

    function test_liquidate_nothingOwedSeizesNothing() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c.setRequirement(alice, 0, 5_000e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 0, 0, 10_000);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(hub.outboundNonce(CHAIN_A), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
    }

    /// @dev Each consumer is paid from the collateral in turn, to its own settlement address
    /// (c2 names one; c1 defaults to itself); each pair's bonus goes to the liquidator.
    function test_liquidate_sumsOwedOverConsumers() public {
        MockConsumer c1 = _deployMockConsumer();
        MockConsumer c2 = _deployMockConsumer();
        address insurance = makeAddr("insurance");
        c2.setSettlement(insurance);
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c1.setRequirement(alice, 0, 600e18);
        c2.setRequirement(alice, 0, 600e18);
        c1.setOwed(alice, 100e18);
        c2.setOwed(alice, 200e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 300e18, 300e18, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 4);
        uint256 i = _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 100e6, address(c1), 2e6, keeper));
        _assertSeizePair(packets, dst, i, _usdcPair(3, alice, 200e6, insurance, 4e6, keeper));
        assertEq(c1.liquidations(alice), 1);
        assertEq(c2.liquidations(alice), 1);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 694e6);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 306e6);
        assertEq(last, 4);
    }

    function test_liquidate_revertsWhenNotLiquidatable() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 990e18, 0));
        hub.liquidate(alice);
        c.setRequirement(alice, 0, 990e18); // liquidation == maintenance is not below it
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 990e18, 990e18));
        hub.liquidate(alice);
    }

    /// @dev A stale ETH price leaves WETH counted at its last answer: a lapsed feed does not make
    /// the account (worth $1,800 ≥ $1,000) liquidatable. When it is underwater at that answer too,
    /// the seize is sized at it: 525 / 2,000 WETH = 0.25 debt + 0.0125 bonus.
    function test_liquidate_staleCollateralAtLastAnswerAndSeizedAtIt() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        c.setRequirement(alice, 0, 1_000e18);
        c.setOwed(alice, 500e18);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 1_800e18, 1_000e18));
        hub.liquidate(alice);

        ethFeed.setRoundData(2_000e8, START_TIME - 1 hours - 1);
        assertFalse(hub.isLiquidatable(alice), "a lapsed feed does not make a healthy account liquidatable");
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 1_800e18, 1_000e18));
        hub.liquidate(alice);

        c.setRequirement(alice, 0, 2_000e18); // underwater at the last answer too
        assertTrue(hub.isLiquidatable(alice));
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 500e18, 500e18, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 2);
        _assertSeizePair(packets, dst, 0, _wethPair(1, alice, 0.25e18, address(c), 0.0125e18, keeper));
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 0.7375e18);
    }

    /// @dev A non-positive price counts WETH as 0 and prices nothing to seize: the debt stays uncovered.
    function test_liquidate_nonPositivePriceSeizesNothing() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        c.setRequirement(alice, 0, 1_000e18);
        c.setOwed(alice, 500e18);
        ethFeed.setAnswer(-5);
        assertTrue(hub.isLiquidatable(alice));
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 500e18, 0, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 0);
        assertEq(hub.outboundNonce(CHAIN_B), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 1e18);
        assertEq(c.liquidations(alice), 1, "the position is closed all the same");
    }

    /// @dev Fresh-priced collaterals are seized first in registration order (USDC, then WBTC),
    /// then those with only a stale positive answer (WETH, registered before WBTC).
    function test_liquidate_seizesFreshCollateralsBeforeStale() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 100e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        _credit(CHAIN_A, alice, wbtcA, 1e8, 1);
        c.setRequirement(alice, 0, 70_000e18); // fresh liquidation value 99 + 51,000 once ETH is stale
        c.setOwed(alice, 70_000e18);
        ethFeed.setRoundData(2_000e8, START_TIME - 1 hours - 1);

        uint256 covered = Math.mulDiv(100e18, 10_000, 10_200) + Math.mulDiv(60_000e18, 10_000, 10_800)
            + Math.mulDiv(2_000e18, 10_000, 10_500);
        assertEq(covered, 57_558_356676003734827262);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 70_000e18, covered, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 6);
        uint256 i = _assertSeizePair(packets, dst, 0, _usdcPair(1, alice, 98_039216, address(c), 1_960784, keeper));
        i = _assertSeizePair(
            packets,
            dst,
            i,
            SeizePair({
                eid: CHAIN_A,
                vault: vaultA,
                nonce: 3,
                token: wbtcA,
                account: alice,
                owedAmount: 92592593, // ceil(1·10000/10800) WBTC
                settlement: address(c),
                bonusAmount: 7407407,
                recipient: keeper
            })
        );
        _assertSeizePair(
            packets, dst, i, _wethPair(1, alice, 0.952380952380952381e18, address(c), 0.047619047619047619e18, keeper)
        );
    }

    /// @dev A consumer whose requirement is not priced blocks liquidation (fail closed).
    function test_liquidate_revertsWhenRequirementUnpriced() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c.setRequirement(alice, 0, 5_000e18);
        c.setOwed(alice, 500e18);
        c.setUnpriced(true);
        assertFalse(hub.isLiquidatable(alice));
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(c.liquidations(alice), 0);
        assertEq(hub.outboundNonce(CHAIN_A), 0);

        c.setUnpriced(false);
        assertTrue(hub.isLiquidatable(alice));
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(c.liquidations(alice), 1);
    }

    /// @dev The perp's requirement is unpriced while its ETH feed is stale: no liquidation through
    /// the hub or the perp until the feed is fresh again.
    function test_liquidate_perpStaleFeedRevertsUnpriced() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_800e8);
        assertTrue(hub.isLiquidatable(alice));

        vm.warp(block.timestamp + 1 hours + 1); // ETH stale, USDC (1 day) fresh
        assertFalse(hub.isLiquidatable(alice));
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        vm.prank(keeper);
        hub.liquidate(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        vm.prank(keeper);
        perp.liquidate(alice);
        assertEq(perp.position(alice).size, 10e18);

        ethFeed.setAnswer(1_800e8);
        assertTrue(hub.isLiquidatable(alice));
    }

    function test_liquidateTo_revertsOnZeroRecipient() public {
        vm.expectRevert(IMarginHub.MarginHub_ZeroAddress.selector);
        hub.liquidateTo(alice, address(0));
    }

    function test_liquidate_revertsWhenPaused() public {
        vm.prank(guardian);
        hub.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.liquidate(alice);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.liquidateTo(alice, keeper);
    }

    function test_liquidate_rejectsReentrantConsumer() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c.setRequirement(alice, 0, 5_000e18);
        c.setReenter(true);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        hub.liquidate(alice);
    }

    // ------------------------------------------------------------ sequencing around seizes

    function _seizeUsdc(uint256 owedUsd) internal returns (MockConsumer c) {
        c = _deployMockConsumerOnce();
        c.setRequirement(alice, 0, type(uint128).max);
        c.setOwed(alice, owedUsd);
        vm.prank(keeper);
        hub.liquidate(alice);
    }

    MockConsumer private _mock;

    function _deployMockConsumerOnce() internal returns (MockConsumer) {
        if (address(_mock) == address(0)) _mock = _deployMockConsumer();
        return _mock;
    }

    /// @dev A liquidation owing 100 orders SEIZE 1 (100 to the consumer) and SEIZE 2 (the 2 bonus).
    /// A leaf subtracts exactly the seizes it does not acknowledge, one at a time.
    function test_applyLeaf_subtractsOutstandingUntilAcknowledged() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // seizes 100 (nonce 1) + 2 (nonce 2)
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 898e6, "seize lowers the credit at once");
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 102e6);
        assertEq(last, 2);

        // a deposit at the vault before either seize is applied there: 1,500 USDC, inboundNonce 0
        _creditLeaf(1_500e6, 2, 0);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_398e6, "both seizes subtracted");
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 102e6);
        assertEq(last, 2);

        // the vault applied the debt's seize only: 1,400 left, inboundNonce 1
        _creditLeaf(1_400e6, 3, 1);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_398e6, "only the bonus seize subtracted");
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 2e6, "the acknowledged seize left the queue");
        assertEq(last, 2);

        // the vault applied both: 1,398 left, inboundNonce 2
        _creditLeaf(1_398e6, 4, 2);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_398e6);
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0, "acknowledged: cleared");
        assertEq(last, 0);
    }

    function test_applyLeaf_outstandingFloorsAtZero() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(500e18); // 500 + 10 USDC
        _creditLeaf(300e6, 2, 0); // a figure already below what is outstanding
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 510e6, "the queue is kept");
        assertEq(last, 2);
    }

    /// @dev Two liquidations queue four seizes; a leaf that acknowledges the first liquidation's
    /// two subtracts only the second's (204), not all 306.
    function test_orderSeize_queuesEachSeizeUntilAcknowledged() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 100 (nonce 1) + 2 (nonce 2)
        _seizeUsdc(200e18); // 200 (nonce 3) + 4 (nonce 4)
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 306e6);
        assertEq(last, 4);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 694e6);

        // the vault applied the first liquidation's seizes: 898 left, seq 3, inboundNonce 2
        _creditLeaf(898e6, 3, 2);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 694e6, "898 - 204");
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 204e6);
        assertEq(last, 4);

        // then the second's debt seize: 698 left, inboundNonce 3
        _creditLeaf(698e6, 4, 3);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 694e6, "698 - 4");
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 4e6);
        assertEq(last, 4);
    }

    /// @dev Once a leaf acknowledged every seize the queue is empty; a later liquidation queues
    /// only its own seizes.
    function test_orderSeize_afterAcknowledgementQueuesOnlyNewSeizes() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 100 (nonce 1) + 2 (nonce 2)
        _creditLeaf(898e6, 3, 2); // both acknowledged
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0);
        assertEq(last, 0);
        _seizeUsdc(50e18); // 50 (nonce 3) + 1 (nonce 4)
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 51e6, "not 102 + 51");
        assertEq(last, 4);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 847e6);
    }

    function test_receiveWithdrawalRequest_subtractsOutstanding() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 100 (nonce 1) + 2 (nonce 2)
        // a request sent before the seizes reached the vault: 1,000 − 100 requested
        _requestWithdrawal(CHAIN_A, alice, usdcA, 100e6, 900e6, 2, 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 798e6);
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 102e6, "an approval queues nothing");
        assertEq(last, 2);
        assertEq(hub.outboundNonce(CHAIN_A), 3, "seizes 1 and 2, decision 3");
    }

    // ------------------------------------------------------------ helpers

    function _creditLeaf(uint256 balance, uint64 seq, uint64 inboundNonce) internal {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, balance, seq, inboundNonce);
        _submit(leaves);
    }

    function _usdcPair(
        uint64 nonce,
        address account,
        uint256 owedAmount,
        address settlement,
        uint256 bonusAmount,
        address recipient
    ) internal view returns (SeizePair memory) {
        return SeizePair({
            eid: CHAIN_A,
            vault: vaultA,
            nonce: nonce,
            token: usdcA,
            account: account,
            owedAmount: owedAmount,
            settlement: settlement,
            bonusAmount: bonusAmount,
            recipient: recipient
        });
    }

    function _wethPair(
        uint64 nonce,
        address account,
        uint256 owedAmount,
        address settlement,
        uint256 bonusAmount,
        address recipient
    ) internal view returns (SeizePair memory) {
        return SeizePair({
            eid: CHAIN_B,
            vault: vaultB,
            nonce: nonce,
            token: wethB,
            account: account,
            owedAmount: owedAmount,
            settlement: settlement,
            bonusAmount: bonusAmount,
            recipient: recipient
        });
    }
}
