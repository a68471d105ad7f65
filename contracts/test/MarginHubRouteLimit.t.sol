// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MarginHubExtension} from "../src/MarginHubExtension.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Route damage limits: the hub's token bucket on the USD rise of credits per source chain.
/// USDC on chain A is priced at $1 (6 decimals), so 1e6 units rise the credit by 1e18 USD.
contract MarginHubRouteLimitTest is HubFixture {
    uint256 internal constant CAPACITY = 10_000e18;
    uint256 internal constant REFILL = 100e18;

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");

    function setUp() public override {
        super.setUp();
        vm.prank(owner);
        hub.setRouteLimit(CHAIN_A, CAPACITY, REFILL);
    }

    function _usdc(address account, uint256 dollars, uint64 seq) internal view returns (IMarginHub.Leaf memory) {
        return _leaf(CHAIN_A, account, usdcA, dollars * 1e6, seq, 0);
    }

    function _batch(IMarginHub.Leaf memory a) internal returns (bytes32) {
        IMarginHub.Leaf[] memory l = new IMarginHub.Leaf[](1);
        l[0] = a;
        return _submit(l);
    }

    function _batch(IMarginHub.Leaf memory a, IMarginHub.Leaf memory b, IMarginHub.Leaf memory c) internal returns (bytes32) {
        IMarginHub.Leaf[] memory l = new IMarginHub.Leaf[](3);
        (l[0], l[1], l[2]) = (a, b, c);
        return _submit(l);
    }

    function _credited(address account, address token) internal view returns (uint256 balance) {
        (balance,) = hub.creditedBalance(account, CHAIN_A, token);
    }

    function _available() internal view returns (uint256 available, uint256 waiting) {
        (,, available, waiting) = hub.routeLimit(CHAIN_A);
    }

    /// @dev A burst of 15,000 USD in one batch against a 10,000 USD bucket: whatever the leaves'
    /// order in the multiproof, two apply and one waits.
    function _burst() internal {
        _batch(_usdc(alice, 5_000, 1), _usdc(bob, 5_000, 1), _usdc(carol, 5_000, 1));
    }

    // ------------------------------------------------------------ the burst

    function test_burstAboveCapacity_appliesExactlyTheCapacity_restAfterRefill() public {
        _burst();
        uint256 total = _credited(alice, usdcA) + _credited(bob, usdcA) + _credited(carol, usdcA);
        (uint256 available, uint256 waiting) = _available();
        assertEq(total, 10_000e6, "applied exactly the capacity");
        assertEq(available, 0);
        assertEq(waiting, 1);

        // Too early: 40 s refill 4,000 < 5,000; nothing applies and nothing is lost.
        skip(40);
        assertEq(hub.applyWaiting(CHAIN_A, 10), 0);
        (, waiting) = _available();
        assertEq(waiting, 1);

        skip(10);
        vm.expectEmit(true, false, false, true, address(hub));
        emit IMarginHub.WaitingApplied(CHAIN_A, 1, 0);
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        total = _credited(alice, usdcA) + _credited(bob, usdcA) + _credited(carol, usdcA);
        assertEq(total, 15_000e6, "nothing lost");
        (available, waiting) = _available();
        assertEq(available, 0);
        assertEq(waiting, 0);
    }

    function test_burstWithPartialFit_creditsExactlyTheCapacity_restOverRefills() public {
        // Any order: one applies, the next is paid 4,000 of its 6,000 (credited at once, its seq
        // waits), the third waits whole.
        _batch(_usdc(alice, 6_000, 1), _usdc(bob, 6_000, 1), _usdc(carol, 6_000, 1));
        uint256 total = _credited(alice, usdcA) + _credited(bob, usdcA) + _credited(carol, usdcA);
        assertEq(total, 10_000e6, "exactly the capacity");
        skip(80); // 8,000 more
        hub.applyWaiting(CHAIN_A, 10);
        total = _credited(alice, usdcA) + _credited(bob, usdcA) + _credited(carol, usdcA);
        assertEq(total, 18_000e6, "exactly what the refill paid for");
        (uint256 available, uint256 waiting) = _available();
        assertEq(available, 0);
        assertEq(waiting, 0, "the last leaf applied whole");
    }

    function test_aRiseLargerThanTheCapacity_arrivesOverSeveralRefills() public {
        _batch(_usdc(alice, 25_000, 1));
        (uint256 balance, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(balance, 10_000e6, "the bucket's worth now");
        assertEq(seq, 0, "the leaf's seq waits with the rest");
        skip(100);
        assertEq(hub.applyWaiting(CHAIN_A, 1), 0, "paid in part again, not applied");
        assertEq(_credited(alice, usdcA), 20_000e6);
        skip(50);
        assertEq(hub.applyWaiting(CHAIN_A, 1), 1);
        (balance, seq) = hub.creditedBalance(alice, CHAIN_A, usdcA);
        assertEq(balance, 25_000e6);
        assertEq(seq, 1);
    }

    function test_waitingLeaf_emitsLeafWaitingNotBalanceCredited() public {
        _batch(_usdc(alice, 10_000, 1));
        vm.recordLogs();
        _batch(_usdc(bob, 1, 3));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool sawWaiting;
        for (uint256 i; i < logs.length; ++i) {
            assertTrue(logs[i].topics[0] != IMarginHub.BalanceCredited.selector, "no credit");
            if (logs[i].topics[0] == IMarginHub.LeafWaiting.selector) sawWaiting = true;
        }
        assertTrue(sawWaiting);
        (uint256 balance, uint64 seq, bool queued) = hub.waitingLeaf(bob, CHAIN_A, usdcA);
        assertEq(balance, 1e6);
        assertEq(seq, 3);
        assertTrue(queued);
        assertEq(_credited(bob, usdcA), 0);
    }

    function test_fifo_aSmallRiseWaitsBehindALargerOne() public {
        _batch(_usdc(alice, 9_000, 1));
        _batch(_usdc(bob, 5_000, 1)); // waits: 1,000 left
        _batch(_usdc(carol, 500, 1)); // would fit, but bob waits ahead of it
        assertEq(_credited(carol, usdcA), 0);
        (, uint256 waiting) = _available();
        assertEq(waiting, 2);

        skip(40); // 1,000 + 4,000 = 5,000: pays bob exactly, carol still waits
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        assertEq(_credited(bob, usdcA), 5_000e6);
        assertEq(_credited(carol, usdcA), 0);
        skip(5);
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        assertEq(_credited(carol, usdcA), 500e6);
    }

    function test_applyWaiting_boundedByMaxLeaves() public {
        _batch(_usdc(alice, 10_000, 1));
        _batch(_usdc(bob, 10, 1), _usdc(carol, 10, 1), _usdc(dave, 10, 1));
        skip(1);
        assertEq(hub.applyWaiting(CHAIN_A, 2), 2);
        (, uint256 waiting) = _available();
        assertEq(waiting, 1);
        assertEq(hub.applyWaiting(CHAIN_A, 0), 0);
        assertEq(hub.applyWaiting(CHAIN_A, 5), 1);
    }

    function test_aFallAppliesAtOnce_andSupersedesTheWaitingRise() public {
        _batch(_usdc(bob, 1_000, 1));
        _batch(_usdc(alice, 9_000, 1));
        _batch(_usdc(bob, 3_000, 2)); // waits
        // bob's vault balance then falls to 200 (seq 3): below his credit, so never limited.
        _batch(_usdc(bob, 200, 3));
        assertEq(_credited(bob, usdcA), 200e6);
        skip(100);
        // The waiting seq 1 is older than the credit: dropped, not applied.
        assertEq(hub.applyWaiting(CHAIN_A, 10), 0);
        assertEq(_credited(bob, usdcA), 200e6);
        (, bool queued) = _queued(bob);
        assertFalse(queued);
    }

    function test_aNewerRiseOfAWaitingKey_replacesItsFiguresInPlace() public {
        _batch(_usdc(alice, 10_000, 1));
        _batch(_usdc(bob, 3_000, 1));
        _batch(_usdc(bob, 3_500, 2));
        // An older or equal seq sent again (a relayer resending) changes nothing.
        _batch(_usdc(bob, 9_999, 2));
        (uint256 balance, uint64 seq, bool queued) = hub.waitingLeaf(bob, CHAIN_A, usdcA);
        assertEq(balance, 3_500e6);
        assertEq(seq, 2);
        assertTrue(queued);
        (, uint256 waiting) = _available();
        assertEq(waiting, 1);
        skip(35);
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        assertEq(_credited(bob, usdcA), 3_500e6);
    }

    /// @dev Found by the invariant run: an older figure that does not rise applies at once; the
    /// newer waiting figures still apply later.
    function test_anOlderFigureThatDoesNotRise_appliesWhileANewerOneWaits() public {
        _batch(_usdc(alice, 10_000, 1));
        _batch(_usdc(bob, 5_000, 3)); // waits
        _batch(_usdc(bob, 0, 2));
        (uint256 balance, uint64 seq) = hub.creditedBalance(bob, CHAIN_A, usdcA);
        assertEq(balance, 0);
        assertEq(seq, 2);
        skip(50);
        assertEq(hub.applyWaiting(CHAIN_A, 1), 1);
        (balance, seq) = hub.creditedBalance(bob, CHAIN_A, usdcA);
        assertEq(balance, 5_000e6);
        assertEq(seq, 3);
    }

    function _queued(address account) internal view returns (uint256 balance, bool queued) {
        (balance,, queued) = hub.waitingLeaf(account, CHAIN_A, usdcA);
    }

    // ------------------------------------------------------------ pricing the rise

    function test_rise_isPricedInUsd_perCollateral() public {
        // 0.1 WBTC at $60,000 = $6,000; then $4,001 of USDC no longer fits.
        _batch(_leaf(CHAIN_A, alice, wbtcA, 0.1e8, 1, 0));
        assertEq(_credited(alice, wbtcA), 0.1e8);
        (uint256 available,) = _available();
        assertEq(available, 4_000e18);
        _batch(_usdc(bob, 4_001, 1));
        assertEq(_credited(bob, usdcA), 4_000e6, "the bucket's worth, the rest waits");
        (, bool queued) = _queued(bob);
        assertTrue(queued);
    }

    function test_staleFeed_stillCharged_atItsLastAnswer() public {
        skip(2 hours); // btc heartbeat 1 h: stale
        _batch(_leaf(CHAIN_A, alice, wbtcA, 1e8, 1, 0)); // $60,000 at the stale answer
        // $10,000 of it at $60,000: a lapsed feed does not make a rise free.
        assertEq(_credited(alice, wbtcA), 16_666_666);
    }

    function test_feedWithoutAnswer_rise_waits_failClosed() public {
        btcFeed.setAnswer(0);
        _batch(_leaf(CHAIN_A, alice, wbtcA, 1, 1, 0));
        assertEq(_credited(alice, wbtcA), 0);
        btcFeed.setAnswer(60_000e18);
        assertEq(hub.applyWaiting(CHAIN_A, 1), 1);
        assertEq(_credited(alice, wbtcA), 1);
    }

    function test_tokenThatIsNotACollateral_risesFree() public {
        address other = makeAddr("other@A");
        _batch(_leaf(CHAIN_A, alice, other, 1e30, 1, 0));
        assertEq(_credited(alice, other), 1e30);
        (uint256 available,) = _available();
        assertEq(available, CAPACITY);
    }

    function test_otherRoutesAreNotLimited() public {
        _batch(_leaf(CHAIN_B, alice, wethB, 1_000e18, 1, 0)); // $2,000,000
        (uint256 balance,) = hub.creditedBalance(alice, CHAIN_B, wethB);
        assertEq(balance, 1_000e18);
    }

    // ------------------------------------------------------------ other entry points

    function test_lazyApplyLeaf_isMeteredToo() public {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](2);
        leaves[0] = _usdc(alice, 8_000, 1);
        leaves[1] = _usdc(bob, 8_000, 1);
        (bytes memory packet, bytes32 guid) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        hub.applyLeaf(guid, leaves[0], _leafProof(leaves, 0));
        hub.applyLeaf(guid, leaves[1], _leafProof(leaves, 1));
        assertEq(_credited(alice, usdcA), 8_000e6);
        assertEq(_credited(bob, usdcA), 2_000e6);
        (, bool queued) = _queued(bob);
        assertTrue(queued);
    }

    function test_withdrawalRequest_whoseFiguresWait_isRejected_creditUnchanged() public {
        MockConsumer consumer = _deployMockConsumer();
        _batch(_usdc(alice, 10_000, 1));
        skip(100); // refilled
        _batch(_usdc(bob, 100, 1));
        _batch(_usdc(carol, 9_850, 1)); // 50 left
        consumer.setRequirement(bob, 1, 1);
        // bob deposited 5,000 more at the vault (seq 2) and asks for 100 (seq 3): his figures rise by 4,900.
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, bob, usdcA, 100e6, 5_000e6, 3, 0);
        (bool approved, bool sawDecision) = _decision(vm.getRecordedLogs());
        assertTrue(sawDecision);
        assertFalse(approved, "waiting figures cannot approve");
        assertEq(_credited(bob, usdcA), 150e6, "raised by what the bucket paid for, no rejected amount added");
        (uint256 balance, bool queued) = _queued(bob);
        assertEq(balance, 5_000e6);
        assertTrue(queued);
    }

    function test_withdrawalRequest_whoseFiguresFall_isDecidedAsBefore() public {
        _deployMockConsumer();
        _batch(_usdc(alice, 10_000, 1));
        vm.recordLogs();
        _requestWithdrawal(CHAIN_A, alice, usdcA, 1_000e6, 9_000e6, 2, 0);
        (bool approved,) = _decision(vm.getRecordedLogs());
        assertTrue(approved);
        assertEq(_credited(alice, usdcA), 9_000e6);
    }

    function _decision(Vm.Log[] memory logs) internal pure returns (bool approved, bool seen) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IMarginHub.WithdrawalDecided.selector) {
                (,, approved,) = abi.decode(logs[i].data, (address, uint256, bool, bytes32));
                return (approved, true);
            }
        }
    }

    function test_waitingRise_appliedAfterASeize_stillSubtractsIt() public {
        MockConsumer consumer = _deployMockConsumer();
        _batch(_usdc(alice, 1_000, 1));
        skip(100);
        _batch(_usdc(bob, 9_500, 1)); // 500 left
        // alice's vault balance rises to 3,000 (seq 2, no command seen): waits.
        _batch(_usdc(alice, 3_000, 2)); // 500 paid now (credit 1,500), the rest waits
        // The hub seizes 204 of alice's credited 1,500 (200 owed + 2 % bonus): SEIZE nonces 1 and 2.
        consumer.setRequirement(alice, 2_000e18, 2_000e18);
        consumer.setOwed(alice, 200e18);
        hub.liquidate(alice);
        assertEq(_credited(alice, usdcA), 1_296e6);
        skip(100);
        // The waiting figures predate the SEIZE (inboundNonce 0): applied, they still subtract it.
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        assertEq(_credited(alice, usdcA), 3_000e6 - 204e6);
    }

    function test_whilePaused_applyWaitingReverts() public {
        vm.prank(guardian);
        hub.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        hub.applyWaiting(CHAIN_A, 1);
    }

    // ------------------------------------------------------------ configuration

    function test_setRouteLimit_bounds() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidRouteLimit.selector, CHAIN_A, 1e18, 0));
        hub.setRouteLimit(CHAIN_A, 1e18, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidRouteLimit.selector, CHAIN_A, 1e18, 2e18));
        hub.setRouteLimit(CHAIN_A, 1e18, 2e18);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidRouteLimit.selector, CHAIN_A, 0, 1));
        hub.setRouteLimit(CHAIN_A, 0, 1);
        uint256 tooBig = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidRouteLimit.selector, CHAIN_A, tooBig, 1));
        hub.setRouteLimit(CHAIN_A, tooBig, 1);
        hub.setRouteLimit(CHAIN_A, type(uint96).max, type(uint96).max);
        vm.stopPrank();
    }

    function test_setRouteLimit_onlyOwner_andOnlyThroughTheHub() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        hub.setRouteLimit(CHAIN_A, 1e18, 1e18);

        MarginHubExtension ext = new MarginHubExtension();
        vm.expectRevert(MarginHubExtension.MarginHubExtension_NotDelegated.selector);
        vm.prank(owner);
        ext.setRouteLimit(CHAIN_A, 1e18, 1e18);
    }

    function test_setRouteLimit_levelCappedAtANewCapacity_keptOnARaise_fullWhenNew() public {
        _batch(_usdc(alice, 4_000, 1)); // level 6,000
        vm.startPrank(owner);
        hub.setRouteLimit(CHAIN_A, 5_000e18, REFILL);
        (uint256 capacity, uint256 refill, uint256 available,) = hub.routeLimit(CHAIN_A);
        assertEq(capacity, 5_000e18);
        assertEq(refill, REFILL);
        assertEq(available, 5_000e18, "capped");
        hub.setRouteLimit(CHAIN_A, 20_000e18, REFILL);
        (,, available,) = hub.routeLimit(CHAIN_A);
        assertEq(available, 5_000e18, "kept on a raise");
        hub.setRouteLimit(CHAIN_B, 7e18, 1e18);
        (,, available,) = hub.routeLimit(CHAIN_B);
        assertEq(available, 7e18, "a new limit starts full");
        vm.stopPrank();
    }

    function test_liftingTheLimit_letsWaitingLeavesApply() public {
        _batch(_usdc(alice, 10_000, 1));
        _batch(_usdc(bob, 50_000, 1));
        vm.expectEmit(true, false, false, true, address(hub));
        emit IMarginHub.RouteLimitSet(CHAIN_A, 0, 0);
        vm.prank(owner);
        hub.setRouteLimit(CHAIN_A, 0, 0);
        _batch(_usdc(carol, 1_000_000, 1)); // no limit: applies at once
        assertEq(_credited(carol, usdcA), 1_000_000e6);
        assertEq(hub.applyWaiting(CHAIN_A, 10), 1);
        assertEq(_credited(bob, usdcA), 50_000e6);
    }

    // ------------------------------------------------------------ the bucket never pays more than it holds

    /// @dev Rises of random sizes at random times: what is credited never exceeds the capacity plus
    /// the refill since the limit was set, and every account is either credited what was sent or
    /// waits for exactly it.
    function testFuzz_creditedRiseBoundedByBucket(uint256 seed) public {
        uint256 sent;
        uint256 elapsed;
        for (uint256 i; i < 12; ++i) {
            seed = uint256(keccak256(abi.encode(seed, i)));
            uint256 dollars = 1 + (seed % 6_000);
            uint256 wait = (seed >> 128) % 30;
            skip(wait);
            elapsed += wait;
            _batch(_usdc(address(uint160(0x1000 + i)), dollars, 1));
            sent += dollars * 1e6;
            if (seed % 3 == 0) hub.applyWaiting(CHAIN_A, 4);
        }
        uint256 credited;
        uint256 owed;
        for (uint256 i; i < 12; ++i) {
            address a = address(uint160(0x1000 + i));
            uint256 c = _credited(a, usdcA);
            credited += c;
            (uint256 w, bool queued) = _queued(a);
            // Each account is credited in full, or waits (paid in part at most) for its figures.
            if (queued) assertLe(c, w);
            owed += queued ? w : c;
        }
        assertLe(credited * 1e12, CAPACITY + elapsed * REFILL, "never more than the bucket held");
        assertEq(owed, sent, "nothing lost");
    }
}
