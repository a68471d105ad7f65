// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {CollateralVaultBase} from "./CollateralVault.Base.t.sol";

/// @notice `receiveCommand`: approve, reject, seize; ordering, replay, header and quorum checks.
contract CollateralVaultCommandsTest is CollateralVaultBase {
    function setUp() public override {
        super.setUp();
        _deposit(alice, 100e6);
    }

    // ---------------------------------------------------------------- APPROVE_WITHDRAWAL

    function test_receiveCommand_approveReleasesPending() public {
        _request(alice, 40e6);
        (bytes memory packet, bytes32 guid) = _packet(1, _approveBody(alice, 40e6, 1));
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalReleased(alice, address(usdc), 40e6, 60e6, 0, 3, 1);
        _expectCommandApplied(guid, 1, MessageCodec.APPROVE_WITHDRAWAL);
        vault.receiveCommand(packet, _sigs(packet));

        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 60e6);
        assertEq(pending, 0);
        assertEq(seq, 3);
        assertEq(nonce, 1);
        assertEq(vault.inboundNonce(), 1);
        assertEq(usdc.balanceOf(alice), 40e6);
        assertEq(_total(), 60e6);
        _assertBacked();
    }

    function test_receiveCommand_approveReleasesPartOfPending() public {
        _request(alice, 40e6);
        _apply(1, _approveBody(alice, 15e6, 1));
        (uint256 balance, uint256 pending,,) = _state(alice);
        assertEq(balance, 60e6);
        assertEq(pending, 25e6);
        assertEq(usdc.balanceOf(alice), 15e6);
        _assertBacked();
    }

    function test_receiveCommand_approveCappedAtPending() public {
        _request(alice, 40e6);
        (bytes memory packet,) = _packet(1, _approveBody(alice, 90e6, 1));
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalReleased(alice, address(usdc), 40e6, 60e6, 0, 3, 1);
        vault.receiveCommand(packet, _sigs(packet));
        assertEq(usdc.balanceOf(alice), 40e6);
        (uint256 balance,,,) = _state(alice);
        assertEq(balance, 60e6, "balance untouched");
        _assertBacked();
    }

    function test_receiveCommand_approveWithNothingPendingStillApplies() public {
        _apply(1, _approveBody(alice, 10e6, 1));
        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 100e6);
        assertEq(pending, 0);
        assertEq(seq, 2);
        assertEq(nonce, 1);
        assertEq(vault.inboundNonce(), 1);
        assertEq(usdc.balanceOf(alice), 0);
    }

    // ---------------------------------------------------------------- REJECT_WITHDRAWAL

    function test_receiveCommand_rejectReturnsPendingToBalance() public {
        _request(alice, 40e6);
        (bytes memory packet, bytes32 guid) = _packet(1, _rejectBody(alice, 40e6, 1));
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalRejected(alice, address(usdc), 40e6, 100e6, 0, 3, 1);
        _expectCommandApplied(guid, 1, MessageCodec.REJECT_WITHDRAWAL);
        vault.receiveCommand(packet, _sigs(packet));

        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 100e6);
        assertEq(pending, 0);
        assertEq(seq, 3);
        assertEq(nonce, 1);
        assertEq(usdc.balanceOf(alice), 0);
        assertEq(_total(), 100e6);
        _assertBacked();
    }

    function test_receiveCommand_rejectCappedAtPending() public {
        _request(alice, 40e6);
        (bytes memory packet,) = _packet(1, _rejectBody(alice, 1000e6, 1));
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalRejected(alice, address(usdc), 40e6, 100e6, 0, 3, 1);
        vault.receiveCommand(packet, _sigs(packet));
    }

    // ---------------------------------------------------------------- SEIZE

    function test_receiveCommand_seizeFromBalance() public {
        (bytes memory packet, bytes32 guid) = _packet(1, _seizeBody(alice, 30e6, liquidator));
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Seized(alice, address(usdc), liquidator, 30e6, 70e6, 0, 2, 1);
        _expectCommandApplied(guid, 1, MessageCodec.SEIZE);
        vault.receiveCommand(packet, _sigs(packet));

        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 70e6);
        assertEq(pending, 0);
        assertEq(seq, 2);
        assertEq(nonce, 1);
        assertEq(usdc.balanceOf(liquidator), 30e6);
        assertEq(usdc.balanceOf(alice), 0);
        assertEq(_total(), 70e6);
        _assertBacked();
    }

    function test_receiveCommand_seizeFromBalanceThenPending() public {
        _request(alice, 40e6); // balance 60, pending 40
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Seized(alice, address(usdc), liquidator, 80e6, 0, 20e6, 3, 1);
        _apply(1, _seizeBody(alice, 80e6, liquidator));
        (uint256 balance, uint256 pending,,) = _state(alice);
        assertEq(balance, 0);
        assertEq(pending, 20e6);
        assertEq(usdc.balanceOf(liquidator), 80e6);
        assertEq(_total(), 20e6);
        _assertBacked();
    }

    function test_receiveCommand_seizeCappedAtHeld() public {
        _request(alice, 40e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Seized(alice, address(usdc), liquidator, 100e6, 0, 0, 3, 1);
        _apply(1, _seizeBody(alice, 500e6, liquidator));
        assertEq(usdc.balanceOf(liquidator), 100e6);
        assertEq(_total(), 0);
        _assertBacked();
    }

    function test_receiveCommand_seizeTakesOnlyThatAccount() public {
        _deposit(bob, 50e6);
        _apply(1, _seizeBody(alice, type(uint256).max, liquidator));
        (uint256 balance,,,) = _state(bob);
        assertEq(balance, 50e6);
        assertEq(usdc.balanceOf(liquidator), 100e6);
        assertEq(_total(), 50e6);
        _assertBacked();
    }

    function test_receiveCommand_seizeOfEmptyAccountStillApplies() public {
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICollateralVault.Seized(bob, address(usdc), liquidator, 0, 0, 0, 1, 1);
        _apply(1, _seizeBody(bob, 5e6, liquidator));
        assertEq(vault.inboundNonce(), 1);
        assertEq(usdc.balanceOf(liquidator), 0);
    }

    function testFuzz_seize_neverTakesMoreThanHeld(uint256 deposited, uint256 requested, uint256 amount) public {
        deposited = bound(deposited, 1, CAP - 100e6);
        requested = bound(requested, 0, deposited);
        _deposit(bob, deposited);
        if (requested > 0) _request(bob, requested);
        uint256 totalBefore = _total();

        _apply(1, _seizeBody(bob, amount, liquidator));

        uint256 expected = _min(amount, deposited);
        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(bob);
        assertEq(usdc.balanceOf(liquidator), expected, "seized");
        assertEq(balance + pending, deposited - expected, "left");
        assertEq(balance, (deposited - requested) - _min(amount, deposited - requested), "balance first");
        assertEq(_total(), totalBefore - expected, "total");
        assertEq(seq, requested > 0 ? 3 : 2);
        assertEq(nonce, 1);
        _assertBacked();
    }

    // ---------------------------------------------------------------- ordering and replay

    function test_receiveCommand_appliesInOrderAcrossAccounts() public {
        _deposit(bob, 10e6);
        _request(alice, 10e6);
        _apply(1, _seizeBody(bob, 1e6, liquidator));
        _apply(2, _approveBody(alice, 10e6, 1));
        _apply(3, _seizeBody(bob, 1e6, liquidator));
        assertEq(vault.inboundNonce(), 3);
        (,,, uint64 aliceNonce) = _state(alice);
        (,,, uint64 bobNonce) = _state(bob);
        assertEq(aliceNonce, 2);
        assertEq(bobNonce, 3);
    }

    function test_receiveCommand_revertsOutOfOrder() public {
        (bytes memory packet,) = _packet(2, _seizeBody(alice, 1, liquidator));
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_CommandOutOfOrder.selector, 1, 2));
        vault.receiveCommand(packet, sigs);
        // once nonce 1 is applied, nonce 2 goes through
        _apply(1, _seizeBody(alice, 1, liquidator));
        vault.receiveCommand(packet, sigs);
        assertEq(vault.inboundNonce(), 2);
    }

    function test_receiveCommand_revertsOnReplay() public {
        (bytes memory packet,) = _packet(1, _seizeBody(alice, 10e6, liquidator));
        bytes memory sigs = _sigs(packet);
        vault.receiveCommand(packet, sigs);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_CommandAlreadyApplied.selector, 1));
        vault.receiveCommand(packet, sigs);
        assertEq(usdc.balanceOf(liquidator), 10e6, "applied once");
    }

    function test_receiveCommand_revertsOnNonceZero() public {
        (bytes memory packet,) = _packet(0, _seizeBody(alice, 10e6, liquidator));
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_CommandAlreadyApplied.selector, 0));
        vault.receiveCommand(packet, sigs);
    }

    function test_receiveCommand_failedCommandDoesNotConsumeNonce() public {
        (bytes memory packet,) = _packet(1, hex"09");
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_UnknownCommand.selector, 9));
        vault.receiveCommand(packet, sigs);
        assertEq(vault.inboundNonce(), 0);
        _apply(1, _seizeBody(alice, 1, liquidator));
        assertEq(vault.inboundNonce(), 1);
    }

    // ---------------------------------------------------------------- header

    function test_receiveCommand_revertsOnWrongSrcEid() public {
        (bytes memory packet,) =
            MessageCodec.encodePacket(1, HUB_EID + 1, hub, uint32(block.chainid), address(vault), _seizeBody(alice, 1, bob));
        _expectHeaderRevert(
            packet,
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_UnknownSender.selector, HUB_EID + 1, MessageCodec.addressToBytes32(hub)
            )
        );
    }

    function test_receiveCommand_revertsOnWrongSender() public {
        (bytes memory packet,) =
            MessageCodec.encodePacket(1, HUB_EID, bob, uint32(block.chainid), address(vault), _seizeBody(alice, 1, bob));
        _expectHeaderRevert(
            packet,
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_UnknownSender.selector, HUB_EID, MessageCodec.addressToBytes32(bob)
            )
        );
    }

    function test_receiveCommand_revertsOnWrongDstEid() public {
        uint32 other = uint32(block.chainid) + 1;
        (bytes memory packet,) = MessageCodec.encodePacket(1, HUB_EID, hub, other, address(vault), _seizeBody(alice, 1, bob));
        _expectHeaderRevert(
            packet,
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_WrongDestination.selector, other, MessageCodec.addressToBytes32(address(vault))
            )
        );
    }

    function test_receiveCommand_revertsOnWrongReceiver() public {
        (bytes memory packet,) =
            MessageCodec.encodePacket(1, HUB_EID, hub, uint32(block.chainid), bob, _seizeBody(alice, 1, bob));
        _expectHeaderRevert(
            packet,
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_WrongDestination.selector,
                uint32(block.chainid),
                MessageCodec.addressToBytes32(bob)
            )
        );
    }

    function test_receiveCommand_revertsOnTamperedGuid() public {
        (bytes memory packet, bytes32 guid) = _packet(1, _seizeBody(alice, 1, bob));
        packet[MessageCodec.GUID_OFFSET + 31] = bytes1(uint8(packet[MessageCodec.GUID_OFFSET + 31]) ^ 1);
        _expectHeaderRevert(
            packet, abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidGuid.selector, guid, guid ^ bytes32(uint256(1)))
        );
    }

    function test_receiveCommand_revertsOnPacketWithoutMessage() public {
        (bytes memory full,) = _packet(1, _seizeBody(alice, 1, bob));
        bytes memory packet = new bytes(MessageCodec.MESSAGE_OFFSET);
        for (uint256 i; i < packet.length; ++i) {
            packet[i] = full[i];
        }
        _expectHeaderRevert(packet, abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidPacket.selector, 113));
    }

    // ---------------------------------------------------------------- body

    function test_receiveCommand_revertsOnWithdrawalRequestBody() public {
        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({
                account: alice, token: address(usdc), amount: 1, balanceAfter: 0, seq: 1, inboundNonce: 0
            })
        );
        (bytes memory packet,) = _packet(1, body);
        _expectHeaderRevert(packet, abi.encodeWithSelector(ICollateralVault.CollateralVault_UnknownCommand.selector, 2));
    }

    function test_receiveCommand_revertsOnBalanceBatchBody() public {
        bytes memory body = MessageCodec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({root: bytes32(uint256(1)), leafCount: 1, sourceBlock: 1, sourceTimestamp: 1})
        );
        (bytes memory packet,) = _packet(1, body);
        _expectHeaderRevert(packet, abi.encodeWithSelector(ICollateralVault.CollateralVault_UnknownCommand.selector, 1));
    }

    function test_receiveCommand_revertsOnMalformedCommand() public {
        (bytes memory packet,) = _packet(1, bytes.concat(_approveBody(alice, 1, 1), hex"00"));
        _expectHeaderRevert(
            packet, abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidMessageLength.selector, 3, 82)
        );
    }

    // ---------------------------------------------------------------- quorum and pause

    function test_receiveCommand_revertsBelowThreshold() public {
        (bytes memory packet,) = _packet(1, _seizeBody(alice, 1, bob));
        bytes memory sigs = _attest(IQuorumVerifier(address(vault)), packet, 1);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_BelowThreshold.selector, 1, 2));
        vault.receiveCommand(packet, sigs);
    }

    function test_receiveCommand_revertsOnSignaturesForAnotherPacket() public {
        (bytes memory packet,) = _packet(1, _seizeBody(alice, 100e6, bob));
        (bytes memory signed,) = _packet(1, _seizeBody(alice, 1, bob));
        bytes memory sigs = _sigs(signed);
        bytes32 digest = vault.attestationDigest(packet);
        (bytes32 r, bytes32 s, uint8 v) = _split(sigs);
        address recovered = ecrecover(digest, v, r, s);
        vm.expectRevert(abi.encodeWithSelector(IQuorumVerifier.QuorumVerifier_UnknownSigner.selector, 0, recovered));
        vault.receiveCommand(packet, sigs);
    }

    function test_receiveCommand_revertsWhenPaused() public {
        (bytes memory packet,) = _packet(1, _seizeBody(alice, 1, bob));
        bytes memory sigs = _sigs(packet);
        vm.prank(guardian);
        vault.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vault.receiveCommand(packet, sigs);
        vm.prank(owner);
        vault.unpause();
        vault.receiveCommand(packet, sigs);
        assertEq(vault.inboundNonce(), 1);
    }

    function test_receiveCommand_acceptsAnyCaller() public {
        (bytes memory packet,) = _packet(1, _seizeBody(alice, 1, bob));
        bytes memory sigs = _sigs(packet);
        vm.prank(makeAddr("relayer"));
        vault.receiveCommand(packet, sigs);
        assertEq(usdc.balanceOf(bob), 1);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Signs `packet` properly and expects `receiveCommand` to revert with `err` (quorum passes first).
    function _expectHeaderRevert(bytes memory packet, bytes memory err) internal {
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(err);
        vault.receiveCommand(packet, sigs);
        assertEq(vault.inboundNonce(), 0);
    }

    /// @dev The vault holds at least what it owes its accounts (here: exactly, as no one sent tokens directly).
    function _assertBacked() internal view {
        assertEq(usdc.balanceOf(address(vault)), _total(), "held == owed");
    }

    function _split(bytes memory sigs) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sigs, 32))
            s := mload(add(sigs, 64))
            v := byte(0, mload(add(sigs, 96)))
        }
    }
}
