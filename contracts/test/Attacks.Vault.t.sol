// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {AttackFixture} from "./utils/AttackFixture.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";

/// @notice Attacks on `CollateralVault.receiveCommand` that carry a valid quorum for this vault
/// but a bad header or nonce: replayed and out-of-order commands, commands for another vault or
/// chain, commands not sent by the hub, tampered guids, and a paused vault. Each must revert with
/// the exact error and leave balances, pending, seqs, nonces and token holdings untouched.
contract AttacksVaultTest is AttackFixture {
    function setUp() public override {
        super.setUp();
        _deposit(alice, 1_000e6);
    }

    /// @dev Delivers `packet` with `sigs` to the vault on CHAIN_A expecting `err`; asserts nothing changed.
    function _expectRejected(bytes memory err, bytes memory packet, bytes memory sigs) internal {
        VaultSnapshot memory before = _vaultSnap(alice);
        vm.chainId(CHAIN_A);
        vm.expectRevert(err);
        vault.receiveCommand(packet, sigs);
        vm.chainId(hubEid);
        _assertVaultUnchanged(before, alice);
        assertEq(usdc.balanceOf(mallory), 0, "mallory got collateral");
    }

    /// @dev A SEIZE of alice's 1,000 USDC to mallory, with an explicit header.
    function _seizePacket(uint64 nonce, uint32 srcEid, address sender, uint32 dstEid, address receiver)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return MessageCodec.encodePacket(nonce, srcEid, sender, dstEid, receiver, _seizeBody(alice, 1_000e6, mallory));
    }

    // ------------------------------------------------------------ 1. replayed command

    /// @dev End to end: alice's first request is approved by the hub and released at the vault.
    /// While a second request waits for the hub, the first APPROVE (nonce 1, same signatures) is
    /// delivered again: it would release the new pending funds without the hub's decision.
    function test_attack_replayedCommandAtVault() public {
        _creditUsdc(alice, 1_000e6, 1);
        bytes memory approve = _relayRequest(_requestAtVault(alice, 400e6));
        assertEq(this.decodeHeader(approve).nonce, 1);
        bytes memory sigs = _vaultSigs(approve);
        vm.chainId(CHAIN_A);
        vault.receiveCommand(approve, sigs);
        assertEq(usdc.balanceOf(alice), 400e6);

        _requestAtVault(alice, 300e6);
        VaultSnapshot memory before = _vaultSnap(alice);
        assertEq(before.pending, 300e6);
        vm.chainId(CHAIN_A);
        vm.expectRevert(abi.encodeWithSelector(ICollateralVault.CollateralVault_CommandAlreadyApplied.selector, 1));
        vault.receiveCommand(approve, sigs);
        _assertVaultUnchanged(before, alice);
        assertEq(usdc.balanceOf(alice), 400e6, "released twice");
    }

    // ------------------------------------------------------------ 12. out-of-order command nonce

    /// @dev Nonce 2 before nonce 1: applying it would let a later command overtake an earlier one
    /// (e.g. a SEIZE overtaking the REJECT that returns pending funds). Nonce 1 then 2 still work.
    function test_attack_outOfOrderCommandAtVault() public {
        (bytes memory second,) = _commandPacket(2, _seizeBody(alice, 1_000e6, mallory));
        _expectRejected(
            abi.encodeWithSelector(ICollateralVault.CollateralVault_CommandOutOfOrder.selector, 1, 2),
            second,
            _vaultSigs(second)
        );

        (bytes memory first,) = _commandPacket(1, _seizeBody(alice, 100e6, keeper));
        _deliverToVault(first);
        _deliverToVault(second);
        assertEq(vault.inboundNonce(), 2);
        assertEq(usdc.balanceOf(keeper), 100e6);
        assertEq(usdc.balanceOf(mallory), 900e6);
    }

    // ------------------------------------------------------------ 13. command for another vault

    /// @dev Addressed to another vault on this chain (same hub, same attesters). Even with a
    /// quorum under this vault's domain, the header binds the command to its receiver.
    function test_attack_commandForAnotherVault() public {
        vm.chainId(CHAIN_A);
        CollateralVault otherVault = _deployVault();
        vm.chainId(hubEid);
        (bytes memory packet,) = _seizePacket(1, hubEid, address(hub), CHAIN_A, address(otherVault));
        _expectRejected(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_WrongDestination.selector,
                CHAIN_A,
                MessageCodec.addressToBytes32(address(otherVault))
            ),
            packet,
            _vaultSigs(packet)
        );
    }

    /// @dev Addressed to this vault's address on another chain (a vault deployed at the same
    /// address elsewhere): dstEid must be this chain.
    function test_attack_commandForAnotherChain() public {
        (bytes memory packet,) = _seizePacket(1, hubEid, address(hub), OTHER_CHAIN, address(vault));
        _expectRejected(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_WrongDestination.selector,
                OTHER_CHAIN,
                MessageCodec.addressToBytes32(address(vault))
            ),
            packet,
            _vaultSigs(packet)
        );
    }

    // ------------------------------------------------------------ 14. command not from the hub

    /// @dev A valid quorum over a packet whose sender is not the hub.
    function test_attack_commandFromWrongSender() public {
        (bytes memory packet,) = _seizePacket(1, hubEid, mallory, CHAIN_A, address(vault));
        _expectRejected(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_UnknownSender.selector, hubEid, MessageCodec.addressToBytes32(mallory)
            ),
            packet,
            _vaultSigs(packet)
        );
    }

    /// @dev The hub's address, but on another chain (e.g. a contract deployed at the hub's address elsewhere).
    function test_attack_commandFromWrongSourceChain() public {
        (bytes memory packet,) = _seizePacket(1, OTHER_CHAIN, address(hub), CHAIN_A, address(vault));
        _expectRejected(
            abi.encodeWithSelector(
                ICollateralVault.CollateralVault_UnknownSender.selector,
                OTHER_CHAIN,
                MessageCodec.addressToBytes32(address(hub))
            ),
            packet,
            _vaultSigs(packet)
        );
    }

    // ------------------------------------------------------------ 19. tampered packet

    /// @dev The guid field no longer matches the header (e.g. set to another command's guid so the
    /// relayer's and indexer's books mark the wrong message as delivered).
    function test_attack_tamperedCommandGuid() public {
        (bytes memory packet, bytes32 guid) = _seizePacket(1, hubEid, address(hub), CHAIN_A, address(vault));
        (, bytes32 otherGuid) = _seizePacket(7, hubEid, address(hub), CHAIN_A, address(vault));
        bytes memory tampered = _overwrite(packet, MessageCodec.GUID_OFFSET, abi.encodePacked(otherGuid));
        _expectRejected(
            abi.encodeWithSelector(MessageCodec.MessageCodec_InvalidGuid.selector, guid, otherGuid),
            tampered,
            _vaultSigs(tampered)
        );
    }

    // ------------------------------------------------------------ 20. paused vault

    /// @dev The guardian's pause stops a validly attested command; after unpause it applies.
    function test_attack_pausedVaultRejectsCommand() public {
        (bytes memory packet,) = _seizePacket(1, hubEid, address(hub), CHAIN_A, address(vault));
        bytes memory sigs = _vaultSigs(packet);
        vm.prank(guardian);
        vault.pause();
        _expectRejected(abi.encodeWithSelector(Pausable.EnforcedPause.selector), packet, sigs);

        vm.prank(owner);
        vault.unpause();
        _deliverToVault(packet);
        assertEq(usdc.balanceOf(mallory), 1_000e6);
    }
}
