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
/// - C: a leaf that acknowledges some of the queued seizes subtracts exactly the others ("Hub credit").
/// Liquidations order two SEIZEs per collateral: the debt's share to the consumer's settlement
/// address (the perp's owner; the mock consumer itself), then the bonus to the liquidator.
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
        // the whole credit (owed 1,540 > 1,000): ceil(1,000·10000/10200) to the perp, the rest as bonus
        _assertSeizePair(seizes, 1, 980_392157, owner, 19_607843);
        _apply(seizes[0]); // 900 from balance, 80.39 from pending
        _apply(seizes[1]); // 19.61 from pending
        _assertVault(0, 0);
        assertEq(IERC20(usdc).balanceOf(owner), 980_392157, "the perp's settlement address got the debt's share");
        assertEq(IERC20(usdc).balanceOf(liquidator), 19_607843, "the liquidator got the bonus");
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
        (uint256 out, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 0);
        assertEq(lastNonce, 1, "the credited rejection is queued");
        _assertNotOverCredited();

        ethFeed.setAnswer(1_700e8);
        bytes[] memory seizes = _liquidate();
        // the collateral is seized: the debt's share to the perp, the bonus to the liquidator
        _assertSeizePair(seizes, 2, 980_392157, owner, 19_607843);
        assertEq(perp.position(alice).size, 0, "position closed");
        _apply(reject); // ordered first: pending back to balance
        _apply(seizes[0]);
        _apply(seizes[1]);
        _assertVault(0, 0);
        assertEq(IERC20(usdc).balanceOf(owner), 980_392157, "the perp's settlement address got the debt's share");
        assertEq(IERC20(usdc).balanceOf(liquidator), 19_607843, "the liquidator got the bonus");
        assertEq(IERC20(usdc).balanceOf(alice), 0, "alice got nothing back");
    }

    /// @dev Seizes ordered after the request was made but before it reached the hub (so
    /// `lastSeizeNonce` > the request's `inboundNonce`): the vault applies them first and they take
    /// the request's pending, so the rejected amount is not credited again.
    function test_regression_rejectAddBackSkippedForSeizeOrderedAfterRequest() public {
        _deposit(1_000e6);
        _snapshot();
        consumer.setRequirement(alice, 500e18, 400e18);
        bytes memory req = _request(1_000e6); // vault: balance 0, pending 1,000
        bytes[] memory seizes = _partialLiquidation(); // 300 + 6 ordered against the credit of 1,000
        (uint256 out, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 306e6);
        assertEq(lastNonce, 2);

        consumer.setRequirement(alice, 500e18, 100e18); // she trades again
        bytes memory reject = _relayRequest(req);
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(this.decodeHeader(reject).nonce, 3);
        assertEq(_creditedEvents, 1, "only the request's figures were credited");
        assertEq(_creditOf(), 0, "no add-back: the seizes apply first");
        (out, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 306e6, "still outstanding");
        assertEq(lastNonce, 2, "the rejection is not queued");
        _assertNotOverCredited();

        _apply(seizes[0]); // 300 from pending
        _apply(seizes[1]); // 6 from pending
        _apply(reject); // the seized part is absorbed: 694 return
        _assertVault(694e6, 0);
        assertEq(IERC20(usdc).balanceOf(address(consumer)), 300e6);
        assertEq(IERC20(usdc).balanceOf(liquidator), 6e6);
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
        bytes[] memory seizes = _partialLiquidation();
        _apply(seizes[0]);
        _apply(seizes[1]); // vault: balance 0, pending 694 (306 seized from pending)
        _snapshot(); // seq 4, acknowledges both seizes
        (uint256 out, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 0);
        assertEq(lastNonce, 0, "no seize outstanding");

        consumer.setRequirement(alice, 500e18, 100e18);
        bytes memory reject = _relayRequest(req); // seq 2: stale figures
        assertEq(this.messageTypeOf(reject), MessageCodec.REJECT_WITHDRAWAL, "rejected");
        assertEq(_creditedEvents, 0, "stale figures, no add-back");
        assertEq(_creditOf(), 0, "no add-back: a seize since the request took part of it");
        (, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(lastNonce, 0, "nothing queued");
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
        (, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(lastNonce, 1, "the rejection is queued");
        assertFalse(hub.isLiquidatable(alice));
        _apply(reject);
        _assertVault(1_000e6, 0);
        _assertNotOverCredited();
        _snapshot(); // acknowledges the REJECT
        assertEq(_creditOf(), 1_000e6);
        (, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(lastNonce, 0);
    }

    // ------------------------------------------------------------ bug C

    /// @dev Two liquidations queue four seizes (300 + 6, then 100 + 2). Each leaf read while some are
    /// still to apply subtracts exactly those, so the credit stays 592 throughout, never more than
    /// the vault holds (the old merged rule gave 694 − 408 = 286 after the first two).
    function test_regression_leafBetweenSeizesSubtractsOnlyTheRest() public {
        _deposit(1_000e6);
        _snapshot();
        bytes[] memory first = _partialLiquidation(); // nonces 1, 2
        consumer.setRequirement(alice, 0, 1_000e18); // 694 · 0.99 < 1,000
        consumer.setOwed(alice, 100e18);
        bytes[] memory second = _liquidate();
        _assertSeizePair(second, 3, 100e6, address(consumer), 2e6);
        assertEq(_creditOf(), 592e6);
        (uint256 out, uint64 lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 408e6);
        assertEq(lastNonce, 4);

        _apply(first[0]);
        _apply(first[1]);
        _snapshot(); // balance 694, inboundNonce 2
        assertEq(_creditOf(), 592e6, "694 - 102 still to apply");
        (out, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 102e6);
        assertEq(lastNonce, 4);
        _assertNotOverCredited();

        _apply(second[0]);
        _snapshot(); // balance 594, inboundNonce 3
        assertEq(_creditOf(), 592e6, "594 - 2 still to apply");
        (out,) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 2e6);
        _assertNotOverCredited();

        _apply(second[1]);
        _snapshot(); // balance 592, inboundNonce 4
        assertEq(_creditOf(), 592e6);
        (out, lastNonce) = hub.outstanding(alice, CHAIN_A, usdc);
        assertEq(out, 0);
        assertEq(lastNonce, 0);
        _assertVault(592e6, 0);
        assertEq(IERC20(usdc).balanceOf(address(consumer)), 400e6, "the debts' shares");
        assertEq(IERC20(usdc).balanceOf(liquidator), 8e6, "the bonuses");
    }

    // ------------------------------------------------------------ helpers

    /// @dev Makes alice liquidatable through the mock consumer owing $300: the hub orders, on chain
    /// A, SEIZE 300 USDC to the consumer then SEIZE 6 USDC (2 % bonus) to the liquidator, returned
    /// undelivered. Expects no command on the path before them.
    function _partialLiquidation() internal returns (bytes[] memory seizes) {
        consumer.setRequirement(alice, 500e18, 1_000e18); // $990 liquidation value < $1,000
        consumer.setOwed(alice, 300e18);
        seizes = _liquidate();
        _assertSeizePair(seizes, 1, 300e6, address(consumer), 6e6);
    }

    /// @dev `seizes` is exactly the pair SEIZE `nonce` (`owedAmount` of alice's USDC to `settlement`)
    /// and SEIZE `nonce + 1` (`bonusAmount` to the liquidator).
    function _assertSeizePair(
        bytes[] memory seizes,
        uint64 nonce,
        uint256 owedAmount,
        address settlement,
        uint256 bonusAmount
    ) internal view {
        assertEq(seizes.length, 2, "two seizes: the debt's share, then the bonus");
        uint32[] memory dst = new uint32[](2);
        (dst[0], dst[1]) = (CHAIN_A, CHAIN_A);
        _assertSeizePair(
            seizes,
            dst,
            0,
            SeizePair({
                eid: CHAIN_A,
                vault: address(v),
                nonce: nonce,
                token: usdc,
                account: alice,
                owedAmount: owedAmount,
                settlement: settlement,
                bonusAmount: bonusAmount,
                recipient: liquidator
            })
        );
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
