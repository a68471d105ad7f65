// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {CollateralVaultBase, FeeOnTransferToken} from "./CollateralVault.Base.t.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {
    HookToken,
    NoReturnToken,
    PausableToken,
    RebasingToken,
    RefusingRecipient,
    ReturnsFalseToken
} from "./utils/WeirdTokens.sol";

interface IMintable {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external;
    function balanceOf(address account) external view returns (uint256);
}

/// @notice Finding 1 (high): a release whose transfer fails must not freeze the vault's ordered
/// command path. Every command applies its state change; a refused transfer becomes a claim that
/// the recipient pulls later, and the commands behind it apply.
contract CollateralVaultClaimsTest is CollateralVaultBase {
    uint256 internal constant AMOUNT = 1_000e6;

    function _configure(address token) internal {
        vm.prank(owner);
        vault.configureToken(token, true, type(uint128).max);
    }

    function _depositToken(address token, address who, uint256 amount) internal {
        IMintable(token).mint(who, amount);
        vm.startPrank(who);
        IMintable(token).approve(address(vault), amount);
        vault.deposit(token, amount);
        vm.stopPrank();
    }

    function _seizeOf(address token, address account, uint256 amount, address recipient)
        internal
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodeSeize(MessageCodec.Seize({account: account, token: token, amount: amount, recipient: recipient}));
    }

    function _approveOf(address token, address account, uint256 amount, uint64 requestNonce)
        internal
        pure
        returns (bytes memory)
    {
        return MessageCodec.encodeWithdrawalDecision(
            true, MessageCodec.WithdrawalDecision({account: account, token: token, amount: amount, requestNonce: requestNonce})
        );
    }

    /// @dev Bob deposits USDC so a later command on the path has something to release.
    function _bobRequests() internal {
        _deposit(bob, 50e6);
        _request(bob, 50e6);
    }

    /// @dev Command 2 is an ordinary approval for bob: it must apply after command 1 failed its transfer.
    function _assertPathMoves(uint64 nonce) internal {
        uint256 before = usdc.balanceOf(bob);
        _apply(nonce, _approveBody(bob, 50e6, 2));
        assertEq(vault.inboundNonce(), nonce, "path stalled");
        assertEq(usdc.balanceOf(bob), before + 50e6, "later approval not released");
    }

    function _assertClaim(address token, address recipient, uint256 amount) internal view {
        assertEq(vault.claimable(recipient, token), amount, "claim recorded");
        assertEq(vault.totalClaimable(token), amount, "total claimable");
    }

    function test_receiveCommand_seizeToBlocklistedRecipientBecomesClaim() public {
        MockERC20 token = new MockERC20("Blocklist USD", "bUSD", 6);
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        address blocked = makeAddr("blocked");
        token.setBlocked(blocked, true);

        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.ClaimRecorded(blocked, address(token), AMOUNT);
        _apply(1, _seizeOf(address(token), alice, AMOUNT, blocked));
        (uint256 balance,,,) = vault.accountState(alice, address(token));
        assertEq(balance, 0, "seize applied its state change");
        _assertClaim(address(token), blocked, AMOUNT);
        _assertPathMoves(2);

        // The blocklisted recipient names another address to be paid.
        address fallbackTo = makeAddr("fallback");
        vm.prank(blocked);
        vault.claim(address(token), fallbackTo);
        assertEq(token.balanceOf(fallbackTo), AMOUNT);
        _assertClaim(address(token), blocked, 0);
    }

    function test_receiveCommand_approvalForBlocklistedRequesterBecomesClaim() public {
        MockERC20 token = new MockERC20("Blocklist USD", "bUSD", 6);
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        vm.prank(alice);
        vault.requestWithdrawal(address(token), AMOUNT);
        _bobRequests();
        token.setBlocked(alice, true);

        _apply(1, _approveOf(address(token), alice, AMOUNT, 1));
        (, uint256 pending,,) = vault.accountState(alice, address(token));
        assertEq(pending, 0, "approval applied its state change");
        _assertClaim(address(token), alice, AMOUNT);
        _assertPathMoves(2);

        // While blocklisted the claim cannot be paid to alice herself; it waits and is not lost.
        vm.prank(alice);
        vm.expectRevert();
        vault.claim(address(token), alice);
        _assertClaim(address(token), alice, AMOUNT);
        token.setBlocked(alice, false);
        vm.prank(alice);
        assertEq(vault.claim(address(token), alice), AMOUNT);
        assertEq(token.balanceOf(alice), AMOUNT);
    }

    function test_receiveCommand_pausedTokenBecomesClaim() public {
        PausableToken token = new PausableToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        token.setPaused(true);
        _apply(1, _seizeOf(address(token), alice, AMOUNT, liquidator));
        _assertClaim(address(token), liquidator, AMOUNT);
        _assertPathMoves(2);
        token.setPaused(false);
        vm.prank(liquidator);
        vault.claim(address(token), liquidator);
        assertEq(token.balanceOf(liquidator), AMOUNT);
    }

    function test_receiveCommand_tokenReturningFalseBecomesClaim() public {
        ReturnsFalseToken token = new ReturnsFalseToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        token.setRefuse(true);
        _apply(1, _seizeOf(address(token), alice, AMOUNT, liquidator));
        _assertClaim(address(token), liquidator, AMOUNT);
        assertEq(token.balanceOf(liquidator), 0);
        _assertPathMoves(2);
    }

    function test_receiveCommand_noReturnValueTokenPaysAndFailsToClaim() public {
        NoReturnToken token = new NoReturnToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        // A USDT-style transfer that returns nothing is a success.
        _apply(1, _seizeOf(address(token), alice, AMOUNT / 2, liquidator));
        assertEq(token.balanceOf(liquidator), AMOUNT / 2, "no-return transfer paid");
        _assertClaim(address(token), liquidator, 0);
        // And one that reverts without data becomes a claim.
        token.setBlocked(liquidator, true);
        _apply(2, _seizeOf(address(token), alice, AMOUNT / 2, liquidator));
        _assertClaim(address(token), liquidator, AMOUNT / 2);
        _assertPathMoves(3);
    }

    function test_receiveCommand_revertingReceiveHookBecomesClaim() public {
        HookToken token = new HookToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        RefusingRecipient recipient = new RefusingRecipient();
        token.registerHook(address(recipient));
        _apply(1, _seizeOf(address(token), alice, AMOUNT, address(recipient)));
        _assertClaim(address(token), address(recipient), AMOUNT);
        _assertPathMoves(2);
    }

    function test_receiveCommand_gasBurningReceiveHookStillApplies() public {
        HookToken token = new HookToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        RefusingRecipient recipient = new RefusingRecipient();
        token.registerHook(address(recipient));
        recipient.setBurnGas(true);
        (bytes memory packet,) = _packet(1, _seizeOf(address(token), alice, AMOUNT, address(recipient)));
        bytes memory sigs = _sigs(packet);
        // The hook burns the 63/64 it is given; the 1/64 kept back records the claim.
        vault.receiveCommand{gas: 5_000_000}(packet, sigs);
        _assertClaim(address(token), address(recipient), AMOUNT);
        _assertPathMoves(2);
    }

    function test_receiveCommand_feeOnTransferReleasesWhatTheTokenDelivers() public {
        FeeOnTransferToken token = new FeeOnTransferToken(100);
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        (uint256 credited,,,) = vault.accountState(alice, address(token));
        assertEq(credited, AMOUNT * 99 / 100, "deposit credits what arrived");
        _apply(1, _seizeOf(address(token), alice, credited, liquidator));
        assertEq(token.balanceOf(liquidator), credited * 99 / 100, "the token takes its fee on the way out");
        assertEq(token.balanceOf(address(vault)), 0, "nothing stranded");
        _assertClaim(address(token), liquidator, 0);
    }

    function test_receiveCommand_rebasedDownTokenBecomesClaimAndPathMoves() public {
        RebasingToken token = new RebasingToken();
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        _bobRequests();
        token.rebase(0.9e18); // slashed: the vault now holds 10 % less than it owes
        _apply(1, _seizeOf(address(token), alice, AMOUNT, liquidator));
        _assertClaim(address(token), liquidator, AMOUNT);
        _assertPathMoves(2);
    }

    function test_claim_revertsWithNothingToClaim() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_NothingToClaim.selector, alice, address(usdc)));
        vm.prank(alice);
        vault.claim(address(usdc), alice);
    }

    function test_claim_revertsOnZeroRecipient() public {
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAddress.selector);
        vm.prank(alice);
        vault.claim(address(usdc), address(0));
    }

    function test_claim_revertsWhilePaused() public {
        MockERC20 token = new MockERC20("Blocklist USD", "bUSD", 6);
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        token.setBlocked(liquidator, true);
        _apply(1, _seizeOf(address(token), alice, AMOUNT, liquidator));
        vm.prank(guardian);
        vault.pause();
        vm.prank(liquidator);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vault.claim(address(token), makeAddr("to"));
        _assertClaim(address(token), liquidator, AMOUNT);
    }

    function test_claim_paysOnceOnly() public {
        MockERC20 token = new MockERC20("Blocklist USD", "bUSD", 6);
        _configure(address(token));
        _depositToken(address(token), alice, AMOUNT);
        token.setBlocked(liquidator, true);
        _apply(1, _seizeOf(address(token), alice, AMOUNT, liquidator));
        address to = makeAddr("to");
        vm.prank(liquidator);
        vault.claim(address(token), to);
        vm.prank(liquidator);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_NothingToClaim.selector, liquidator, address(token))
        );
        vault.claim(address(token), to);
        assertEq(token.balanceOf(to), AMOUNT);
    }

    function test_requestWithdrawal_revertsBelowMinimum() public {
        vm.prank(owner);
        vault.setMinWithdrawal(address(usdc), 10e6);
        _deposit(alice, 100e6);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_BelowMinWithdrawal.selector, address(usdc), 10e6, 1)
        );
        vault.requestWithdrawal(address(usdc), 1);
        _request(alice, 10e6);
        (, uint256 pending,,) = _state(alice);
        assertEq(pending, 10e6);
        assertEq(vault.minWithdrawal(address(usdc)), 10e6);
    }

    function test_setMinWithdrawal_onlyOwner() public {
        vm.prank(alice);
        vm.expectRevert();
        vault.setMinWithdrawal(address(usdc), 1);
    }
}
