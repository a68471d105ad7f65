// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {CollateralVaultBase} from "./CollateralVault.Base.t.sol";
import {MessageCodecHarness} from "./utils/MessageCodecHarness.sol";

/// @notice `requestWithdrawal`: balance → pending, and the WITHDRAWAL_REQUEST packet it sends.
contract CollateralVaultWithdrawTest is CollateralVaultBase {
    MessageCodecHarness internal codec;

    function setUp() public override {
        super.setUp();
        codec = new MessageCodecHarness();
        _deposit(alice, 100e6);
    }

    function test_requestWithdrawal_movesBalanceToPending() public {
        _request(alice, 40e6);
        (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) = _state(alice);
        assertEq(balance, 60e6);
        assertEq(pending, 40e6);
        assertEq(seq, 2);
        assertEq(nonce, 0);
        assertEq(vault.outboundNonce(), 1);
        // nothing leaves the vault, and the total still counts pending
        assertEq(usdc.balanceOf(address(vault)), 100e6);
        assertEq(usdc.balanceOf(alice), 0);
        assertEq(_total(), 100e6);
    }

    function test_requestWithdrawal_acceptsWholeBalance() public {
        _request(alice, 100e6);
        (uint256 balance, uint256 pending,,) = _state(alice);
        assertEq(balance, 0);
        assertEq(pending, 100e6);
    }

    function test_requestWithdrawal_emitsRequestThenPacket() public {
        (bytes memory packet, bytes32 guid) = _expectedPacket(1, alice, 40e6, 60e6, 2, 0);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.WithdrawalRequested(alice, address(usdc), 40e6, 60e6, 40e6, 2, 1, guid);
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.PacketSent(guid, 1, HUB_EID, packet);
        bytes32 returned = _request(alice, 40e6);
        assertEq(returned, guid);
    }

    function test_requestWithdrawal_returnsGuidOfPath() public {
        bytes32 guid = _request(alice, 1);
        bytes32 expected = keccak256(
            abi.encodePacked(
                uint64(1),
                uint32(block.chainid),
                bytes32(uint256(uint160(address(vault)))),
                HUB_EID,
                bytes32(uint256(uint160(hub)))
            )
        );
        assertEq(guid, expected);
    }

    function test_requestWithdrawal_packetDecodesToRequest() public {
        vm.recordLogs();
        bytes32 guid = _request(alice, 25e6);
        bytes memory packet = _sentPacket(vm.getRecordedLogs());

        MessageCodec.Header memory h = codec.decodeHeader(packet);
        assertEq(h.nonce, 1);
        assertEq(h.srcEid, uint32(block.chainid));
        assertEq(codec.bytes32ToAddress(h.sender), address(vault));
        assertEq(h.dstEid, HUB_EID);
        assertEq(codec.bytes32ToAddress(h.receiver), hub);
        assertEq(h.guid, guid);

        MessageCodec.WithdrawalRequest memory w = codec.decodeWithdrawalRequest(codec.message(packet));
        assertEq(w.account, alice);
        assertEq(w.token, address(usdc));
        assertEq(w.amount, 25e6);
        assertEq(w.balanceAfter, 75e6);
        assertEq(w.seq, 2);
        assertEq(w.inboundNonce, 0);
    }

    function test_requestWithdrawal_incrementsOutboundNonce() public {
        bytes32 first = _request(alice, 10e6);
        _deposit(bob, 5e6);
        vm.recordLogs();
        bytes32 second = _request(bob, 5e6);
        MessageCodec.Header memory h = codec.decodeHeader(_sentPacket(vm.getRecordedLogs()));
        assertEq(h.nonce, 2);
        assertEq(vault.outboundNonce(), 2);
        assertTrue(first != second);
        assertEq(second, h.guid);
    }

    function test_requestWithdrawal_carriesKeyInboundNonce() public {
        _request(alice, 40e6);
        _apply(1, _rejectBody(alice, 40e6, 1)); // the key's inboundNonce becomes 1
        _deposit(bob, 10e6);

        vm.recordLogs();
        _request(alice, 30e6);
        MessageCodec.WithdrawalRequest memory w =
            codec.decodeWithdrawalRequest(codec.message(_sentPacket(vm.getRecordedLogs())));
        assertEq(w.inboundNonce, 1);
        assertEq(w.balanceAfter, 70e6); // 100 - 40 + 40 (rejected) - 30
        assertEq(w.seq, 4); // deposit, request, reject, request

        // another key on the same path has applied no command
        vm.recordLogs();
        _request(bob, 10e6);
        w = codec.decodeWithdrawalRequest(codec.message(_sentPacket(vm.getRecordedLogs())));
        assertEq(w.inboundNonce, 0);
        assertEq(w.balanceAfter, 0);
        assertEq(w.seq, 2);
    }

    function test_requestWithdrawal_allowedAfterTokenDisallowed() public {
        vm.prank(owner);
        vault.configureToken(address(usdc), false, 0);
        _request(alice, 100e6);
        (, uint256 pending,,) = _state(alice);
        assertEq(pending, 100e6);
    }

    function test_requestWithdrawal_revertsOnZeroAmount() public {
        vm.expectRevert(ICollateralVault.CollateralVault_ZeroAmount.selector);
        vm.prank(alice);
        vault.requestWithdrawal(address(usdc), 0);
    }

    function test_requestWithdrawal_revertsOnInsufficientBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_InsufficientBalance.selector, alice, address(usdc), 100e6, 100e6 + 1
            )
        );
        vm.prank(alice);
        vault.requestWithdrawal(address(usdc), 100e6 + 1);
    }

    function test_requestWithdrawal_pendingIsNotWithdrawableTwice() public {
        _request(alice, 70e6);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_InsufficientBalance.selector, alice, address(usdc), 30e6, 31e6
            )
        );
        vm.prank(alice);
        vault.requestWithdrawal(address(usdc), 31e6);
    }

    function test_requestWithdrawal_revertsForUnknownAccount() public {
        vm.expectRevert(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_InsufficientBalance.selector, bob, address(usdc), 0, 1)
        );
        vm.prank(bob);
        vault.requestWithdrawal(address(usdc), 1);
    }

    function test_requestWithdrawal_revertsWhenPaused() public {
        vm.prank(guardian);
        vault.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(alice);
        vault.requestWithdrawal(address(usdc), 1);
        assertEq(vault.outboundNonce(), 0);
    }

    // ---------------------------------------------------------------- helpers

    function _expectedPacket(uint64 nonce, address account, uint256 amount, uint256 balanceAfter, uint64 seq, uint64 inbound)
        internal
        view
        returns (bytes memory, bytes32)
    {
        bytes memory body = MessageCodec.encodeWithdrawalRequest(
            MessageCodec.WithdrawalRequest({
                account: account,
                token: address(usdc),
                amount: amount,
                balanceAfter: balanceAfter,
                seq: seq,
                inboundNonce: inbound
            })
        );
        return MessageCodec.encodePacket(nonce, uint32(block.chainid), address(vault), HUB_EID, hub, body);
    }

    /// @dev The packet of the single PacketSent log among `logs`.
    function _sentPacket(Vm.Log[] memory logs) internal view returns (bytes memory packet) {
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(vault) && logs[i].topics[0] == ICollateralVault.PacketSent.selector) {
                uint32 dstEid;
                (dstEid, packet) = abi.decode(logs[i].data, (uint32, bytes));
                assertEq(dstEid, HUB_EID);
                ++found;
            }
        }
        assertEq(found, 1, "one PacketSent");
    }
}
