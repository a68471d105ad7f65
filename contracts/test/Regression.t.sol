// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {CrossChainWorld, World} from "./invariant/CrossChainWorld.sol";
import {MockConsumer} from "./utils/HubFixture.sol";

/// @notice Regressions found by the invariant suite, replayed end to end on a real hub and vault
/// (chain A, USDC): each test drives the ordered request and command paths by hand.
/// - A: a seize that took a request's pending must not let that request's later APPROVE release
///   pending that belongs to a newer request (contracts/README.md, "Vault state").
/// - B: a rejected withdrawal is credited again when nothing was seized since the request, so the
///   account stays seizable; never when that could over-credit ("Withdrawal requests").
contract RegressionTest is CrossChainWorld {
    address internal alice;
    CollateralVault internal v;
    address internal usdc;
    MockConsumer internal consumer;
    /// @dev BalanceCredited events the hub emitted in the last `_relayRequest`, and the data
    /// (balance, seq, sourceBlock) of the last one.
    uint256 internal _creditedEvents;
    bytes internal _lastCreditedData;

    function setUp() public override {
        World memory w = _deployWorld();
        _adopt(w);
        alice = traders[0];
        v = vaultOn[CHAIN_A];
        usdc = tokensOn[CHAIN_A][0];
        consumer = new MockConsumer(address(hub));
        vm.prank(owner);
        hub.addConsumer(address(consumer));
    }

    // ------------------------------------------------------------ bug A

    /// @dev Alice's 100 request is seized from pending by a liquidation and approved afterwards; her
    /// later 400 request is rejected. The old approval lands before the rejection and must release
    /// nothing: the 400 stay at the vault and return to her balance.
    function test_regression_seizedPendingNotReleasedByOldApproval() public {
        _deposit(1_000e6);
        _snapshot();
        vm.prank(alice);
        perp.openPosition(4e18); // long 4 ETH at $2,000: $800 initial of $980 adjusted
        bytes memory req1 = _request(100e6); // vault: balance 900, pending 100
        ethFeed.setAnswer(1_700e8); // −$1,200: liquidatable
        bytes[] memory seizes = _liquidate();
        assertEq(seizes.length, 1, "one seize");
        assertEq(this.decodeSeize(seizes[0]).amount, 1_000e6, "the whole credit");
        _apply(seizes[0]); // 900 from balance, 100 from pending
        _assertVault(0, 0);
        bytes memory approve1 = _relayRequest(req1);
        assertEq(this.messageTypeOf(approve1), MessageCodec.APPROVE_WITHDRAWAL, "no requirement left: approved");

        _deposit(500e6);
        _snapshot();
        vm.prank(alice);
        perp.openPosition(1e18); // $170 initial of $490 adjusted
        bytes memory req2 = _request(400e6); // vault: balance 100, pending 400
        uint256 wallet = IERC20(usdc).balanceOf(alice);
        _apply(approve1);
        assertEq(IERC20(usdc).balanceOf(alice), wallet, "request 1's approval released request 2's funds");
        _assertVault(100e6, 400e6);
        _assertNotOverCredited();

        bytes memory reject2 = _relayRequest(req2);
        assertEq(this.messageTypeOf(reject2), MessageCodec.REJECT_WITHDRAWAL, "request 2 rejected");
        _assertNotOverCredited();
        _apply(reject2);
        _assertVault(500e6, 0);
        assertEq(IERC20(usdc).balanceOf(alice), wallet, "nothing of request 2 was paid out");
        assertEq(IERC20(usdc).balanceOf(address(v)), 500e6, "the vault still holds the 500");
        _assertNotOverCredited();
    }

    // ------------------------------------------------------------ bug B

    /// @dev Alice asks for everything while a position needs it; the hub rejects and counts the
    /// amount again, so she is not liquidatable for nothing; when she later is, the seize (applied
    /// after the rejection) reaches the collateral.
    function test_regression_rejectedWithdrawalStaysSeizable() public {
        _deposit(1_000e6);
        _snapshot();
        vm.prank(alice);
        perp.openPosition(4e18); // $8,000 notional, $800 initial of $980 adjusted
        bytes memory req = _request(1_000e6);
        bytes memory reject = _relayRequest(req);
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(_creditOf(), 1_000e6, "the rejected amount is credited again");
        assertEq(_creditedEvents, 2, "the request's figures, then the add-back");
        assertEq(_lastCreditedData, abi.encode(uint256(1_000e6), uint64(2), uint64(0)), "(credit, same seq, block 0)");
        assertFalse(hub.isLiquidatable(alice), "a rejection does not make the account liquidatable");
        _assertNotOverCredited();

        ethFeed.setAnswer(1_700e8);
        bytes[] memory seizes = _liquidate();
        assertEq(seizes.length, 1, "the collateral is seized");
        assertEq(this.decodeSeize(seizes[0]).amount, 1_000e6);
        assertEq(perp.position(alice).size, 0, "position closed");
        _apply(reject); // ordered first: pending back to balance
        _apply(seizes[0]);
        _assertVault(0, 0);
        assertEq(IERC20(usdc).balanceOf(liquidator), 1_000e6, "the liquidator got the collateral");
        assertEq(IERC20(usdc).balanceOf(alice), 0, "alice got nothing back");
    }

    /// @dev A seize ordered after the request was made but before it reached the hub is
    /// outstanding when the request is decided: the vault will apply it first and may take the
    /// request's pending, so the rejected amount is not credited again.
    function test_regression_rejectAddBackSkippedWhileSeizeOutstanding() public {
        _deposit(1_000e6);
        _snapshot();
        consumer.setRequirement(alice, 500e18, 400e18);
        bytes memory req = _request(1_000e6); // vault: balance 0, pending 1,000
        bytes memory seize = _partialLiquidation(); // 306 ordered against the credit of 1,000
        (uint256 out, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 306e6);
        assertEq(lastNonce, 1);

        consumer.setRequirement(alice, 500e18, 100e18); // she trades again
        bytes memory reject = _relayRequest(req);
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(_creditedEvents, 1, "only the request's figures were credited");
        assertEq(_creditOf(), 0, "no add-back while the seize is outstanding");
        (out, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(lastNonce, 1, "still outstanding");
        _assertNotOverCredited();

        _apply(seize); // 306 from pending
        _apply(reject); // the seized part is absorbed: 694 return
        _assertVault(694e6, 0);
        assertEq(IERC20(usdc).balanceOf(liquidator), 306e6);
        _snapshot();
        assertEq(_creditOf(), 694e6, "the next leaf credits what is left");
    }

    /// @dev The request's figures arrive after a newer leaf that already acknowledged a seize
    /// applied after the request (so `lastCommandNonce == 0`): that seize took part of the
    /// request's pending, so adding the whole amount back would over-credit; it is skipped.
    function test_regression_rejectAddBackSkippedForStaleRequestAfterSeize() public {
        _deposit(1_000e6);
        _snapshot();
        consumer.setRequirement(alice, 500e18, 400e18);
        bytes memory req = _request(1_000e6);
        bytes memory seize = _partialLiquidation();
        _apply(seize); // vault: balance 0, pending 694 (306 seized from pending)
        _snapshot(); // seq 3, acknowledges the seize
        (, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(lastNonce, 0, "no seize outstanding");

        consumer.setRequirement(alice, 500e18, 100e18);
        bytes memory reject = _relayRequest(req); // seq 2: stale figures
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(_creditOf(), 0, "no add-back: a seize since the request took part of it");
        _assertNotOverCredited();
        _apply(reject);
        _assertVault(694e6, 0);
        _assertNotOverCredited();
    }

    /// @dev The request's figures arrive after a newer leaf (stale) and no seize was ever ordered:
    /// the rejected amount is still at the vault in full and is credited again.
    function test_regression_rejectAddBackForStaleRequest() public {
        _deposit(1_000e6);
        _snapshot();
        consumer.setRequirement(alice, 500e18, 400e18);
        bytes memory req = _request(1_000e6);
        _snapshot(); // seq 2: the request's own figures, delivered first
        assertEq(_creditOf(), 0);

        bytes memory reject = _relayRequest(req);
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(_creditOf(), 1_000e6, "credited again");
        (, uint64 seq) = hub.creditedBalance(alice, CHAIN_A, usdc);
        assertEq(seq, 2, "same seq");
        assertEq(_creditedEvents, 1, "one BalanceCredited for the add-back");
        assertFalse(hub.isLiquidatable(alice));
        _apply(reject);
        _assertVault(1_000e6, 0);
        _assertNotOverCredited();
    }

    // ------------------------------------------------------------ helpers

    /// @dev Makes alice liquidatable through the mock consumer owing $300: the hub orders a SEIZE
    /// of 306 USDC (2 % bonus) on chain A, returned undelivered.
    function _partialLiquidation() internal returns (bytes memory seize) {
        consumer.setRequirement(alice, 500e18, 1_000e18); // $990 liquidation value < $1,000
        consumer.setOwed(alice, 300e18);
        bytes[] memory seizes = _liquidate();
        assertEq(seizes.length, 1, "one seize");
        assertEq(this.decodeSeize(seizes[0]).amount, 306e6, "owed plus bonus");
        seize = seizes[0];
    }

    function _deposit(uint256 amount) internal {
        MockERC20(usdc).mint(alice, amount);
        vm.chainId(CHAIN_A);
        vm.startPrank(alice);
        IERC20(usdc).approve(address(v), amount);
        v.deposit(usdc, amount);
        vm.stopPrank();
        vm.chainId(HUB_CHAIN);
    }

    /// @dev Alice requests `amount` at the vault; returns the request packet (undelivered).
    function _request(uint256 amount) internal returns (bytes memory req) {
        vm.chainId(CHAIN_A);
        vm.recordLogs();
        vm.prank(alice);
        v.requestWithdrawal(usdc, amount);
        req = _lastPacket(vm.getRecordedLogs(), address(v));
        vm.chainId(HUB_CHAIN);
    }

    /// @dev Delivers a request to the hub; returns the hub's answer and records in
    /// `_creditedEvents` how many BalanceCredited events the hub emitted for it.
    function _relayRequest(bytes memory req) internal returns (bytes memory cmd) {
        vm.recordLogs();
        hub.receiveWithdrawalRequest(req, _sigs(req));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        cmd = _lastPacket(logs, address(hub));
        _creditedEvents = 0;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(hub) && logs[i].topics[0] == IMarginHub.BalanceCredited.selector) {
                ++_creditedEvents;
                _lastCreditedData = logs[i].data;
            }
        }
    }

    /// @dev Applies a hub command at the vault.
    function _apply(bytes memory cmd) internal {
        vm.chainId(CHAIN_A);
        v.receiveCommand(cmd, _attest(v, cmd, THRESHOLD));
        vm.chainId(HUB_CHAIN);
    }

    /// @dev Liquidates alice; returns the SEIZE packets the hub emitted (undelivered).
    function _liquidate() internal returns (bytes[] memory seizes) {
        vm.recordLogs();
        vm.prank(liquidator);
        hub.liquidate(alice);
        (, seizes) = _sentPackets(vm.getRecordedLogs());
    }

    /// @dev Delivers a one-leaf batch with alice's current vault figures.
    function _snapshot() internal {
        (uint256 bal,, uint64 seq, uint64 keyNonce) = v.accountState(alice, usdc);
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, alice, usdc, bal, seq, keyNonce);
        _submit(leaves);
    }

    function _creditOf() internal view returns (uint256 credit) {
        (credit,) = hub.creditedBalance(alice, CHAIN_A, usdc);
    }

    function _assertVault(uint256 balance, uint256 pending) internal view {
        (uint256 bal, uint256 pend,,) = v.accountState(alice, usdc);
        assertEq(bal, balance, "vault balance");
        assertEq(pend, pending, "vault pending");
    }

    /// @dev The credit ≤ what the vault holds for alice right now (balance + pending). Commands still
    /// in flight at a call site never lower that figure (rejections keep it; each test applies them
    /// and checks the final state).
    function _assertNotOverCredited() internal view {
        (uint256 bal, uint256 pend,,) = v.accountState(alice, usdc);
        assertLe(_creditOf(), bal + pend, "hub over-credits");
    }

    /// @dev The packet of the last `PacketSent` by `emitter` in `logs`.
    function _lastPacket(Vm.Log[] memory logs, address emitter) internal pure returns (bytes memory p) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics[0] == IMarginHub.PacketSent.selector) {
                (, p) = abi.decode(logs[i].data, (uint32, bytes));
            }
        }
    }
}
