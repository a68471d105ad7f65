// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {PerpMarket} from "../src/PerpMarket.sol";
import {IAggregatorV3} from "../src/interfaces/IAggregatorV3.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {IPerpMarket} from "../src/interfaces/IPerpMarket.sol";
import {MockPriceFeed} from "../src/mocks/MockPriceFeed.sol";

/// @notice PerpMarket: trading, requirements, the hub's liquidation callback, and margining by
/// collateral credited from other chains.
/// @dev alice holds 1,000 USDC on chain A and 1 WETH on chain B: adjusted 2,680, liquidation 2,790.
contract PerpMarketTest is HubFixture {
    address internal alice = makeAddr("alice");
    address internal keeper = makeAddr("keeper");
    PerpMarket internal perp;

    function setUp() public override {
        super.setUp();
        perp = _deployPerp(1_000, 500);
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
    }

    // ------------------------------------------------------------ constructor and views

    function test_constructor_storesConfig() public view {
        assertEq(address(perp.hub()), address(hub));
        assertEq(address(perp.feed()), address(ethFeed));
        assertEq(perp.heartbeat(), 1 hours);
        assertEq(perp.initialMarginBps(), 1_000);
        assertEq(perp.maintenanceMarginBps(), 500);
        assertEq(perp.symbol(), "ETH-USD");
        assertEq(perp.owner(), owner);
    }

    function test_constructor_revertsOnInvalidConfig() public {
        IMarginHub h = IMarginHub(address(hub));
        vm.expectRevert(IPerpMarket.PerpMarket_InvalidConfig.selector);
        new PerpMarket(owner, IMarginHub(address(0)), ethFeed, 1, 1_000, 500, "X");
        vm.expectRevert(IPerpMarket.PerpMarket_InvalidConfig.selector);
        new PerpMarket(owner, h, IAggregatorV3(address(0)), 1, 1_000, 500, "X");
        vm.expectRevert(IPerpMarket.PerpMarket_InvalidConfig.selector);
        new PerpMarket(owner, h, ethFeed, 0, 1_000, 500, "X");
    }

    function test_constructor_revertsOnInvalidMargins() public {
        IMarginHub h = IMarginHub(address(hub));
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidMargins.selector, 1_000, 0));
        new PerpMarket(owner, h, ethFeed, 1, 1_000, 0, "X");
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidMargins.selector, 500, 501));
        new PerpMarket(owner, h, ethFeed, 1, 500, 501, "X");
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidMargins.selector, 10_001, 500));
        new PerpMarket(owner, h, ethFeed, 1, 10_001, 500, "X");
        new PerpMarket(owner, h, ethFeed, 1, 10_000, 10_000, "X"); // bounds are inclusive
    }

    function test_markPrice_freshWad() public {
        assertEq(perp.markPrice(), 2_000e18);
        MockPriceFeed feed18 = new MockPriceFeed(18, 1.5e18, "X / USD");
        PerpMarket p18 = new PerpMarket(owner, hub, feed18, 1 hours, 1_000, 500, "X-USD");
        assertEq(p18.markPrice(), 1.5e18);
    }

    function test_markPrice_revertsWhenStaleOrInvalid() public {
        vm.warp(block.timestamp + 1 hours + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpMarket.PerpMarket_StalePrice.selector, address(ethFeed), START_TIME, uint256(1 hours))
        );
        perp.markPrice();
        ethFeed.setAnswer(0);
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidPrice.selector, address(ethFeed), int256(0)));
        perp.markPrice();
    }

    // ------------------------------------------------------------ openPosition

    function test_openPosition_opensLongMarginedCrossChain() public {
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionOpened(alice, 10e18, 2_000e18, 10e18, 2_000e18);
        vm.prank(alice);
        perp.openPosition(10e18);
        IPerpMarket.Position memory p = perp.position(alice);
        assertEq(p.size, 10e18);
        assertEq(p.entryPriceWad, 2_000e18);
        IMarginHub.Margin memory m = hub.accountMargin(alice);
        assertEq(m.initialUsd, 2_000e18);
        assertEq(m.maintenanceUsd, 1_000e18);
    }

    function test_openPosition_growsWithWeightedEntry() public {
        vm.prank(alice);
        perp.openPosition(-1e18);
        ethFeed.setAnswer(2_300e8);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionOpened(alice, -2e18, 2_300e18, -3e18, 2_200e18);
        vm.prank(alice);
        perp.openPosition(-2e18);
        IPerpMarket.Position memory p = perp.position(alice);
        assertEq(p.size, -3e18);
        assertEq(p.entryPriceWad, 2_200e18);
    }

    function test_openPosition_revertsOnZeroSize() public {
        vm.prank(alice);
        vm.expectRevert(IPerpMarket.PerpMarket_ZeroSize.selector);
        perp.openPosition(0);
    }

    function test_openPosition_revertsOnOppositeSide() public {
        vm.startPrank(alice);
        perp.openPosition(1e18);
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_OppositeSide.selector, int256(1e18), int256(-1)));
        perp.openPosition(-1);
        vm.stopPrank();
    }

    function test_openPosition_revertsWithoutInitialMargin() public {
        // 14 ETH: initial 2,800 > adjusted 2,680
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 2_680e18, 2_800e18)
        );
        perp.openPosition(14e18);
        // 13.4 ETH: initial 2,680 exactly
        vm.prank(alice);
        perp.openPosition(13.4e18);
    }

    function test_openPosition_revertsWithoutCollateral() public {
        address nobody = makeAddr("nobody");
        vm.prank(nobody);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, nobody, 0, 200e18));
        perp.openPosition(1e18);
    }

    function test_openPosition_revertsOnStalePrice() public {
        ethFeed.setRoundData(2_000e8, block.timestamp - 1 hours - 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPerpMarket.PerpMarket_StalePrice.selector, address(ethFeed), block.timestamp - 1 hours - 1, uint256(1 hours)
            )
        );
        perp.openPosition(1e18);
    }

    function test_openPosition_revertsOnInvalidPrice() public {
        ethFeed.setAnswer(-2);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_InvalidPrice.selector, address(ethFeed), int256(-2)));
        perp.openPosition(1e18);
    }

    /// @dev The perp's feed is fresh, but the hub counts a held collateral without a fresh price as
    /// 0: with USDC stale only WETH's 1,700 counts, so 9 ETH (initial 1,800) are refused though
    /// 2,680 would cover them at fresh prices.
    function test_openPosition_staleHubCollateralCountsZero() public {
        usdcFeed.setRoundData(1e8, block.timestamp - 1 days - 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_InsufficientMargin.selector, alice, 1_700e18, 1_800e18)
        );
        perp.openPosition(9e18);
        vm.prank(alice);
        perp.openPosition(8.5e18); // initial 1,700: covered by WETH alone
        usdcFeed.setAnswer(1e8);
        vm.prank(alice);
        perp.openPosition(0.5e18); // 1,800 of 2,680
        assertEq(perp.position(alice).size, 9e18);
    }

    /// @dev Another consumer that cannot price its requirement blocks new positions (fail closed).
    function test_openPosition_revertsWhenAnotherRequirementUnpriced() public {
        MockConsumer other = _deployMockConsumer();
        other.setUnpriced(true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        perp.openPosition(1e18);
        other.setUnpriced(false);
        vm.prank(alice);
        perp.openPosition(1e18);
    }

    // ------------------------------------------------------------ closePosition

    function test_closePosition_lossBecomesDebt() public {
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_950e8);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionClosed(alice, 10e18, 2_000e18, 1_950e18, -500e18, 500e18);
        vm.prank(alice);
        perp.closePosition();
        assertEq(perp.position(alice).size, 0);
        assertEq(perp.debt(alice), 500e18);
        (uint256 ini, uint256 mnt,) = perp.marginRequirement(alice);
        assertEq(ini, 500e18);
        assertEq(mnt, 500e18);
    }

    function test_closePosition_profitRepaysDebtNotBelowZero() public {
        vm.startPrank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_950e8);
        perp.closePosition(); // debt 500
        perp.openPosition(-10e18);
        ethFeed.setAnswer(1_930e8);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionClosed(alice, -10e18, 1_950e18, 1_930e18, 200e18, 300e18);
        perp.closePosition();
        assertEq(perp.debt(alice), 300e18);
        perp.openPosition(-10e18);
        ethFeed.setAnswer(1_830e8);
        perp.closePosition(); // +1,000 > 300
        vm.stopPrank();
        assertEq(perp.debt(alice), 0);
    }

    function test_closePosition_revertsWithoutPosition() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_NoPosition.selector, alice));
        perp.closePosition();
    }

    function test_closePosition_revertsOnStalePrice() public {
        vm.prank(alice);
        perp.openPosition(1e18);
        vm.warp(block.timestamp + 1 hours + 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IPerpMarket.PerpMarket_StalePrice.selector, address(ethFeed), START_TIME, uint256(1 hours))
        );
        perp.closePosition();
    }

    // ------------------------------------------------------------ marginRequirement

    function test_marginRequirement_followsReadmeFormulas() public {
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_900e8);
        (uint256 ini, uint256 mnt, bool priced) = perp.marginRequirement(alice);
        assertTrue(priced);
        assertEq(ini, 1_900e18 + 1_000e18); // 10 % of 19,000 + loss
        assertEq(mnt, 950e18 + 1_000e18); // 5 % of 19,000 + loss
        ethFeed.setAnswer(2_100e8); // profit is not credited
        (ini, mnt,) = perp.marginRequirement(alice);
        assertEq(ini, 2_100e18);
        assertEq(mnt, 1_050e18);
    }

    /// @dev Finding 3a: a stale or non-positive answer still gives figures for views, but flagged
    /// unpriced so the hub's strict checks refuse them.
    function test_marginRequirement_staleOrNonPositiveIsUnpriced() public {
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setRoundData(1_900e8, block.timestamp - 1 days);
        (uint256 ini,, bool priced) = perp.marginRequirement(alice);
        assertEq(ini, 2_900e18, "stale answer shown as it is");
        assertFalse(priced, "stale is not priced");
        ethFeed.setAnswer(0);
        (uint256 ini0, uint256 mnt0, bool priced0) = perp.marginRequirement(alice);
        assertEq(ini0, 2_000e18, "entry price figures for views");
        assertEq(mnt0, 1_000e18);
        assertFalse(priced0, "non-positive is not priced");
    }

    function test_marginRequirement_withoutPositionIsPricedDebt() public view {
        (,, bool priced) = perp.marginRequirement(keeper);
        assertTrue(priced);
    }

    function test_settlementRecipient_defaultsToOwnerAndFollowsPerChainSetting() public {
        assertEq(perp.settlementRecipient(CHAIN_A), owner);
        address insurance = makeAddr("insurance");
        vm.prank(owner);
        perp.setSettlementRecipient(CHAIN_A, insurance);
        assertEq(perp.settlementRecipient(CHAIN_A), insurance);
        assertEq(perp.settlementRecipient(CHAIN_B), owner, "other chains keep the default");
        vm.prank(alice);
        vm.expectRevert();
        perp.setSettlementRecipient(CHAIN_A, alice);
        vm.prank(owner);
        vm.expectRevert(IPerpMarket.PerpMarket_InvalidConfig.selector);
        perp.setSettlementRecipient(0, address(0));
    }

    function test_marginRequirement_zeroWithoutPositionOrDebt() public view {
        (uint256 ini, uint256 mnt,) = perp.marginRequirement(keeper);
        assertEq(ini, 0);
        assertEq(mnt, 0);
    }

    // ------------------------------------------------------------ liquidation

    function test_onLiquidation_onlyHub() public {
        vm.expectRevert(abi.encodeWithSelector(IPerpMarket.PerpMarket_NotHub.selector, address(this)));
        perp.onLiquidation(alice, 10_000);
    }

    function test_onLiquidation_returnsOwedAndClears() public {
        vm.prank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_800e8);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 10e18, 2_000e18, 1_800e18, -2_000e18, 2_900e18);
        vm.prank(address(hub));
        uint256 owed = perp.onLiquidation(alice, 10_000);
        assertEq(owed, 2_900e18);
        assertEq(perp.position(alice).size, 0);
        assertEq(perp.position(alice).entryPriceWad, 0);
    }

    function test_onLiquidation_revertsOnStalePrice() public {
        vm.prank(alice);
        perp.openPosition(1e18);
        vm.warp(block.timestamp + 1 hours + 1);
        vm.prank(address(hub));
        vm.expectRevert(
            abi.encodeWithSelector(IPerpMarket.PerpMarket_StalePrice.selector, address(ethFeed), START_TIME, uint256(1 hours))
        );
        perp.onLiquidation(alice, 10_000);
    }

    function test_onLiquidation_nothingToCloseReturnsZero() public {
        vm.recordLogs();
        vm.prank(address(hub));
        assertEq(perp.onLiquidation(keeper, 10_000), 0);
        assertEq(vm.getRecordedLogs().length, 0);
    }

    /// @dev A closed loss (debt) with collateral that later loses value is liquidated too.
    function test_liquidate_debtOnlyAccount() public {
        vm.startPrank(alice);
        perp.openPosition(10e18);
        ethFeed.setAnswer(1_750e8);
        perp.closePosition(); // debt 2,500
        vm.stopPrank();
        assertFalse(hub.isLiquidatable(alice)); // liquidation 990 + 1,575
        ethFeed.setAnswer(1_600e8); // liquidation 990 + 1,440 < 2,500
        assertTrue(hub.isLiquidatable(alice));

        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(alice, 0, 0, 0, 0, 2_500e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, address(perp), keeper, 2_500e18, 2_500e18, 10_000);
        vm.recordLogs();
        vm.prank(keeper);
        perp.liquidate(alice);
        assertEq(perp.debt(alice), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0, "all USDC");
        // then WETH worth the rest plus its 5 % bonus
        uint256 remaining = 2_500e18 - Math.mulDiv(1_000e18, 10_000, 10_200);
        uint256 seized = Math.mulDiv(1e18, Math.mulDiv(remaining, 10_500, 10_000), 1_600e18);
        assertEq(seized, 0.997242647058823529e18);
        (bal,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(bal, 1e18 - seized);

        // per collateral: the debt's share to the perp's settlement address (its owner), the bonus to the keeper
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 4);
        _assertSeizePair(
            packets,
            dst,
            0,
            SeizePair({
                eid: CHAIN_A,
                vault: vaultA,
                nonce: 1,
                token: usdcA,
                account: alice,
                owedAmount: 980_392157,
                settlement: owner,
                bonusAmount: 19_607843,
                recipient: keeper
            })
        );
        _assertSeizePair(
            packets,
            dst,
            2,
            SeizePair({
                eid: CHAIN_B,
                vault: vaultB,
                nonce: 1,
                token: wethB,
                account: alice,
                owedAmount: 0.949754901960784314e18, // ceil(seized·10000/10500)
                settlement: owner,
                bonusAmount: 0.047487745098039215e18,
                recipient: keeper
            })
        );
    }

    function test_liquidate_forwardsHubErrors() public {
        vm.prank(alice);
        perp.openPosition(1e18);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 2_790e18, 100e18));
        perp.liquidate(alice);
    }

    // ------------------------------------------------------------ fuzz

    /// @dev The weighted entry lies between the old entry and the new price.
    function testFuzz_openPosition_entryBetweenPrices(uint64 size1, uint64 size2, uint32 price2) public {
        size1 = uint64(bound(size1, 1, 1e18));
        size2 = uint64(bound(size2, 1, 1e18));
        price2 = uint32(bound(price2, 1_000, 3_000));
        vm.prank(alice);
        perp.openPosition(int256(uint256(size1)));
        ethFeed.setAnswer(int256(uint256(price2)) * 1e8);
        vm.prank(alice);
        perp.openPosition(int256(uint256(size2)));
        uint256 entry = perp.position(alice).entryPriceWad;
        uint256 p2 = uint256(price2) * 1e18;
        uint256 first = 2_000e18;
        (uint256 lo, uint256 hi) = p2 < first ? (p2, first) : (first, p2);
        assertGe(entry, lo);
        assertLe(entry, hi);
        assertEq(perp.position(alice).size, int256(uint256(size1) + size2));
    }
}
