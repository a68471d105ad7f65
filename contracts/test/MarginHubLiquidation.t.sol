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
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Liquidation end to end (PerpMarket position, price move, per-chain SEIZE packets,
/// bonus, bad debt) and the seize bookkeeping of the hub's credit sequencing.
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
    /// Owed = loss 2,000 + 5 % of 18,000 = 2,900; collateral (2,800) cannot cover it.
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
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 2_900e18, coveredUsdc + coveredWeth);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(logs);
        assertEq(packets.length, 2);
        _assertSeize(packets[0], dst[0], CHAIN_A, vaultA, 1, usdcA, 1_000e6, keeper, alice);
        _assertSeize(packets[1], dst[1], CHAIN_B, vaultB, 1, wethB, 1e18, keeper, alice);
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
        assertEq(out, 1_000e6);
        assertEq(last, 1);
        (out, last) = hub.outstanding(alice, CHAIN_B, wethB);
        assertEq(out, 1e18);
        assertEq(last, 1);
        assertEq(hub.outboundNonce(CHAIN_A), 1);
        assertEq(hub.outboundNonce(CHAIN_B), 1);
        assertFalse(hub.isLiquidatable(alice));
    }

    /// @dev bob: 12 WETH on B, short 100 ETH at $2,000; ETH rises to $2,130. Owed = loss 13,000 +
    /// 5 % of 213,000 = 23,650; WETH is worth 25,560, so the seize stops at owed·1.05.
    function test_liquidate_perpPartialSeizeCoversDebtWithBonus() public {
        _credit(CHAIN_B, bob, wethB, 12e18, 3);
        vm.prank(bob);
        perp.openPosition(-100e18);
        ethFeed.setAnswer(2_130e8);

        uint256 owed = 23_650e18;
        uint256 expectedAmount = Math.mulDiv(12e18, Math.mulDiv(owed, 10_500, 10_000), 25_560e18);
        vm.expectEmit(address(perp));
        emit IPerpMarket.PositionLiquidated(bob, -100e18, 2_000e18, 2_130e18, -13_000e18, owed);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(bob, address(perp), keeper, owed, owed);
        vm.recordLogs();
        vm.prank(keeper);
        perp.liquidate(bob);

        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1);
        _assertSeize(packets[0], dst[0], CHAIN_B, vaultB, 1, wethB, expectedAmount, keeper, bob);
        (uint256 bal,) = hub.creditedBalance(bob, CHAIN_B, wethB);
        assertEq(bal, 12e18 - expectedAmount);
        // the liquidator receives owed plus 5 % in value
        assertApproxEqAbs(Math.mulDiv(expectedAmount, 2_130e18, 1e18), Math.mulDiv(owed, 10_500, 10_000), 2_130);
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

    function test_liquidate_walksCollateralsInRegistrationOrder() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 100e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e17, 1);
        _credit(CHAIN_A, alice, wbtcA, 15e8, 1); // cap 10 WBTC counted
        c.setRequirement(alice, 0, type(uint128).max);
        c.setOwed(alice, 1_000_000e18);

        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidateTo(alice, bob);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 3);
        _assertSeize(packets[0], dst[0], CHAIN_A, vaultA, 1, usdcA, 100e6, bob, alice);
        _assertSeize(packets[1], dst[1], CHAIN_B, vaultB, 1, wethB, 1e17, bob, alice);
        _assertSeize(packets[2], dst[2], CHAIN_A, vaultA, 2, wbtcA, 10e8, bob, alice); // only the counted (capped) amount
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, wbtcA);
        assertEq(bal, 5e8);
        assertEq(c.liquidations(alice), 1);
    }

    function test_liquidate_stopsOnceOwedIsCovered() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        c.setRequirement(alice, 0, 5_000e18);
        c.setOwed(alice, 500e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 500e18, 500e18);
        vm.recordLogs();
        vm.prank(keeper);
        hub.liquidate(alice);
        (uint32[] memory dst, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        assertEq(packets.length, 1, "WETH untouched");
        _assertSeize(packets[0], dst[0], CHAIN_A, vaultA, 1, usdcA, 510e6, keeper, alice); // 500 + 2 %
    }

    function test_liquidate_nothingOwedSeizesNothing() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c.setRequirement(alice, 0, 5_000e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 0, 0);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(hub.outboundNonce(CHAIN_A), 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_000e6);
    }

    function test_liquidate_sumsOwedOverConsumers() public {
        MockConsumer c1 = _deployMockConsumer();
        MockConsumer c2 = _deployMockConsumer();
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        c1.setRequirement(alice, 0, 600e18);
        c2.setRequirement(alice, 0, 600e18);
        c1.setOwed(alice, 100e18);
        c2.setOwed(alice, 200e18);
        vm.expectEmit(address(hub));
        emit IMarginHub.Liquidated(alice, keeper, keeper, 300e18, 300e18);
        vm.prank(keeper);
        hub.liquidate(alice);
        assertEq(c1.liquidations(alice), 1);
        assertEq(c2.liquidations(alice), 1);
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

    function test_liquidate_revertsOnStalePrice() public {
        MockConsumer c = _deployMockConsumer();
        _credit(CHAIN_B, alice, wethB, 1e18, 1);
        c.setRequirement(alice, 0, 5_000e18);
        ethFeed.setRoundData(2_000e8, START_TIME - 1 hours - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_StalePrice.selector, address(ethFeed), START_TIME - 1 hours - 1, 1 hours)
        );
        hub.liquidate(alice);
        ethFeed.setAnswer(-5);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidPrice.selector, address(ethFeed), int256(-5)));
        hub.liquidate(alice);
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

    function test_applyLeaf_subtractsOutstandingUntilAcknowledged() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // seizes 102 USDC with nonce 1
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 898e6, "seize lowers the credit at once");

        // a deposit at the vault before the seize is applied there: 1,500 USDC, inboundNonce 0
        _creditLeaf(1_500e6, 2, 0);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_398e6, "outstanding subtracted");
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 102e6);
        assertEq(last, 1);

        // the vault applied the seize: 1,398 left, inboundNonce 1
        _creditLeaf(1_398e6, 3, 1);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 1_398e6);
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 0, "acknowledged: cleared");
        assertEq(last, 0);
    }

    function test_applyLeaf_outstandingFloorsAtZero() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(500e18); // 510 USDC
        _creditLeaf(300e6, 2, 0); // a figure already below what is outstanding
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 0);
    }

    function test_orderSeize_accumulatesUntilAcknowledged() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 102, nonce 1
        _seizeUsdc(200e18); // 204, nonce 2
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 306e6);
        assertEq(last, 2);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 694e6);

        // the vault applied only the first seize: the whole outstanding is still subtracted (conservative)
        _creditLeaf(898e6, 2, 1);
        (bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 592e6);
        (out, last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 306e6);
        assertEq(last, 2);
    }

    function test_orderSeize_overwritesClearedOutstanding() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 102, nonce 1
        _creditLeaf(898e6, 2, 1); // acknowledged
        _seizeUsdc(50e18); // 51, nonce 2
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, usdcA);
        assertEq(out, 51e6, "not 102 + 51");
        assertEq(last, 2);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 847e6);
    }

    function test_receiveWithdrawalRequest_subtractsOutstanding() public {
        _credit(CHAIN_A, alice, usdcA, 1_000e6, 1);
        _seizeUsdc(100e18); // 102, nonce 1
        // a request sent before the seize reached the vault: 1,000 − 100 requested
        _requestWithdrawal(CHAIN_A, alice, usdcA, 100e6, 900e6, 2, 0);
        (uint256 bal,) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(bal, 798e6);
        assertEq(hub.outboundNonce(CHAIN_A), 2, "seize 1, decision 2");
    }

    // ------------------------------------------------------------ helpers

    function _creditLeaf(uint256 balance, uint64 seq, uint64 inboundNonce) internal {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, alice, usdcA, balance, seq, inboundNonce);
        _submit(leaves);
    }

    function _assertSeize(
        bytes memory packet,
        uint32 dstEid,
        uint32 expectedEid,
        address vault,
        uint64 nonce,
        address token,
        uint256 amount,
        address recipient,
        address account
    ) internal view {
        assertEq(dstEid, expectedEid);
        MessageCodec.Header memory h = this.decodeHeader(packet);
        assertEq(h.nonce, nonce);
        assertEq(h.srcEid, hub.localEid());
        assertEq(h.sender, MessageCodec.addressToBytes32(address(hub)));
        assertEq(h.dstEid, expectedEid);
        assertEq(h.receiver, MessageCodec.addressToBytes32(vault));
        assertEq(this.messageTypeOf(packet), MessageCodec.SEIZE);
        MessageCodec.Seize memory s = this.decodeSeize(packet);
        assertEq(s.account, account);
        assertEq(s.token, token);
        assertEq(s.amount, amount);
        assertEq(s.recipient, recipient);
    }
}
