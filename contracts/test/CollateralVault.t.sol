// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {CollateralVaultBase, FeeOnTransferToken, ReentrantToken} from "./CollateralVault.Base.t.sol";

/// @notice Construction, configuration, views and deposits.
contract CollateralVaultTest is CollateralVaultBase {
    // ---------------------------------------------------------------- constructor and views

    function test_constructor_setsHubEidsAndQuorum() public view {
        assertEq(vault.hub(), hub);
        assertEq(vault.hubEid(), HUB_EID);
        assertEq(vault.localEid(), uint32(block.chainid));
        assertEq(vault.owner(), owner);
        assertEq(vault.guardian(), guardian);
        assertEq(vault.threshold(), 2);
        assertEq(vault.epoch(), 1);
        assertEq(vault.attesters(), attesterAddrs);
        assertEq(vault.inboundNonce(), 0);
        assertEq(vault.outboundNonce(), 0);
    }

    function test_constructor_localEidFollowsChainId() public {
        vm.chainId(10);
        CollateralVault v = new CollateralVault(owner, HUB_EID, hub, attesterAddrs, 2, guardian);
        assertEq(v.localEid(), 10);
    }

    function test_constructor_revertsOnZeroHub() public {
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAddress.selector);
        new CollateralVault(owner, HUB_EID, address(0), attesterAddrs, 2, guardian);
    }

    function test_constructor_revertsWhenChainIdExceedsUint32() public {
        vm.chainId(uint256(type(uint32).max) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, uint256(type(uint32).max) + 1)
        );
        new CollateralVault(owner, HUB_EID, hub, attesterAddrs, 2, guardian);
    }

    function test_constructor_revertsOnInvalidThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_InvalidThreshold.selector, 4, 3));
        new CollateralVault(owner, HUB_EID, hub, attesterAddrs, 4, guardian);
    }

    function test_accountState_isZeroForUnknownKey() public view {
        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = vault.accountState(bob, address(usdc));
        assertEq(balance + pending + seq + nonce, 0);
    }

    function test_accountState_isPerToken() public {
        MockERC20 dai = new MockERC20("Dai", "DAI", 18);
        vm.prank(owner);
        vault.configureToken(address(dai), true, type(uint256).max);
        _deposit(alice, 100e6);
        _fund(alice, address(dai), 7e18);
        vm.prank(alice);
        vault.deposit(address(dai), 7e18);

        (uint256 balance,, uint64 seq,) = vault.accountState(alice, address(dai));
        assertEq(balance, 7e18);
        assertEq(seq, 1);
        (balance,, seq,) = _state(alice);
        assertEq(balance, 100e6);
        assertEq(seq, 1);
    }

    // ---------------------------------------------------------------- configureToken / tokenConfig

    function test_configureToken_storesAndEmits() public {
        MockERC20 dai = new MockERC20("Dai", "DAI", 18);
        vm.expectEmit(true, false, false, true, address(vault));
        emit ICollateralVault.TokenConfigured(address(dai), true, 5e18);
        vm.prank(owner);
        vault.configureToken(address(dai), true, 5e18);
        (bool allowed, uint256 cap, uint256 total) = vault.tokenConfig(address(dai));
        assertTrue(allowed);
        assertEq(cap, 5e18);
        assertEq(total, 0);
    }

    function test_configureToken_keepsTotalDeposited() public {
        _deposit(alice, 300e6);
        vm.prank(owner);
        vault.configureToken(address(usdc), false, 1);
        (bool allowed, uint256 cap, uint256 total) = vault.tokenConfig(address(usdc));
        assertFalse(allowed);
        assertEq(cap, 1);
        assertEq(total, 300e6);
    }

    function test_configureToken_revertsForNonOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        vault.configureToken(address(usdc), true, 1);
    }

    function test_configureToken_revertsOnZeroToken() public {
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAddress.selector);
        vm.prank(owner);
        vault.configureToken(address(0), true, 1);
    }

    function test_tokenConfig_isEmptyForUnknownToken() public view {
        (bool allowed, uint256 cap, uint256 total) = vault.tokenConfig(address(0xdead));
        assertFalse(allowed);
        assertEq(cap + total, 0);
    }

    // ---------------------------------------------------------------- deposit

    function test_deposit_creditsBalanceAndEmits() public {
        _fund(alice, address(usdc), 250e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Deposited(alice, address(usdc), alice, 250e6, 250e6, 0, 1);
        vm.prank(alice);
        vault.deposit(address(usdc), 250e6);

        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 250e6);
        assertEq(pending, 0);
        assertEq(seq, 1);
        assertEq(nonce, 0);
        assertEq(_total(), 250e6);
        assertEq(usdc.balanceOf(address(vault)), 250e6);
        assertEq(usdc.balanceOf(alice), 0);
    }

    function test_deposit_accumulatesAndBumpsSeq() public {
        _deposit(alice, 100e6);
        _deposit(alice, 50e6);
        _deposit(bob, 10e6);
        (uint256 balance,, uint64 seq,) = _state(alice);
        assertEq(balance, 150e6);
        assertEq(seq, 2);
        assertEq(_total(), 160e6);
    }

    function test_deposit_revertsOnUnconfiguredToken() public {
        MockERC20 other = new MockERC20("Other", "OTH", 18);
        _fund(alice, address(other), 1e18);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_TokenNotAllowed.selector, address(other)));
        vm.prank(alice);
        vault.deposit(address(other), 1e18);
    }

    function test_deposit_revertsAfterTokenDisallowed() public {
        vm.prank(owner);
        vault.configureToken(address(usdc), false, CAP);
        _fund(alice, address(usdc), 1e6);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_TokenNotAllowed.selector, address(usdc)));
        vm.prank(alice);
        vault.deposit(address(usdc), 1e6);
    }

    function test_deposit_revertsOnZeroAmount() public {
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAmount.selector);
        vm.prank(alice);
        vault.deposit(address(usdc), 0);
    }

    function test_deposit_acceptsExactlyTheCap() public {
        _deposit(alice, CAP);
        assertEq(_total(), CAP);
    }

    function test_deposit_revertsAboveCap() public {
        _fund(alice, address(usdc), CAP + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_DepositCapExceeded.selector, address(usdc), CAP, CAP + 1)
        );
        vm.prank(alice);
        vault.deposit(address(usdc), CAP + 1);
    }

    function test_deposit_capCountsEveryAccount() public {
        _deposit(alice, CAP - 10);
        _fund(bob, address(usdc), 11);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_DepositCapExceeded.selector, address(usdc), CAP, CAP + 1)
        );
        vm.prank(bob);
        vault.deposit(address(usdc), 11);
    }

    function test_deposit_capCountsPending() public {
        _deposit(alice, CAP);
        _request(alice, CAP / 2); // pending is still held, so still counted
        _fund(bob, address(usdc), 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_DepositCapExceeded.selector, address(usdc), CAP, CAP + 1)
        );
        vm.prank(bob);
        vault.deposit(address(usdc), 1);
    }

    function test_deposit_revertsOnAmountAboveUint128() public {
        vm.prank(owner);
        vault.configureToken(address(usdc), true, type(uint256).max);
        uint256 amount = uint256(type(uint128).max) + 1;
        _fund(alice, address(usdc), amount);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_AmountTooLarge.selector, amount));
        vm.prank(alice);
        vault.deposit(address(usdc), amount);
    }

    function test_deposit_revertsWhenBalanceWouldExceedUint128() public {
        vm.prank(owner);
        vault.configureToken(address(usdc), true, type(uint256).max);
        _deposit(alice, type(uint128).max);
        _fund(alice, address(usdc), 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_AmountTooLarge.selector, uint256(type(uint128).max) + 1)
        );
        vm.prank(alice);
        vault.deposit(address(usdc), 1);
    }

    function test_deposit_revertsWithoutAllowance() public {
        usdc.mint(alice, 1e6);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, 1e6)
        );
        vm.prank(alice);
        vault.deposit(address(usdc), 1e6);
    }

    function test_deposit_revertsWhenPaused() public {
        _fund(alice, address(usdc), 1e6);
        vm.prank(guardian);
        vault.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(alice);
        vault.deposit(address(usdc), 1e6);
    }

    function test_deposit_worksAgainAfterUnpause() public {
        vm.prank(guardian);
        vault.pause();
        vm.prank(owner);
        vault.unpause();
        _deposit(alice, 1e6);
        (uint256 balance,,,) = _state(alice);
        assertEq(balance, 1e6);
    }

    function test_deposit_creditsReceivedOnFeeOnTransfer() public {
        FeeOnTransferToken fee = _feeToken(100, type(uint256).max); // 1 %
        fee.mint(alice, 1000);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Deposited(alice, address(fee), alice, 990, 990, 0, 1);
        vm.prank(alice);
        vault.deposit(address(fee), 1000);
        (uint256 balance,,,) = vault.accountState(alice, address(fee));
        assertEq(balance, 990);
        (,, uint256 total) = vault.tokenConfig(address(fee));
        assertEq(total, 990);
        assertEq(fee.balanceOf(address(vault)), 990);
    }

    function test_deposit_capUsesReceivedAmount() public {
        FeeOnTransferToken fee = _feeToken(100, 990);
        fee.mint(alice, 1001);
        vm.prank(alice);
        vault.deposit(address(fee), 1000); // 990 arrive: exactly the cap
        (,, uint256 total) = vault.tokenConfig(address(fee));
        assertEq(total, 990);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_DepositCapExceeded.selector, address(fee), 990, 991)
        );
        vm.prank(alice);
        vault.deposit(address(fee), 1); // fee rounds to 0: 1 arrives
    }

    function test_deposit_revertsWhenNothingArrives() public {
        FeeOnTransferToken fee = _feeToken(10_000, type(uint256).max); // 100 %
        fee.mint(alice, 1000);
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAmount.selector);
        vm.prank(alice);
        vault.deposit(address(fee), 1000);
    }

    function test_deposit_revertsOnReentrancy() public {
        ReentrantToken hostile = new ReentrantToken();
        hostile.setVault(vault);
        vm.prank(owner);
        vault.configureToken(address(hostile), true, type(uint256).max);
        hostile.mint(alice, 10);
        vm.prank(alice);
        hostile.approve(address(vault), 10);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(alice);
        vault.deposit(address(hostile), 10);
    }

    function testFuzz_deposit_creditsReceived(uint256 amount, uint256 feeBps) public {
        amount = bound(amount, 1, type(uint128).max);
        feeBps = bound(feeBps, 0, 9_999);
        FeeOnTransferToken fee = _feeToken(feeBps, type(uint256).max);
        fee.mint(alice, amount);
        uint256 received = amount - amount * feeBps / 10_000;
        vm.assume(received > 0);
        vm.prank(alice);
        vault.deposit(address(fee), amount);

        (uint256 balance, uint256 pending, uint64 seq,) = vault.accountState(alice, address(fee));
        (,, uint256 total) = vault.tokenConfig(address(fee));
        assertEq(balance, received, "balance");
        assertEq(pending, 0);
        assertEq(seq, 1);
        assertEq(total, received, "total");
        assertEq(fee.balanceOf(address(vault)), received, "held");
    }

    // ---------------------------------------------------------------- depositFor

    function test_depositFor_creditsAccountNotPayer() public {
        _fund(bob, address(usdc), 70e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Deposited(alice, address(usdc), bob, 70e6, 70e6, 0, 1);
        vm.prank(bob);
        vault.depositFor(alice, address(usdc), 70e6);

        (uint256 balance,, uint64 seq,) = _state(alice);
        assertEq(balance, 70e6);
        assertEq(seq, 1);
        (balance,, seq,) = _state(bob);
        assertEq(balance, 0);
        assertEq(seq, 0);
        assertEq(usdc.balanceOf(bob), 0);
        assertEq(_total(), 70e6);
    }

    function test_depositFor_revertsOnZeroAccount() public {
        _fund(bob, address(usdc), 1e6);
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAddress.selector);
        vm.prank(bob);
        vault.depositFor(address(0), address(usdc), 1e6);
    }

    function test_depositFor_revertsOnDisallowedToken() public {
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_TokenNotAllowed.selector, address(0xbeef)));
        vm.prank(bob);
        vault.depositFor(alice, address(0xbeef), 1);
    }

    function test_depositFor_revertsAboveCap() public {
        _fund(bob, address(usdc), CAP + 5);
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_DepositCapExceeded.selector, address(usdc), CAP, CAP + 5)
        );
        vm.prank(bob);
        vault.depositFor(alice, address(usdc), CAP + 5);
    }

    function test_depositFor_revertsWhenPaused() public {
        _fund(bob, address(usdc), 1e6);
        vm.prank(owner);
        vault.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(bob);
        vault.depositFor(alice, address(usdc), 1e6);
    }

    // ---------------------------------------------------------------- helpers

    function _feeToken(uint256 feeBps, uint256 cap) internal returns (FeeOnTransferToken fee) {
        fee = new FeeOnTransferToken(feeBps);
        vm.prank(owner);
        vault.configureToken(address(fee), true, cap);
        vm.prank(alice);
        fee.approve(address(vault), type(uint256).max);
    }
}
