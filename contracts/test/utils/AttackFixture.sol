// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {HubFixture, MockConsumer} from "./HubFixture.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {ICollateralVault} from "../../src/interfaces/ICollateralVault.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {MockERC20} from "../../src/mocks/MockERC20.sol";

/// @notice Base of the attack tests: the `HubFixture` hub on the hub chain plus a real
/// `CollateralVault` on `CHAIN_A` holding a real `MockERC20` USDC. The vault replaces the
/// fixture's placeholder as the hub's registered vault of `CHAIN_A`, and its USDC is a hub
/// collateral, so packets travel vault → hub → vault for real inside one EVM.
/// @dev Both contracts live in one EVM but on different chain ids: each is deployed and called
/// on its own chain id (`vm.chainId`), so each verifies under its own EIP-712 domain (OpenZeppelin
/// EIP712 rebuilds the domain when `block.chainid` differs from the one it cached). Tests run
/// on the hub chain; every helper that signs for or calls the vault switches to `CHAIN_A` and
/// back to the chain it was called on.
abstract contract AttackFixture is HubFixture {
    /// @notice What an attack on the hub must leave untouched for one (account, chain, token).
    struct HubSnapshot {
        uint256 credit;
        uint64 seq;
        uint256 outstanding;
        uint64 lastCommandNonce;
        uint64 inboundNonce;
        uint64 outboundNonce;
    }

    /// @notice What an attack on the vault must leave untouched for one account (USDC).
    struct VaultSnapshot {
        uint256 balance;
        uint256 pending;
        uint64 seq;
        uint64 keyNonce;
        uint64 inboundNonce;
        uint64 outboundNonce;
        uint256 totalDeposited;
        uint256 vaultTokens;
        uint256 accountTokens;
    }

    /// @dev secp256k1 group order (high-s signatures are `N − s`).
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev A chain that is neither the hub chain nor a registered vault chain.
    uint32 internal constant OTHER_CHAIN = 8_453;
    uint256 internal constant VAULT_CAP = 10_000_000e6;

    /// @dev The hub chain's eid (= the chain id the hub was deployed on).
    uint32 internal hubEid;
    CollateralVault internal vault;
    MockERC20 internal usdc;
    MockConsumer internal consumer;
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal keeper = makeAddr("keeper");
    address internal mallory;
    uint256 internal malloryKey;

    function setUp() public virtual override {
        super.setUp();
        (mallory, malloryKey) = makeAddrAndKey("mallory");
        hubEid = hub.localEid();

        vm.chainId(CHAIN_A);
        usdc = new MockERC20("USD Coin", "USDC", 6);
        vault = _deployVault();
        vm.prank(owner);
        vault.configureToken(address(usdc), true, VAULT_CAP);
        vm.chainId(hubEid);

        vm.startPrank(owner);
        hub.setVault(CHAIN_A, address(vault));
        hub.setCollateral(CHAIN_A, address(usdc), _config(address(usdcFeed), 1 days, 6, 200, 9_900, 200, 0));
        vm.stopPrank();
        consumer = _deployMockConsumer();
    }

    /// @notice A vault on the current chain for this hub, with the fixture's 2-of-3 attesters.
    function _deployVault() internal returns (CollateralVault) {
        return new CollateralVault(owner, hubEid, address(hub), attesterAddrs, THRESHOLD, guardian);
    }

    // ------------------------------------------------------------ vault-side actions

    /// @notice Mints `amount` USDC to `who` and deposits it into the vault.
    function _deposit(address who, uint256 amount) internal {
        uint256 chain = block.chainid;
        vm.chainId(CHAIN_A);
        usdc.mint(who, amount);
        vm.startPrank(who);
        usdc.approve(address(vault), amount);
        vault.deposit(address(usdc), amount);
        vm.stopPrank();
        vm.chainId(chain);
    }

    /// @notice `who` requests a withdrawal at the vault; returns the WITHDRAWAL_REQUEST packet it emitted.
    function _requestAtVault(address who, uint256 amount) internal returns (bytes memory packet) {
        uint256 chain = block.chainid;
        vm.chainId(CHAIN_A);
        vm.recordLogs();
        vm.prank(who);
        vault.requestWithdrawal(address(usdc), amount);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(vault) && logs[i].topics[0] == ICollateralVault.PacketSent.selector) {
                (, packet) = abi.decode(logs[i].data, (uint32, bytes));
            }
        }
        require(packet.length != 0, "AttackFixture: no request packet");
        vm.chainId(chain);
    }

    /// @notice Quorum (first `THRESHOLD` attesters) over `packet` under the vault's domain on `CHAIN_A`.
    function _vaultSigs(bytes memory packet) internal returns (bytes memory sigs) {
        uint256 chain = block.chainid;
        vm.chainId(CHAIN_A);
        sigs = _attest(IQuorumVerifier(address(vault)), packet, THRESHOLD);
        vm.chainId(chain);
    }

    /// @notice Delivers a hub command to the vault with a valid quorum.
    function _deliverToVault(bytes memory command) internal {
        bytes memory sigs = _vaultSigs(command);
        uint256 chain = block.chainid;
        vm.chainId(CHAIN_A);
        vault.receiveCommand(command, sigs);
        vm.chainId(chain);
    }

    // ------------------------------------------------------------ hub-side actions

    /// @notice Relays a vault packet to the hub with a valid quorum; returns the command the hub sent back.
    function _relayRequest(bytes memory request) internal returns (bytes memory command) {
        bytes memory sigs = _sigs(request);
        vm.recordLogs();
        hub.receiveWithdrawalRequest(request, sigs);
        (, bytes[] memory packets) = _sentPackets(vm.getRecordedLogs());
        require(packets.length == 1, "AttackFixture: expected one command");
        command = packets[0];
    }

    /// @notice Credits `account`'s vault USDC at the hub through a one-leaf batch.
    function _creditUsdc(address account, uint256 balance, uint64 seq) internal returns (bytes32) {
        return _credit(CHAIN_A, account, address(usdc), balance, seq);
    }

    // ------------------------------------------------------------ packets

    /// @notice A hub → vault command packet with `nonce` and `body`.
    function _commandPacket(uint64 nonce, bytes memory body) internal view returns (bytes memory packet, bytes32 guid) {
        return MessageCodec.encodePacket(nonce, hubEid, address(hub), CHAIN_A, address(vault), body);
    }

    function _seizeBody(address account, uint256 amount, address recipient) internal view returns (bytes memory) {
        return MessageCodec.encodeSeize(
            MessageCodec.Seize({account: account, token: address(usdc), amount: amount, recipient: recipient})
        );
    }

    function _approveBody(address account, uint256 amount, uint64 requestNonce) internal view returns (bytes memory) {
        return MessageCodec.encodeWithdrawalDecision(
            true,
            MessageCodec.WithdrawalDecision({
                account: account, token: address(usdc), amount: amount, requestNonce: requestNonce
            })
        );
    }

    /// @notice A one-leaf batch crediting `account`'s vault USDC, ready for `submitBatch`.
    function _usdcBatch(address account, uint256 balance, uint64 seq)
        internal
        returns (bytes memory packet, bytes32 guid, BatchProof memory b)
    {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_A, account, address(usdc), balance, seq, 0);
        b = _batchProof(leaves);
        (packet, guid) = _batchPacketFor(leaves);
    }

    /// @notice The `count` signatures, with signature `i` malleated: `s → N − s`, `v` flipped.
    /// The result is a valid secp256k1 signature by the same key over the same digest.
    function _malleate(bytes memory sigs, uint256 i) internal pure returns (bytes memory out) {
        out = bytes.concat(sigs);
        uint256 offset = i * 65;
        bytes32 s;
        assembly ("memory-safe") {
            s := mload(add(add(out, 0x20), add(offset, 32)))
        }
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        assembly ("memory-safe") {
            mstore(add(add(out, 0x20), add(offset, 32)), highS)
        }
        out[offset + 64] = out[offset + 64] == bytes1(uint8(27)) ? bytes1(uint8(28)) : bytes1(uint8(27));
    }

    /// @notice Plain `ecrecover` of signature `i` of `sigs` over `digest` (no malleability check).
    function _recover(bytes32 digest, bytes memory sigs, uint256 i) internal pure returns (address) {
        uint256 offset = i * 65;
        bytes32 r;
        bytes32 s;
        assembly ("memory-safe") {
            r := mload(add(add(sigs, 0x20), offset))
            s := mload(add(add(sigs, 0x20), add(offset, 32)))
        }
        return ecrecover(digest, uint8(sigs[offset + 64]), r, s);
    }

    /// @notice Rewrites bytes `[start, start + data.length)` of a copy of `packet`.
    function _overwrite(bytes memory packet, uint256 start, bytes memory data)
        internal
        pure
        returns (bytes memory out)
    {
        out = bytes.concat(packet);
        for (uint256 i; i < data.length; ++i) {
            out[start + i] = data[i];
        }
    }

    // ------------------------------------------------------------ snapshots

    function _hubSnap(address account, uint64 chainId, address token) internal view returns (HubSnapshot memory s) {
        (s.credit, s.seq) = hub.creditedBalance(account, chainId, token);
        (s.outstanding, s.lastCommandNonce) = hub.outstanding(account, chainId, token);
        // forge-lint: disable-next-line(unsafe-typecast)
        s.inboundNonce = hub.inboundNonce(uint32(chainId));
        // forge-lint: disable-next-line(unsafe-typecast)
        s.outboundNonce = hub.outboundNonce(uint32(chainId));
    }

    /// @notice Snapshot of `account`'s vault USDC at the hub.
    function _hubSnap(address account) internal view returns (HubSnapshot memory) {
        return _hubSnap(account, CHAIN_A, address(usdc));
    }

    function _assertHubUnchanged(HubSnapshot memory before, address account, uint64 chainId, address token)
        internal
        view
    {
        HubSnapshot memory a = _hubSnap(account, chainId, token);
        assertEq(a.credit, before.credit, "hub credit changed");
        assertEq(a.seq, before.seq, "hub seq changed");
        assertEq(a.outstanding, before.outstanding, "hub outstanding changed");
        assertEq(a.lastCommandNonce, before.lastCommandNonce, "hub lastCommandNonce changed");
        assertEq(a.inboundNonce, before.inboundNonce, "hub inbound nonce changed");
        assertEq(a.outboundNonce, before.outboundNonce, "hub outbound nonce changed");
    }

    function _assertHubUnchanged(HubSnapshot memory before, address account) internal view {
        _assertHubUnchanged(before, account, CHAIN_A, address(usdc));
    }

    function _vaultSnap(address account) internal view returns (VaultSnapshot memory s) {
        (s.balance, s.pending, s.seq, s.keyNonce) = vault.accountState(account, address(usdc));
        s.inboundNonce = vault.inboundNonce();
        s.outboundNonce = vault.outboundNonce();
        (,, s.totalDeposited) = vault.tokenConfig(address(usdc));
        s.vaultTokens = usdc.balanceOf(address(vault));
        s.accountTokens = usdc.balanceOf(account);
    }

    function _assertVaultUnchanged(VaultSnapshot memory before, address account) internal view {
        VaultSnapshot memory a = _vaultSnap(account);
        assertEq(a.balance, before.balance, "vault balance changed");
        assertEq(a.pending, before.pending, "vault pending changed");
        assertEq(a.seq, before.seq, "vault seq changed");
        assertEq(a.keyNonce, before.keyNonce, "vault key inbound nonce changed");
        assertEq(a.inboundNonce, before.inboundNonce, "vault inbound nonce changed");
        assertEq(a.outboundNonce, before.outboundNonce, "vault outbound nonce changed");
        assertEq(a.totalDeposited, before.totalDeposited, "vault total changed");
        assertEq(a.vaultTokens, before.vaultTokens, "vault token holdings changed");
        assertEq(a.accountTokens, before.accountTokens, "account token holdings changed");
    }

    /// @notice Number of `BalanceCredited` events the hub emitted in `logs`.
    function _creditedEvents(Vm.Log[] memory logs) internal view returns (uint256 count) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(hub) && logs[i].topics[0] == IMarginHub.BalanceCredited.selector) ++count;
        }
    }
}
