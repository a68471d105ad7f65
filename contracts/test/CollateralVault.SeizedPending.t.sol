// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {CollateralVaultBase} from "./CollateralVault.Base.t.sol";

/// @notice `seizedPending`: what seizes take from pending is recorded, and the answers to the
/// oldest outstanding requests absorb it before releasing (APPROVE) or returning (REJECT) anything.
contract CollateralVaultSeizedPendingTest is CollateralVaultBase {
    uint64 internal _nonce;

    function setUp() public override {
        super.setUp();
        _deposit(alice, 100e6);
    }

    // ---------------------------------------------------------------- the view

    function test_seizedPending_zeroWithoutSeize() public {
        _request(alice, 40e6);
        assertEq(vault.seizedPending(alice, address(usdc)), 0);
        assertEq(vault.seizedPending(bob, address(usdc)), 0, "untouched key");
    }

    function test_seizedPending_zeroWhenSeizeFitsInBalance() public {
        _request(alice, 40e6); // balance 60, pending 40
        _cmd(_seizeBody(alice, 60e6, liquidator));
        _assertState(0, 40e6, 0);
    }

    function test_seizedPending_recordsWhatSeizeTookFromPending() public {
        _request(alice, 40e6); // balance 60, pending 40
        _cmd(_seizeBody(alice, 80e6, liquidator));
        _assertState(0, 20e6, 20e6);
        assertEq(usdc.balanceOf(liquidator), 80e6);
        _assertBacked();
    }

    function test_seizedPending_accumulatesOverSeizes() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 70e6, liquidator)); // 60 + 10 from pending
        _cmd(_seizeBody(alice, 15e6, liquidator)); // 15 from pending
        _assertState(0, 15e6, 25e6);
    }

    function test_seizedPending_cappedAtPending() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 500e6, liquidator));
        _assertState(0, 0, 40e6);
        assertEq(usdc.balanceOf(liquidator), 100e6);
    }

    function test_seizedPending_perKey() public {
        _deposit(bob, 50e6);
        _request(alice, 40e6);
        vm.prank(bob);
        vault.requestWithdrawal(address(usdc), 50e6);
        _cmd(_seizeBody(alice, 80e6, liquidator));
        assertEq(vault.seizedPending(alice, address(usdc)), 20e6);
        assertEq(vault.seizedPending(bob, address(usdc)), 0, "bob untouched");
    }

    // ---------------------------------------------------------------- APPROVE absorbs

    function test_receiveCommand_approveOfFullySeizedRequestReleasesNothing() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 100e6, liquidator)); // pending 0, seizedPending 40
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalReleased(alice, address(usdc), 0, 0, 0, 4, 2);
        _cmd(_approveBody(alice, 40e6, 1));
        _assertState(0, 0, 0);
        assertEq(usdc.balanceOf(alice), 0);
        _assertBacked();
    }

    function test_receiveCommand_approvePartialAbsorbReleasesTheRest() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 80e6, liquidator)); // pending 20, seizedPending 20
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalReleased(alice, address(usdc), 20e6, 0, 0, 4, 2);
        _cmd(_approveBody(alice, 40e6, 1));
        _assertState(0, 0, 0);
        assertEq(usdc.balanceOf(alice), 20e6);
        _assertBacked();
    }

    function test_receiveCommand_approveSmallerThanSeizedLeavesTheRest() public {
        _request(alice, 10e6);
        _request(alice, 30e6); // balance 60, pending 40
        _cmd(_seizeBody(alice, 85e6, liquidator)); // pending 15, seizedPending 25
        _cmd(_approveBody(alice, 10e6, 1)); // absorbs 10
        _assertState(0, 15e6, 15e6);
        assertEq(usdc.balanceOf(alice), 0);
        _cmd(_approveBody(alice, 30e6, 2)); // absorbs 15, releases 15
        _assertState(0, 0, 0);
        assertEq(usdc.balanceOf(alice), 15e6);
        _assertBacked();
    }

    /// @dev The regression at the vault: request 1 is seized, the account deposits and requests
    /// again; request 1's approval must not release request 2's pending.
    function test_receiveCommand_oldApprovalDoesNotReleaseNewerRequest() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 100e6, liquidator)); // everything: seizedPending 40
        _deposit(alice, 50e6);
        _request(alice, 30e6); // balance 20, pending 30
        _cmd(_approveBody(alice, 40e6, 1));
        assertEq(usdc.balanceOf(alice), 0, "request 2's pending stays");
        _assertState(20e6, 30e6, 0);
        _cmd(_rejectBody(alice, 30e6, 2));
        _assertState(50e6, 0, 0);
        _assertBacked();
    }

    // ---------------------------------------------------------------- REJECT absorbs

    function test_receiveCommand_rejectOfFullySeizedRequestReturnsNothing() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 100e6, liquidator));
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalRejected(alice, address(usdc), 0, 0, 0, 4, 2);
        _cmd(_rejectBody(alice, 40e6, 1));
        _assertState(0, 0, 0);
    }

    function test_receiveCommand_rejectPartialAbsorbReturnsTheRest() public {
        _request(alice, 40e6);
        _cmd(_seizeBody(alice, 80e6, liquidator)); // pending 20, seizedPending 20
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalRejected(alice, address(usdc), 20e6, 20e6, 0, 4, 2);
        _cmd(_rejectBody(alice, 40e6, 1));
        _assertState(20e6, 0, 0);
        assertEq(usdc.balanceOf(alice), 0);
        _assertBacked();
    }

    function test_receiveCommand_rejectThenApproveAbsorbInRequestOrder() public {
        _request(alice, 30e6);
        _request(alice, 50e6); // balance 20, pending 80
        _cmd(_seizeBody(alice, 60e6, liquidator)); // 20 + 40 from pending: pending 40, seizedPending 40
        _cmd(_rejectBody(alice, 30e6, 1)); // absorbs 30
        _assertState(0, 40e6, 10e6);
        _cmd(_approveBody(alice, 50e6, 2)); // absorbs 10, releases 40
        _assertState(0, 0, 0);
        assertEq(usdc.balanceOf(alice), 40e6);
        _assertBacked();
    }

    // ---------------------------------------------------------------- properties

    /// @dev Two requests, one seize between them and their answers (approve or reject each): every
    /// answer moves exactly its request's part that the seize did not take, the oldest request's
    /// part first; nothing is left pending or seized-pending; the vault stays fully backed.
    function testFuzz_answers_moveOnlyTheUnseizedPartInRequestOrder(
        uint256 r1,
        uint256 r2,
        uint256 seize,
        bool approve1,
        bool approve2
    ) public {
        r1 = bound(r1, 1, 60e6);
        r2 = bound(r2, 1, 100e6 - r1);
        seize = bound(seize, 0, 150e6);
        _request(alice, r1);
        _request(alice, r2);
        uint256 free = 100e6 - r1 - r2;
        uint256 fromPending = seize > free ? _min(seize - free, r1 + r2) : 0;
        _cmd(_seizeBody(alice, seize, liquidator));
        assertEq(vault.seizedPending(alice, address(usdc)), fromPending);

        uint256 seized1 = _min(fromPending, r1);
        _answer(approve1, r1, 1);
        assertEq(usdc.balanceOf(alice), approve1 ? r1 - seized1 : 0, "answer 1");
        assertEq(vault.seizedPending(alice, address(usdc)), fromPending - seized1);
        uint256 paid = usdc.balanceOf(alice);
        _answer(approve2, r2, 2);
        uint256 moved2 = r2 - (fromPending - seized1);
        assertEq(usdc.balanceOf(alice) - paid, approve2 ? moved2 : 0, "answer 2");

        (uint256 balance, uint256 pending,,) = _state(alice);
        assertEq(pending, 0);
        assertEq(vault.seizedPending(alice, address(usdc)), 0);
        uint256 returned = (approve1 ? 0 : r1 - seized1) + (approve2 ? 0 : moved2);
        assertEq(balance, free - _min(seize, free) + returned, "balance");
        _assertBacked();
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Applies the next command on the path.
    function _cmd(bytes memory body) internal {
        _apply(++_nonce, body);
    }

    function _answer(bool approve, uint256 amount, uint64 requestNonce) internal {
        _cmd(approve ? _approveBody(alice, amount, requestNonce) : _rejectBody(alice, amount, requestNonce));
    }

    function _assertState(uint256 balance, uint256 pending, uint256 seizedPending) internal view {
        (uint256 b, uint256 p,,) = _state(alice);
        assertEq(b, balance, "balance");
        assertEq(p, pending, "pending");
        assertEq(vault.seizedPending(alice, address(usdc)), seizedPending, "seizedPending");
    }

    function _assertBacked() internal view {
        assertEq(usdc.balanceOf(address(vault)), _total(), "held == owed");
    }
}
