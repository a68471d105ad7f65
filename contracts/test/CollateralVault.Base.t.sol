// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {CollateralVault} from "../src/CollateralVault.sol";
import {ICollateralVault} from "../src/interfaces/ICollateralVault.sol";
import {IQuorumVerifier} from "../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../src/libraries/MessageCodec.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {Attesters} from "./utils/Attesters.sol";

/// @notice ERC-20 that burns `feeBps` of every transfer (fee-on-transfer collateral).
contract FeeOnTransferToken is ERC20 {
    uint256 public feeBps;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FEE") {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
        } else {
            uint256 fee = value * feeBps / 10_000;
            super._update(from, address(0), fee);
            super._update(from, to, value - fee);
        }
    }
}

/// @notice ERC-20 that calls back into the vault from `transferFrom` (a hostile token).
contract ReentrantToken is ERC20 {
    CollateralVault public vault;

    constructor() ERC20("Reentrant", "REE") {}

    function setVault(CollateralVault v) external {
        vault = v;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        vault.deposit(address(this), 1);
        return super.transferFrom(from, to, value);
    }
}

/// @notice Shared fixture: a vault on this chain for a hub on `HUB_EID`, a 2-of-3 quorum, one token.
abstract contract CollateralVaultBase is Attesters {
    uint32 internal constant HUB_EID = 42161;
    uint256 internal constant CAP = 1_000_000e6;

    CollateralVault internal vault;
    MockERC20 internal usdc;
    address internal owner = makeAddr("owner");
    address internal guardian = makeAddr("guardian");
    address internal hub = makeAddr("hub");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal liquidator = makeAddr("liquidator");

    function setUp() public virtual {
        _makeAttesters(3);
        vault = new CollateralVault(owner, HUB_EID, hub, attesterAddrs, 2, guardian);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        vm.prank(owner);
        vault.configureToken(address(usdc), true, CAP);
    }

    // ---------------------------------------------------------------- account helpers

    function _fund(address who, address token, uint256 amount) internal {
        MockERC20(token).mint(who, amount);
        vm.prank(who);
        ERC20(token).approve(address(vault), type(uint256).max);
    }

    function _deposit(address who, uint256 amount) internal {
        _fund(who, address(usdc), amount);
        vm.prank(who);
        vault.deposit(address(usdc), amount);
    }

    function _request(address who, uint256 amount) internal returns (bytes32) {
        vm.prank(who);
        return vault.requestWithdrawal(address(usdc), amount);
    }

    function _state(address who) internal view returns (uint256 balance, uint256 pending, uint64 seq, uint64 nonce) {
        return vault.accountState(who, address(usdc));
    }

    function _total() internal view returns (uint256 total) {
        (,, total) = vault.tokenConfig(address(usdc));
    }

    // ---------------------------------------------------------------- command helpers

    function _approveBody(address account, uint256 amount, uint64 requestNonce) internal view returns (bytes memory) {
        return MessageCodec.encodeWithdrawalDecision(
            true,
            MessageCodec.WithdrawalDecision({account: account, token: address(usdc), amount: amount, requestNonce: requestNonce})
        );
    }

    function _rejectBody(address account, uint256 amount, uint64 requestNonce) internal view returns (bytes memory) {
        return MessageCodec.encodeWithdrawalDecision(
            false,
            MessageCodec.WithdrawalDecision({account: account, token: address(usdc), amount: amount, requestNonce: requestNonce})
        );
    }

    function _seizeBody(address account, uint256 amount, address recipient) internal view returns (bytes memory) {
        return MessageCodec.encodeSeize(
            MessageCodec.Seize({account: account, token: address(usdc), amount: amount, recipient: recipient})
        );
    }

    /// @dev A hub → vault packet with `nonce` and `body`.
    function _packet(uint64 nonce, bytes memory body) internal view returns (bytes memory packet, bytes32 guid) {
        return MessageCodec.encodePacket(nonce, HUB_EID, hub, uint32(block.chainid), address(vault), body);
    }

    /// @dev Builds, signs (2 of 3) and applies a command; returns its guid.
    function _apply(uint64 nonce, bytes memory body) internal returns (bytes32 guid) {
        bytes memory packet;
        (packet, guid) = _packet(nonce, body);
        vault.receiveCommand(packet, _attest(IQuorumVerifier(address(vault)), packet, 2));
    }

    /// @dev Signs `packet` with 2 of 3 attesters for the vault.
    function _sigs(bytes memory packet) internal view returns (bytes memory) {
        return _attest(IQuorumVerifier(address(vault)), packet, 2);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _expectCommandApplied(bytes32 guid, uint64 nonce, uint8 messageType) internal {
        vm.expectEmit(true, true, false, true, address(vault));
        emit ICollateralVault.CommandApplied(guid, nonce, messageType);
    }
}
