// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AttackFixture} from "./utils/AttackFixture.sol";
import {MockConsumer} from "./utils/HubFixture.sol";
import {PerpMarket} from "../src/PerpMarket.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {MockPriceFeed} from "../src/mocks/MockPriceFeed.sol";

/// @notice The findings of the attacker's review of the hub (contracts/README.md, "Threat
/// model"), each replayed on a real hub and vault (chain A, USDC). Every test failed on the code
/// before its fix.
contract ReviewFindingsTest is AttackFixture {
    address internal settlement = makeAddr("settlement");

    function setUp() public override {
        super.setUp();
        consumer.setSettlement(settlement);
    }

    // ------------------------------------------------------------ helpers

    /// @dev Delivers the vault's current figures for `account`'s USDC to the hub as a batch leaf.
    function _syncLeaf(address account) internal {
        (uint256 balance,, uint64 seq, uint64 keyNonce) = vault.accountState(account, address(usdc));
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, account, address(usdc), balance, seq, keyNonce);
        _submit(leaves);
    }

    function _creditOf(address account) internal view returns (uint256 credit) {
        (credit,) = hub.creditedBalance(account, CHAIN_A, address(usdc));
    }

    /// @dev Liquidates `account` as `liquidator` paying `recipient`; returns the SEIZE packets.
    function _liquidate(address account, address liquidator, address recipient) internal returns (bytes[] memory packets) {
        vm.recordLogs();
        vm.prank(liquidator);
        hub.liquidateTo(account, recipient);
        (, packets) = _sentPackets(vm.getRecordedLogs());
    }

    // ------------------------------------------------------------ finding 2

    /// @dev Finding 2: one account's request that needs a stale price must not block the path.
    /// Alice planted 1 unit of a collateral whose feed went stale; her request is rejected and
    /// bob's request behind it (no position) is approved.
    function test_receiveWithdrawalRequest_stalePriceRejectsAndPathMoves() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        _credit(CHAIN_A, alice, wbtcA, 1, 1); // planted: 1 unit of WBTC
        consumer.setRequirement(alice, 100e18, 50e18);
        btcFeed.setRoundData(60_000e18, block.timestamp - 2 hours); // stale
        usdcFeed.setRoundData(1e8, block.timestamp - 2 days); // stale too: nothing is priced
        _deposit(bob, 100e6);

        bytes memory aliceCmd = _relayRequest(_requestAtVault(alice, 100e6));
        assertEq(this.messageTypeOf(aliceCmd), MessageCodec.REJECT_WITHDRAWAL, "alice rejected, not reverted");
        bytes memory bobCmd = _relayRequest(_requestAtVault(bob, 100e6));
        assertEq(this.messageTypeOf(bobCmd), MessageCodec.APPROVE_WITHDRAWAL, "bob behind her is answered");
        assertEq(hub.inboundNonce(CHAIN_A), 2);
    }

    /// @dev Finding 2: a feed whose `updatedAt` would overflow `updatedAt + heartbeat` must not
    /// make the hub revert either.
    function test_receiveWithdrawalRequest_feedNearUint256MaxStillAnswers() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 100e18, 50e18);
        usdcFeed.setRoundData(1e8, type(uint256).max);
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 100e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.APPROVE_WITHDRAWAL);
    }

    /// @dev Finding 2: a consumer whose requirement reverts gets the request rejected, not stalled.
    function test_receiveWithdrawalRequest_revertingConsumerRejects() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRevertRequirement(true);
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 100e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.REJECT_WITHDRAWAL);
    }

    // ------------------------------------------------------------ finding 3

    /// @dev Finding 3a: a perp feed that answers 0 made the requirement fall back to the entry
    /// price, so a losing trader's loss disappeared and withdrawals were approved.
    function test_receiveWithdrawalRequest_brokenPerpFeedRejects() public {
        PerpMarket perp = _deployPerp(1_000, 500);
        _deposit(alice, 3_000e6);
        _creditUsdc(alice, 3_000e6, 1);
        vm.prank(alice);
        perp.openPosition(10e18); // long 10 ETH at $2,000: $2,000 initial
        ethFeed.setAnswer(1_900e8); // −$1,000: initial $2,900 of $2,940 adjusted
        ethFeed.setAnswer(0); // the feed breaks
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 900e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.REJECT_WITHDRAWAL, "unpriced position: rejected");
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RequirementNotPriced.selector, alice));
        hub.requireInitialMargin(alice);
    }

    /// @dev Finding 3a: a stale perp answer is not a price either.
    function test_receiveWithdrawalRequest_stalePerpFeedRejects() public {
        PerpMarket perp = _deployPerp(1_000, 500);
        _deposit(alice, 3_000e6);
        _creditUsdc(alice, 3_000e6, 1);
        vm.prank(alice);
        perp.openPosition(1e18);
        vm.warp(block.timestamp + 1 hours + 1); // ETH feed heartbeat is 1 hour
        usdcFeed.setAnswer(1e8);
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 100e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.REJECT_WITHDRAWAL);
    }

    /// @dev Finding 3b: 1 unit of a stale-priced collateral made strict valuation revert, so an
    /// underwater account could not be liquidated. Now liquidation never reverts on a stale
    /// collateral: it counts at its last answer and is seized last.
    function test_liquidate_staleCollateralNeverBlocksAndIsSeizedLast() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        _credit(CHAIN_A, alice, wbtcA, 1e8, 1); // 1 WBTC, registered before USDC on chain A
        consumer.setRequirement(alice, 0, 100_000e18);
        consumer.setOwed(alice, 50_000e18);
        btcFeed.setRoundData(60_000e18, block.timestamp - 2 hours); // stale

        assertTrue(hub.isLiquidatable(alice), "underwater, stale WBTC and all");
        bytes[] memory packets = _liquidate(alice, keeper, keeper);
        // USDC (fresh) first: its debt share and bonus; then WBTC (stale, last) for the rest.
        assertEq(packets.length, 4);
        assertEq(this.decodeSeize(packets[0]).token, address(usdc), "fresh collateral first");
        assertEq(this.decodeSeize(packets[1]).token, address(usdc));
        assertEq(this.decodeSeize(packets[2]).token, wbtcA, "stale collateral last");
        assertEq(this.decodeSeize(packets[3]).token, wbtcA);
    }

    /// @dev Finding 3b, the other side: a collateral feed that merely lapses must not make a
    /// healthy account liquidatable (1,000 USDC against a $100 maintenance).
    function test_isLiquidatable_lapsedCollateralFeedKeepsHealthyAccountSafe() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 100e18, 100e18);
        vm.warp(block.timestamp + 1 days + 1); // the USDC feed's heartbeat lapses
        assertFalse(hub.isLiquidatable(alice));
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotLiquidatable.selector, alice, 990e18, 100e18));
        hub.liquidate(alice);
        // Letting her own money out still needs a fresh price.
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 10e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.REJECT_WITHDRAWAL);
    }

    // ------------------------------------------------------------ finding 4

    /// @dev Finding 4: the cap limits margin, not seizure. 15 WBTC credited with a cap of 10: a
    /// liquidation that owes more than all of it seizes all 15.
    function test_liquidate_seizesCreditAboveCapPerAccount() public {
        _credit(CHAIN_A, alice, wbtcA, 15e8, 1);
        consumer.setRequirement(alice, 0, type(uint128).max);
        consumer.setOwed(alice, 10_000_000e18);
        bytes[] memory packets = _liquidate(alice, keeper, keeper);
        uint256 seized;
        for (uint256 i; i < packets.length; ++i) {
            seized += this.decodeSeize(packets[i]).amount;
        }
        assertEq(seized, 15e8, "the whole credit, cap or not");
        (uint256 left,) = hub.creditedBalance(alice, CHAIN_A, wbtcA);
        assertEq(left, 0, "nothing left to withdraw");
    }

    // ------------------------------------------------------------ finding 5

    /// @dev Finding 5: `liquidateTo(self, self)` handed the trader all of the seized collateral.
    /// Now what is owed goes to the consumer's settlement address; the trader as liquidator gets
    /// only the bonus, and ends with less than before by at least the debt covered.
    function testFuzz_liquidateTo_selfLiquidationNeverProfits(uint256 depositAmount, uint256 owed) public {
        depositAmount = bound(depositAmount, 10e6, 1_000_000e6);
        owed = bound(owed, 1e18, 2_000_000e18);
        _deposit(alice, depositAmount);
        _creditUsdc(alice, depositAmount, 1);
        consumer.setRequirement(alice, 0, type(uint128).max);
        consumer.setOwed(alice, owed);

        uint256 before = usdc.balanceOf(alice) + depositAmount;
        bytes[] memory packets = _liquidate(alice, alice, alice);
        for (uint256 i; i < packets.length; ++i) {
            _deliverToVault(packets[i]);
        }
        (uint256 balance, uint256 pending,,) = vault.accountState(alice, address(usdc));
        uint256 afterTotal = usdc.balanceOf(alice) + balance + pending + vault.claimable(alice, address(usdc));
        uint256 paid = usdc.balanceOf(settlement);
        assertGt(paid, 0, "the consumer is paid");
        assertEq(afterTotal + paid, before, "nothing created or lost");
        // 1 USDC = $1 and 6 decimals: the consumer receives at least what the seizure covered.
        uint256 coveredUnits = Math.min(owed, depositAmount * 1e12 * 10_000 / 10_200) / 1e12;
        assertGe(paid + 1, coveredUnits, "the consumer receives what the seizure covered");
        assertLe(afterTotal, before - paid, "self-liquidation never leaves the owner better off");
    }

    /// @dev Finding 5: a consumer without a settlement address on a chain blocks nothing silently:
    /// the liquidation reverts with a named error instead of paying the liquidator.
    function test_liquidate_revertsWithoutSettlementRecipient() public {
        MockConsumer c = new MockConsumer(address(hub));
        vm.prank(owner);
        hub.removeConsumer(address(consumer));
        vm.prank(owner);
        hub.addConsumer(address(c));
        c.setSettlement(address(0));
        // MockConsumer falls back to itself when unset; a consumer answering 0 is refused.
        _credit(CHAIN_A, alice, wbtcA, 1e8, 1);
        c.setRequirement(alice, 0, type(uint128).max);
        c.setOwed(alice, 1e18);
        vm.mockCall(address(c), abi.encodeWithSelector(MockConsumer.settlementRecipient.selector), abi.encode(address(0)));
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NoSettlementRecipient.selector, address(c), uint64(CHAIN_A)));
        hub.liquidateTo(alice, keeper);
    }

    // ------------------------------------------------------------ finding 6

    /// @dev Finding 6a: after a rejection the hub adds the amount back; a newer leaf read before the
    /// vault applies the REJECT (after anyone's 1-wei `depositFor`) removed the add-back and made a
    /// solvent account liquidatable.
    function test_applyLeaf_keepsRejectAddBackUntilVaultApplies() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 2_000e18, 500e18); // cannot withdraw; maintenance $500
        bytes memory reject = _relayRequest(_requestAtVault(alice, 600e6));
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL);
        assertEq(_creditOf(alice), 1_000e6, "added back");

        // mallory pokes alice's key: a newer seq whose balance still excludes the 600 pending
        vm.chainId(CHAIN_A);
        usdc.mint(mallory, 1);
        vm.startPrank(mallory);
        usdc.approve(address(vault), 1);
        vault.depositFor(alice, address(usdc), 1);
        vm.stopPrank();
        vm.chainId(hubEid);
        _syncLeaf(alice);
        assertEq(_creditOf(alice), 1_000e6 + 1, "the rejected 600 still count");
        assertFalse(hub.isLiquidatable(alice), "solvent by the vault's truth");

        _deliverToVault(reject);
        _syncLeaf(alice);
        assertEq(_creditOf(alice), 1_000e6 + 1, "after the vault returned it: the leaf alone");
        (uint256 out, uint64 last) = hub.outstanding(alice, CHAIN_A, address(usdc));
        assertEq(out + last, 0, "nothing queued");
    }

    /// @dev Finding 6b: two seizes on one key were merged into one outstanding sum, so a leaf that
    /// acknowledged only the first subtracted both. Every liquidation now orders two seizes per
    /// collateral (debt share, bonus).
    function test_applyLeaf_subtractsOnlyUnappliedSeizes() public {
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 0, 2_000e18);
        consumer.setOwed(alice, 500e18);
        bytes[] memory packets = _liquidate(alice, keeper, keeper);
        assertEq(packets.length, 2, "debt share and bonus");
        uint256 second = this.decodeSeize(packets[1]).amount;
        uint256 creditAfter = _creditOf(alice);

        _deliverToVault(packets[0]); // the vault applies only the first
        _syncLeaf(alice);
        (uint256 vaultBalance,,,) = vault.accountState(alice, address(usdc));
        assertEq(_creditOf(alice), vaultBalance - second, "only the unapplied seize is subtracted");
        assertEq(_creditOf(alice), creditAfter, "equal to the vault's truth after both");

        _deliverToVault(packets[1]);
        _syncLeaf(alice);
        (vaultBalance,,,) = vault.accountState(alice, address(usdc));
        assertEq(_creditOf(alice), vaultBalance);
        assertEq(usdc.balanceOf(settlement) + usdc.balanceOf(keeper), 1_000e6 - vaultBalance);
    }

    // ------------------------------------------------------------ finding 7

    /// @dev Finding 7: `setVault` on a route with traffic left nonces and seqs behind.
    function test_setVault_revertsOnceRouteCarriedTraffic() public {
        _deposit(alice, 100e6);
        _creditUsdc(alice, 100e6, 1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RouteInUse.selector, CHAIN_A));
        hub.setVault(CHAIN_A, makeAddr("newVault"));
        vm.prank(owner);
        hub.setVault(CHAIN_B, makeAddr("newVaultB")); // chain B never carried anything
        assertEq(hub.vaultOf(CHAIN_B), makeAddr("newVaultB"));
    }

    /// @dev Finding 7: on an L2 hub, while the sequencer is down and for the grace period after,
    /// approvals are rejected, new positions refused and liquidations wait.
    function test_sequencerUptimeFeed_failsClosedUntilGraceEnds() public {
        MockPriceFeed uptime = new MockPriceFeed(0, 0, "L2 sequencer uptime");
        vm.prank(owner);
        hub.setSequencerUptimeFeed(address(uptime), 1 hours);
        _deposit(alice, 1_000e6);
        _creditUsdc(alice, 1_000e6, 1);
        consumer.setRequirement(alice, 100e18, 2_000e18);

        uptime.setAnswer(1); // down
        assertFalse(hub.isLiquidatable(alice), "no liquidation while down");
        vm.expectRevert(IMarginHub.MarginHub_SequencerDown.selector);
        hub.liquidate(alice);
        vm.expectRevert(IMarginHub.MarginHub_SequencerDown.selector);
        hub.requireInitialMargin(alice);
        bytes memory cmd = _relayRequest(_requestAtVault(alice, 10e6));
        assertEq(this.messageTypeOf(cmd), MessageCodec.REJECT_WITHDRAWAL, "rejected while down");

        uptime.setAnswer(0); // back up: the grace period starts now
        vm.warp(block.timestamp + 30 minutes);
        usdcFeed.setAnswer(1e8);
        vm.expectRevert(IMarginHub.MarginHub_SequencerDown.selector);
        hub.liquidate(alice);
        vm.warp(block.timestamp + 31 minutes);
        usdcFeed.setAnswer(1e8);
        assertTrue(hub.isLiquidatable(alice), "after the grace period");
        hub.liquidate(alice);
        (address feed, uint32 grace) = hub.sequencerUptimeFeed();
        assertEq(feed, address(uptime));
        assertEq(grace, 1 hours);
    }
}
