// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {HubFixture, MockConsumer} from "./utils/HubFixture.sol";
import {MarginHub} from "../src/MarginHub.sol";
import {MarginHubExtension} from "../src/MarginHubExtension.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";
import {MockPriceFeed} from "../src/mocks/MockPriceFeed.sol";

/// @notice Constructor and owner-only configuration of the hub.
contract MarginHubAdminTest is HubFixture {
    address internal stranger = makeAddr("stranger");

    // ------------------------------------------------------------ constructor

    function test_constructor_setsIdentityAndAge() public {
        assertEq(hub.localEid(), uint32(block.chainid));
        assertEq(hub.maxAttestationAge(), MAX_AGE);
        assertEq(hub.owner(), owner);
        assertEq(hub.guardian(), guardian);
        assertEq(hub.threshold(), THRESHOLD);
        assertEq(hub.attesters(), attesterAddrs);

        MarginHubExtension ext = new MarginHubExtension();
        vm.expectEmit();
        emit IMarginHub.MaxAttestationAgeSet(42);
        MarginHub other = new MarginHub(owner, attesterAddrs, 2, guardian, 42, ext);
        assertEq(other.extension(), address(ext));
    }

    function test_constructor_revertsOnZeroMaxAge() public {
        MarginHubExtension ext = new MarginHubExtension();
        vm.expectRevert(IMarginHub.MarginHub_InvalidMaxAttestationAge.selector);
        new MarginHub(owner, attesterAddrs, 2, guardian, 0, ext);
    }

    /// The extension runs on the hub's storage: an address without code, or a contract that is not
    /// an extension (here the running hub itself, which has no `isMarginHubExtension`), is refused.
    function test_constructor_revertsOnInvalidExtension() public {
        address[3] memory candidates = [address(0), makeAddr("eoa"), address(hub)];
        for (uint256 i; i < candidates.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidExtension.selector, candidates[i]));
            new MarginHub(owner, attesterAddrs, 2, guardian, 42, MarginHubExtension(candidates[i]));
        }
    }

    /// One extension may serve several hubs: each runs it on its own storage.
    function test_constructor_extensionSharedByTwoHubs() public {
        MarginHub other = new MarginHub(owner, attesterAddrs, 2, guardian, 42, MarginHubExtension(hub.extension()));
        address v = makeAddr("otherVault");
        vm.prank(owner);
        other.setVault(8453, v);
        assertEq(other.vaultOf(8453), v);
        assertEq(hub.vaultOf(8453), address(0));
    }

    // ------------------------------------------------------------ setVault

    function test_setVault_setsAndEmits() public {
        address v = makeAddr("vaultC");
        vm.expectEmit(address(hub));
        emit IMarginHub.VaultSet(8453, v);
        vm.prank(owner);
        hub.setVault(8453, v);
        assertEq(hub.vaultOf(8453), v);
        assertEq(hub.vaultOf(CHAIN_A), vaultA);
        assertEq(hub.vaultOf(1), address(0));
    }

    function test_setVault_replacesVault() public {
        address v = makeAddr("vaultA2");
        vm.prank(owner);
        hub.setVault(CHAIN_A, v);
        assertEq(hub.vaultOf(CHAIN_A), v);
    }

    /// @dev A route that carried a batch (full or root only) keeps its vault: nonces and seqs live there.
    function test_setVault_revertsOnceRouteCarriedBatch() public {
        _credit(CHAIN_A, makeAddr("alice"), usdcA, 1e6, 1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RouteInUse.selector, CHAIN_A));
        hub.setVault(CHAIN_A, makeAddr("vaultA2"));
        assertEq(hub.vaultOf(CHAIN_A), vaultA);

        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(CHAIN_B, makeAddr("alice"), wethB, 1e18, 1, 0);
        (bytes memory packet,) = _batchPacketFor(leaves);
        hub.submitRoot(packet, _sigs(packet));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RouteInUse.selector, CHAIN_B));
        hub.setVault(CHAIN_B, makeAddr("vaultB2"));

        // an unused route can still be pointed elsewhere
        vm.prank(owner);
        hub.setVault(8453, makeAddr("vaultC"));
        vm.prank(owner);
        hub.setVault(8453, makeAddr("vaultC2"));
        assertEq(hub.vaultOf(8453), makeAddr("vaultC2"));
    }

    /// @dev A withdrawal request marks its route too (the vault's request nonce is now tied to it).
    function test_setVault_revertsOnceRouteCarriedRequest() public {
        _requestWithdrawal(CHAIN_B, makeAddr("alice"), wethB, 1e17, 9e17, 2, 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_RouteInUse.selector, CHAIN_B));
        hub.setVault(CHAIN_B, makeAddr("vaultB2"));
        vm.prank(owner);
        hub.setVault(CHAIN_A, makeAddr("vaultA2")); // chain A carried nothing
        assertEq(hub.vaultOf(CHAIN_A), makeAddr("vaultA2"));
    }

    function test_setVault_revertsOnZero() public {
        vm.prank(owner);
        vm.expectRevert(IMarginHub.MarginHub_ZeroAddress.selector);
        hub.setVault(CHAIN_A, address(0));
    }

    function test_setVault_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.setVault(CHAIN_A, stranger);
    }

    // ------------------------------------------------------------ setCollateral

    function test_setCollateral_registersInOrderAndEmits() public {
        IMarginHub.CollateralKey[] memory keys = hub.collaterals();
        assertEq(keys.length, 3);
        assertEq(keys[0].chainId, CHAIN_A);
        assertEq(keys[0].token, usdcA);
        assertEq(keys[1].chainId, CHAIN_B);
        assertEq(keys[1].token, wethB);
        assertEq(keys[2].chainId, CHAIN_A);
        assertEq(keys[2].token, wbtcA);

        address dai = makeAddr("dai@B");
        IMarginHub.CollateralConfig memory cfg = _config(address(usdcFeed), 1 days, 18, 500, 9_500, 300, 1e24);
        vm.expectEmit(address(hub));
        emit IMarginHub.CollateralConfigured(CHAIN_B, dai, cfg);
        vm.prank(owner);
        hub.setCollateral(CHAIN_B, dai, cfg);
        keys = hub.collaterals();
        assertEq(keys.length, 4);
        assertEq(keys[3].token, dai);
        IMarginHub.CollateralConfig memory stored = hub.collateralConfig(CHAIN_B, dai);
        assertEq(stored.feed, address(usdcFeed));
        assertEq(stored.heartbeat, 1 days);
        assertEq(stored.tokenDecimals, 18);
        assertEq(stored.haircutBps, 500);
        assertEq(stored.liquidationThresholdBps, 9_500);
        assertEq(stored.liquidationBonusBps, 300);
        assertEq(stored.capPerAccount, 1e24);
    }

    function test_setCollateral_updatesWithoutDuplicating() public {
        MockPriceFeed feed18 = new MockPriceFeed(18, 3_000e18, "ETH / USD (18)");
        vm.prank(owner);
        hub.setCollateral(CHAIN_B, wethB, _config(address(feed18), 2 hours, 18, 1_000, 9_500, 100, 0));
        IMarginHub.CollateralKey[] memory keys = hub.collaterals();
        assertEq(keys.length, 3);
        assertEq(keys[1].token, wethB, "position kept");
        assertEq(hub.collateralConfig(CHAIN_B, wethB).feed, address(feed18));

        // the new feed's decimals (18, cached on set) are used for valuation
        address alice = makeAddr("alice");
        _credit(CHAIN_B, alice, wethB, 2e18, 1);
        (uint256 valueUsd, uint256 adjustedUsd) = hub.collateralValue(alice);
        assertEq(valueUsd, 6_000e18);
        assertEq(adjustedUsd, 5_400e18);
    }

    function test_setCollateral_unregisteredConfigIsZero() public view {
        IMarginHub.CollateralConfig memory c = hub.collateralConfig(CHAIN_B, usdcA);
        assertEq(c.feed, address(0));
        assertEq(c.heartbeat, 0);
    }

    function test_setCollateral_revertsOnInvalidConfig() public {
        address t = makeAddr("token");
        address f = address(usdcFeed);
        _expectInvalid(CHAIN_A, t, _config(address(0), 1, 18, 0, 10_000, 0, 0)); // no feed
        _expectInvalid(CHAIN_A, t, _config(f, 0, 18, 0, 10_000, 0, 0)); // no heartbeat
        _expectInvalid(CHAIN_A, t, _config(f, 1, 18, 10_000, 10_000, 0, 0)); // haircut 100 %
        _expectInvalid(CHAIN_A, t, _config(f, 1, 18, 1_000, 8_999, 0, 0)); // threshold below 10000 − haircut
        _expectInvalid(CHAIN_A, t, _config(f, 1, 18, 0, 10_001, 0, 0)); // threshold above 100 %
        _expectInvalid(CHAIN_A, t, _config(f, 1, 18, 0, 10_000, 5_001, 0)); // bonus above 50 %
        _expectInvalid(0, t, _config(f, 1, 18, 0, 10_000, 0, 0)); // no chain
        _expectInvalid(uint64(type(uint32).max) + 1, t, _config(f, 1, 18, 0, 10_000, 0, 0)); // not an eid
        _expectInvalid(CHAIN_A, address(0), _config(f, 1, 18, 0, 10_000, 0, 0)); // no token
    }

    function test_setCollateral_acceptsBoundaryConfig() public {
        address t = makeAddr("token");
        vm.startPrank(owner);
        hub.setCollateral(CHAIN_A, t, _config(address(usdcFeed), 1, 18, 9_999, 1, 5_000, 0));
        hub.setCollateral(CHAIN_A, t, _config(address(usdcFeed), 1, 18, 0, 10_000, 0, 0));
        vm.stopPrank();
        assertEq(hub.collaterals().length, 4);
    }

    function test_setCollateral_revertsBeyondMaxCollaterals() public {
        vm.startPrank(owner);
        for (uint256 i = 3; i < 32; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            hub.setCollateral(CHAIN_A, address(uint160(0x7000 + i)), _config(address(usdcFeed), 1, 18, 0, 10_000, 0, 0));
        }
        assertEq(hub.collaterals().length, 32);
        vm.expectRevert(IMarginHub.MarginHub_TooManyCollaterals.selector);
        hub.setCollateral(CHAIN_A, address(0x8000), _config(address(usdcFeed), 1, 18, 0, 10_000, 0, 0));
        // updating a registered one still works when full
        hub.setCollateral(CHAIN_A, usdcA, _config(address(usdcFeed), 2 days, 6, 100, 9_950, 100, 0));
        vm.stopPrank();
        assertEq(hub.collateralConfig(CHAIN_A, usdcA).heartbeat, 2 days);
    }

    function test_setCollateral_onlyOwner() public {
        IMarginHub.CollateralConfig memory cfg = _config(address(usdcFeed), 1, 18, 0, 10_000, 0, 0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.setCollateral(CHAIN_A, usdcA, cfg);
    }

    // ------------------------------------------------------------ consumers

    function test_addConsumer_addsAndEmits() public {
        address c = makeAddr("consumer");
        vm.expectEmit(address(hub));
        emit IMarginHub.ConsumerAdded(c);
        vm.prank(owner);
        hub.addConsumer(c);
        address[] memory list = hub.consumers();
        assertEq(list.length, 1);
        assertEq(list[0], c);
    }

    function test_addConsumer_duplicateIsNoOp() public {
        address c = makeAddr("consumer");
        vm.startPrank(owner);
        hub.addConsumer(c);
        vm.recordLogs();
        hub.addConsumer(c);
        vm.stopPrank();
        assertEq(vm.getRecordedLogs().length, 0);
        assertEq(hub.consumers().length, 1);
    }

    function test_addConsumer_revertsOnZero() public {
        vm.prank(owner);
        vm.expectRevert(IMarginHub.MarginHub_ZeroAddress.selector);
        hub.addConsumer(address(0));
    }

    function test_addConsumer_revertsBeyondMax() public {
        vm.startPrank(owner);
        for (uint256 i; i < 8; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            hub.addConsumer(address(uint160(0x9000 + i)));
        }
        vm.expectRevert(IMarginHub.MarginHub_TooManyConsumers.selector);
        hub.addConsumer(address(0x9100));
        vm.stopPrank();
    }

    function test_addConsumer_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.addConsumer(stranger);
    }

    function test_removeConsumer_removesAndEmits() public {
        vm.startPrank(owner);
        hub.addConsumer(address(0x9001));
        hub.addConsumer(address(0x9002));
        hub.addConsumer(address(0x9003));
        vm.expectEmit(address(hub));
        emit IMarginHub.ConsumerRemoved(address(0x9001));
        hub.removeConsumer(address(0x9001));
        address[] memory list = hub.consumers();
        assertEq(list.length, 2);
        assertEq(list[0], address(0x9003));
        assertEq(list[1], address(0x9002));
        hub.removeConsumer(address(0x9002));
        hub.removeConsumer(address(0x9003));
        assertEq(hub.consumers().length, 0);
        hub.addConsumer(address(0x9001)); // can come back
        vm.stopPrank();
        assertEq(hub.consumers().length, 1);
    }

    function test_removeConsumer_stopsCountingItsRequirement() public {
        MockConsumer c = _deployMockConsumer();
        address alice = makeAddr("alice");
        c.setRequirement(alice, 10e18, 5e18);
        assertEq(hub.accountMargin(alice).initialUsd, 10e18);
        vm.prank(owner);
        hub.removeConsumer(address(c));
        assertEq(hub.accountMargin(alice).initialUsd, 0);
    }

    function test_removeConsumer_revertsOnUnknown() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_UnknownConsumer.selector, stranger));
        hub.removeConsumer(stranger);
    }

    function test_removeConsumer_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.removeConsumer(stranger);
    }

    // ------------------------------------------------------------ setMaxAttestationAge

    function test_setMaxAttestationAge_setsAndEmits() public {
        vm.expectEmit(address(hub));
        emit IMarginHub.MaxAttestationAgeSet(10 minutes);
        vm.prank(owner);
        hub.setMaxAttestationAge(10 minutes);
        assertEq(hub.maxAttestationAge(), 10 minutes);

        // batches older than the new bound are rejected
        (bytes memory packet,) = _batchPacket(CHAIN_A, keccak256("r"), 1, 1, uint64(block.timestamp - 11 minutes));
        bytes memory sigs = _sigs(packet);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMarginHub.MarginHub_AttestationExpired.selector, block.timestamp - 11 minutes, 10 minutes, block.timestamp
            )
        );
        hub.submitRoot(packet, sigs);
    }

    function test_setMaxAttestationAge_revertsOnZero() public {
        vm.prank(owner);
        vm.expectRevert(IMarginHub.MarginHub_InvalidMaxAttestationAge.selector);
        hub.setMaxAttestationAge(0);
    }

    function test_setMaxAttestationAge_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        hub.setMaxAttestationAge(1);
    }

    function _expectInvalid(uint64 chainId, address token, IMarginHub.CollateralConfig memory cfg) internal {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCollateralConfig.selector, chainId, token));
        hub.setCollateral(chainId, token, cfg);
    }
}
