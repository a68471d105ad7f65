// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {CollateralVaultBase} from "./CollateralVault.Base.t.sol";

/// @notice Release limits (issue 21, 1b): per token a bucket of `capacity` refilling
/// `refillPerSecond`; a release pays now at most what the bucket holds, the rest waits in a FIFO
/// queue paid by `processReleases`. Commands still apply at once and in order.
contract CollateralVaultReleaseLimitTest is CollateralVaultBase {
    uint128 internal constant CAPACITY = 100e6;
    uint128 internal constant REFILL = 1e6; // per second: empty to full in 100 s

    address internal carol = makeAddr("carol");
    /// @dev Σ of every release the commands ordered (paid now, claimed or queued).
    uint256 internal releasedSum;

    function setUp() public override {
        super.setUp();
        _deposit(alice, 3_000e6);
        _deposit(bob, 1_000e6);
    }

    // ---------------------------------------------------------------- helpers

    function _limit(uint128 capacity, uint128 refill) internal {
        vm.prank(owner);
        vault.setReleaseLimit(address(usdc), capacity, refill);
    }

    /// @dev `who` requests `amount` and the hub approves it with command `nonce`.
    function _withdraw(uint64 nonce, address who, uint256 amount) internal {
        _request(who, amount);
        _apply(nonce, _approveBody(who, amount, nonce));
        releasedSum += amount;
    }

    /// @dev The hub seizes `amount` of `from` (all in balance) to `to` with command `nonce`.
    function _seize(uint64 nonce, address from, uint256 amount, address to) internal {
        _apply(nonce, _seizeBody(from, amount, to));
        releasedSum += amount;
    }

    function _available() internal view returns (uint256 available) {
        (,, available,,) = vault.releaseLimit(address(usdc));
    }

    function _queued() internal view returns (uint256 entries, uint256 amount) {
        (,,, entries, amount) = vault.releaseLimit(address(usdc));
    }

    /// @dev Paid out to the recipients in this file (transferred, or owed as a claim).
    function _paid() internal view returns (uint256 paid) {
        address[3] memory who = [alice, bob, liquidator];
        for (uint256 i; i < who.length; ++i) {
            paid += usdc.balanceOf(who[i]) + vault.claimable(who[i], address(usdc));
        }
        paid += usdc.balanceOf(carol) + vault.claimable(carol, address(usdc));
    }

    /// @dev Nothing lost: paid + queued == released, and the vault holds every figure it owes.
    function _assertNothingLost() internal view {
        assertEq(_paid() + vault.totalQueued(address(usdc)), releasedSum, "paid + queued == released");
        assertEq(
            usdc.balanceOf(address(vault)),
            _total() + vault.totalClaimable(address(usdc)) + vault.totalQueued(address(usdc)),
            "vault balance == deposited + claimable + queued"
        );
    }

    function _expectQueued(address to, uint256 amount, uint256 index) internal {
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.ReleaseQueued(address(usdc), to, amount, index);
    }

    function _expectProcessed(address to, uint256 amount, uint256 index) internal {
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.ReleaseProcessed(address(usdc), to, amount, index);
    }

    // ---------------------------------------------------------------- bursts and the queue

    function test_receiveCommand_burstAboveCapacityPaysCapacityAndQueuesRest() public {
        _limit(CAPACITY, REFILL);
        _request(alice, 250e6);
        _expectQueued(alice, 150e6, 0);
        _apply(1, _approveBody(alice, 250e6, 1));
        releasedSum += 250e6;

        assertEq(usdc.balanceOf(alice), 100e6, "exactly the capacity now");
        // The command applied in full: state, seq, nonces and totalDeposited as without a limit.
        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 2_750e6);
        assertEq(pending, 0);
        assertEq(seq, 3);
        assertEq(nonce, 1);
        assertEq(vault.inboundNonce(), 1);
        assertEq(_total(), 3_750e6);
        (uint256 capacity, uint256 refill, uint256 available, uint256 entries, uint256 queued) =
            vault.releaseLimit(address(usdc));
        assertEq(capacity, CAPACITY);
        assertEq(refill, REFILL);
        assertEq(available, 0, "bucket spent");
        assertEq(entries, 1);
        assertEq(queued, 150e6);
        (address to, uint256 owed) = vault.queuedRelease(address(usdc), 0);
        assertEq(to, alice);
        assertEq(owed, 150e6);
        assertEq(vault.releaseQueueHead(address(usdc)), 0);
        _assertNothingLost();
    }

    function test_processReleases_paysRestAfterRefillInOrder() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 250e6); // 100 now, 150 queued at 0
        _expectQueued(liquidator, 60e6, 1);
        _seize(2, bob, 60e6, liquidator); // bucket empty: all 60 queued at 1
        assertEq(usdc.balanceOf(liquidator), 0);
        assertEq(vault.processReleases(address(usdc), 10), 0, "nothing before a refill");

        vm.warp(block.timestamp + 100);
        _expectProcessed(alice, 100e6, 0);
        assertEq(vault.processReleases(address(usdc), 10), 100e6);
        assertEq(usdc.balanceOf(alice), 200e6);
        (address to, uint256 owed) = vault.queuedRelease(address(usdc), 0);
        assertEq(to, alice, "a partly paid head stays at the head");
        assertEq(owed, 50e6);
        assertEq(usdc.balanceOf(liquidator), 0, "the second waits behind the first");
        _assertNothingLost();

        vm.warp(block.timestamp + 100);
        _expectProcessed(alice, 50e6, 0);
        _expectProcessed(liquidator, 50e6, 1);
        assertEq(vault.processReleases(address(usdc), 10), 100e6);
        assertEq(vault.releaseQueueHead(address(usdc)), 1);

        vm.warp(block.timestamp + 10);
        assertEq(vault.processReleases(address(usdc), 10), 10e6);
        assertEq(usdc.balanceOf(alice), 250e6);
        assertEq(usdc.balanceOf(liquidator), 60e6);
        (uint256 entries, uint256 queued) = _queued();
        assertEq(entries, 0);
        assertEq(queued, 0);
        assertEq(vault.releaseQueueHead(address(usdc)), 2);
        _assertNothingLost();
    }

    function test_receiveCommand_nothingOvertakesWaitingReleases() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 250e6); // 150 waits
        vm.warp(block.timestamp + 50);
        assertEq(_available(), 50e6);
        // The bucket holds 50, but alice's 150 waits: the 10 joins the queue behind it.
        _expectQueued(liquidator, 10e6, 1);
        _seize(2, bob, 10e6, liquidator);
        assertEq(usdc.balanceOf(liquidator), 0, "did not overtake");
        assertEq(_available(), 50e6, "the bucket was not spent");
        vault.processReleases(address(usdc), 10);
        assertEq(usdc.balanceOf(alice), 150e6, "the head takes all the bucket holds");
        assertEq(usdc.balanceOf(liquidator), 0);
        _assertNothingLost();
    }

    function test_processReleases_entryAboveCapacityDrainsOverRefills() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 450e6); // 100 now, 350 queued
        uint256 rounds;
        while (vault.totalQueued(address(usdc)) != 0) {
            // A long wait still refills only up to the capacity.
            vm.warp(block.timestamp + 1_000);
            uint256 queuedBefore = vault.totalQueued(address(usdc));
            uint256 paid = vault.processReleases(address(usdc), 1);
            assertEq(paid, _min(queuedBefore, CAPACITY), "each refill pays at most the capacity");
            ++rounds;
            _assertNothingLost();
        }
        assertEq(rounds, 4, "100 + 100 + 100 + 50");
        assertEq(usdc.balanceOf(alice), 450e6);
    }

    function test_processReleases_blocklistedHeadBecomesClaimAndQueueMoves() public {
        _limit(CAPACITY, REFILL);
        _seize(1, alice, 150e6, carol); // 100 now (transferred), 50 queued at 0
        _withdraw(2, bob, 30e6); // queued at 1
        usdc.setBlocked(carol, true);

        vm.warp(block.timestamp + 100);
        _expectProcessed(carol, 50e6, 0);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.ClaimRecorded(carol, address(usdc), 50e6);
        _expectProcessed(bob, 30e6, 1);
        assertEq(vault.processReleases(address(usdc), 10), 80e6);

        assertEq(usdc.balanceOf(carol), 100e6);
        assertEq(vault.claimable(carol, address(usdc)), 50e6, "the refused payment is a claim");
        assertEq(usdc.balanceOf(bob), 30e6, "the queue moved on");
        assertEq(vault.totalQueued(address(usdc)), 0);
        _assertNothingLost();

        usdc.setBlocked(carol, false);
        vm.prank(carol);
        assertEq(vault.claim(address(usdc), carol), 50e6);
        assertEq(usdc.balanceOf(carol), 150e6);
        _assertNothingLost();
    }

    function test_processReleases_stopsAtMaxEntries() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 100e6); // spends the bucket
        _seize(2, bob, 10e6, liquidator);
        _seize(3, bob, 10e6, carol);
        vm.warp(block.timestamp + 100);
        assertEq(vault.processReleases(address(usdc), 0), 0);
        assertEq(vault.processReleases(address(usdc), 1), 10e6);
        assertEq(usdc.balanceOf(liquidator), 10e6);
        assertEq(usdc.balanceOf(carol), 0, "one entry only");
        assertEq(_available(), 90e6);
        assertEq(vault.processReleases(address(usdc), 1), 10e6);
        assertEq(usdc.balanceOf(carol), 10e6);
        _assertNothingLost();
    }

    function test_processReleases_emptyQueueKeepsTheRefill() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 60e6); // level 40
        vm.warp(block.timestamp + 10);
        assertEq(vault.processReleases(address(usdc), 10), 0);
        assertEq(_available(), 50e6);
        vm.warp(block.timestamp + 10);
        assertEq(_available(), 60e6, "the call lost no refill");
    }

    function test_processReleases_revertsWhenPaused() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 150e6);
        vm.prank(guardian);
        vault.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vault.processReleases(address(usdc), 10);
    }

    // ---------------------------------------------------------------- no limit

    function test_receiveCommand_noLimitPaysAtOnce() public {
        _withdraw(1, alice, 2_000e6);
        _seize(2, bob, 900e6, liquidator);
        assertEq(usdc.balanceOf(alice), 2_000e6);
        assertEq(usdc.balanceOf(liquidator), 900e6);
        (uint256 capacity, uint256 refill, uint256 available, uint256 entries, uint256 queued) =
            vault.releaseLimit(address(usdc));
        assertEq(capacity, 0);
        assertEq(refill, 0);
        assertEq(available, type(uint256).max, "no limit");
        assertEq(entries, 0);
        assertEq(queued, 0);
        _assertNothingLost();
    }

    /// @dev Gas of `receiveCommand` (APPROVE, paid at once, cold storage) for an unlimited and a
    /// limited token; the limit adds one slot read and write.
    function test_receiveCommand_gasLimitedAndUnlimited() public {
        MockERC20 limited = new MockERC20("Limited USD", "lUSD", 6);
        vm.startPrank(owner);
        vault.configureToken(address(limited), true, CAP);
        vault.setReleaseLimit(address(limited), CAPACITY, REFILL);
        vm.stopPrank();
        _fund(alice, address(limited), 100e6);
        vm.startPrank(alice);
        vault.deposit(address(limited), 100e6);
        vault.requestWithdrawal(address(limited), 40e6);
        vm.stopPrank();
        _request(alice, 40e6);
        // The path's first command pays for the nonce slot's first write; measure the next two.
        _apply(1, _rejectBody(bob, 0, 0));

        uint256 unlimitedGas = _applyCold(2, _approveBody(alice, 40e6, 2));
        bytes memory body = MessageCodec.encodeWithdrawalDecision(
            true,
            MessageCodec.WithdrawalDecision({account: alice, token: address(limited), amount: 40e6, requestNonce: 1})
        );
        uint256 limitedGas = _applyCold(3, body, address(limited));
        console.log("receiveCommand APPROVE gas, unlimited token:", unlimitedGas);
        console.log("receiveCommand APPROVE gas, limited token:  ", limitedGas);
        assertEq(usdc.balanceOf(alice), 40e6);
        assertEq(limited.balanceOf(alice), 40e6, "within the bucket: paid at once");
        assertGt(limitedGas, unlimitedGas, "the limited path does more");
    }

    function _applyCold(uint64 nonce, bytes memory body) internal returns (uint256) {
        return _applyCold(nonce, body, address(usdc));
    }

    /// @dev Applies a command with the vault's and `token`'s storage cold (as in its own transaction).
    function _applyCold(uint64 nonce, bytes memory body, address token) internal returns (uint256) {
        (bytes memory packet,) = _packet(nonce, body);
        bytes memory sigs = _sigs(packet);
        vm.cool(address(vault));
        vm.cool(token);
        vault.receiveCommand(packet, sigs);
        return vm.lastCallGas().gasTotalUsed;
    }

    // ---------------------------------------------------------------- configuration

    function test_setReleaseLimit_revertsOnInvalidBounds() public {
        uint128[2][3] memory bad = [[uint128(0), uint128(1)], [uint128(10), uint128(0)], [uint128(10), uint128(11)]];
        for (uint256 i; i < bad.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICollateralVault.CollateralVault_InvalidReleaseLimit.selector, address(usdc), bad[i][0], bad[i][1]
                )
            );
            vm.prank(owner);
            vault.setReleaseLimit(address(usdc), bad[i][0], bad[i][1]);
        }
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAddress.selector);
        vm.prank(owner);
        vault.setReleaseLimit(address(0), CAPACITY, REFILL);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        vault.setReleaseLimit(address(usdc), CAPACITY, REFILL);
        // The bounds themselves are accepted.
        _limit(10, 10);
        _limit(0, 0);
    }

    function test_setReleaseLimit_levelAfterChange() public {
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICollateralVault.ReleaseLimitSet(address(usdc), CAPACITY, REFILL);
        _limit(CAPACITY, REFILL);
        assertEq(_available(), CAPACITY, "a newly enabled limit starts full");
        _withdraw(1, alice, 80e6);
        assertEq(_available(), 20e6);
        vm.warp(block.timestamp + 10);
        assertEq(_available(), 30e6);
        _limit(25e6, REFILL);
        assertEq(_available(), 25e6, "brought up to date, then capped at the new capacity");
        _limit(200e6, 5e6);
        assertEq(_available(), 25e6, "a higher capacity does not fill the bucket");
        vm.warp(block.timestamp + 10);
        assertEq(_available(), 75e6, "refills at the new rate");
        _limit(0, 0);
        assertEq(_available(), type(uint256).max);
        _withdraw(2, alice, 80e6);
        _limit(CAPACITY, REFILL);
        assertEq(_available(), CAPACITY, "re-enabled: full again");
    }

    function test_setReleaseLimit_removingLimitDrainsQueueAtOnce() public {
        _limit(CAPACITY, REFILL);
        _withdraw(1, alice, 500e6); // 400 queued
        _seize(2, bob, 50e6, liquidator); // queued
        _limit(0, 0);
        _withdraw(3, bob, 20e6);
        assertEq(usdc.balanceOf(bob), 20e6, "no limit: a new release pays at once");
        assertEq(vault.processReleases(address(usdc), 10), 450e6, "what waited drains without limit");
        assertEq(usdc.balanceOf(alice), 500e6);
        assertEq(usdc.balanceOf(liquidator), 50e6);
        _assertNothingLost();
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Any mix of releases, waits and `processReleases`: in every window [t_i, t_j] between
    /// steps what leaves the vault never exceeds `capacity + (t_j − t_i) × refill`;
    /// `processReleases` pays exactly `min(queued, available)`; paid + queued == released always.
    function testFuzz_release_neverPaysMoreThanTheBucketAllows(uint128 capacity, uint128 refill, uint256 seed)
        public
    {
        capacity = uint128(bound(capacity, 1, 500e6));
        refill = uint128(bound(refill, 1, capacity));
        _limit(capacity, refill);
        uint256 steps = 16;
        uint256[] memory at = new uint256[](steps + 1);
        uint256[] memory paid = new uint256[](steps + 1);
        at[0] = block.timestamp;
        address[3] memory to = [liquidator, carol, bob];
        uint64 nonce;
        for (uint256 step = 1; step <= steps; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            vm.warp(block.timestamp + r % 300);
            if ((r >> 16) % 3 == 0) {
                uint256 queued = vault.totalQueued(address(usdc));
                uint256 available = _available();
                assertEq(vault.processReleases(address(usdc), type(uint256).max), _min(queued, available));
            } else {
                _seize(++nonce, alice, 1 + (r >> 32) % 180e6, to[(r >> 128) % 3]);
            }
            at[step] = block.timestamp;
            paid[step] = _paid();
            for (uint256 i; i < step; ++i) {
                assertLe(paid[step] - paid[i], capacity + (at[step] - at[i]) * refill, "paid beyond the bucket");
            }
            _assertNothingLost();
        }
    }
}
