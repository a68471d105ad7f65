// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubFixture} from "../utils/HubFixture.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {MarginHub} from "../../src/MarginHub.sol";
import {MarginHubExtension} from "../../src/MarginHubExtension.sol";
import {PerpMarket} from "../../src/PerpMarket.sol";
import {MockERC20} from "../../src/mocks/MockERC20.sol";
import {MockERC4626} from "../../src/mocks/MockERC4626.sol";
import {MockPriceFeed} from "../../src/mocks/MockPriceFeed.sol";

/// @notice Everything the invariant suite deploys, handed from the test's `setUp` to the handlers.
/// @dev Chain A holds USDC (6 decimals), WETH (18) and an ERC-4626 yield share over DAI (18);
/// chain B holds USDC (6) and WETH (18). The hub, the feeds and the perp live on `HUB_CHAIN`.
struct World {
    MarginHub hub;
    PerpMarket perp;
    CollateralVault vaultA;
    CollateralVault vaultB;
    address[3] tokensA;
    address[2] tokensB;
    MockERC4626 shareA;
    MockPriceFeed usdcFeed;
    MockPriceFeed ethFeed;
    MockPriceFeed shareFeed;
}

/// @notice Deploys a hub chain and two vault chains in one EVM and keeps a shared view of them.
/// @dev Each contract is deployed while `vm.chainId` is its chain's id, so its `localEid` and its
/// EIP-712 domain belong to that chain; callers must switch the chain id before every call into
/// a verifier (OpenZeppelin's EIP712 recomputes the domain when `block.chainid` changes). Every
/// verifier starts with a set holding `retired`, then rotates it out (epoch 2), so `retired` is a
/// former attester whose signatures must no longer count.
abstract contract CrossChainWorld is HubFixture {
    uint32 internal constant HUB_CHAIN = 1;
    uint32 internal constant HEARTBEAT = 1 days;
    uint16 internal constant PERP_IM_BPS = 1_000;
    uint16 internal constant PERP_MM_BPS = 500;
    uint256 internal constant TRADER_COUNT = 3;
    uint128 internal constant RELEASE_CAPACITY = 5_000e6;
    uint128 internal constant RELEASE_REFILL = 1e6;

    PerpMarket internal perp;
    MockPriceFeed internal shareFeed;
    uint32[2] internal chainIds = [CHAIN_A, CHAIN_B];
    address[] internal traders;
    address internal liquidator = makeAddr("liquidator");
    /// @dev The perp's settlement address on chain B; chain A uses its default (the owner).
    address internal insuranceB = makeAddr("insuranceB");
    mapping(uint32 chainId => CollateralVault) internal vaultOn;
    mapping(uint32 chainId => address[]) internal tokensOn;
    /// @dev Upper bound of one deposit, in whole tokens.
    mapping(address token => uint256) internal maxUnits;
    /// @dev The ERC-4626 share's underlying (zero for plain tokens).
    mapping(address token => MockERC20) internal underlyingOf;

    /// @notice Deploys and wires the three chains; leaves the chain id on `HUB_CHAIN`.
    function _deployWorld() internal returns (World memory w) {
        vm.warp(START_TIME);
        vm.roll(1_000);
        _makeAttesters(3);
        (address retired,) = makeAddrAndKey("retired-attester");
        address[] memory initial = _sorted(retired, attesterAddrs[0], attesterAddrs[1]);

        vm.chainId(HUB_CHAIN);
        w.hub = new MarginHub(owner, initial, THRESHOLD, guardian, MAX_AGE, new MarginHubExtension());
        w.usdcFeed = new MockPriceFeed(8, 1e8, "USDC / USD");
        w.ethFeed = new MockPriceFeed(8, 2_000e8, "ETH / USD");
        w.shareFeed = new MockPriceFeed(18, 1.05e18, "yvDAI / USD");
        w.perp = new PerpMarket(owner, w.hub, w.ethFeed, HEARTBEAT, PERP_IM_BPS, PERP_MM_BPS, "ETH-USD");

        vm.chainId(CHAIN_A);
        w.vaultA = new CollateralVault(owner, HUB_CHAIN, address(w.hub), initial, THRESHOLD, guardian);
        w.tokensA[0] = address(new MockERC20("USD Coin (A)", "USDC", 6));
        w.tokensA[1] = address(new MockERC20("Wrapped Ether (A)", "WETH", 18));
        w.shareA = new MockERC4626(new MockERC20("Dai (A)", "DAI", 18), "Yield DAI (A)", "yvDAI");
        w.tokensA[2] = address(w.shareA);
        vm.startPrank(owner);
        for (uint256 i; i < 3; ++i) {
            w.vaultA.configureToken(w.tokensA[i], true, type(uint256).max);
        }
        w.vaultA.rotateAttesters(attesterAddrs, THRESHOLD);
        vm.stopPrank();

        vm.chainId(CHAIN_B);
        w.vaultB = new CollateralVault(owner, HUB_CHAIN, address(w.hub), initial, THRESHOLD, guardian);
        w.tokensB[0] = address(new MockERC20("USD Coin (B)", "USDC", 6));
        w.tokensB[1] = address(new MockERC20("Wrapped Ether (B)", "WETH", 18));
        vm.startPrank(owner);
        for (uint256 i; i < 2; ++i) {
            w.vaultB.configureToken(w.tokensB[i], true, type(uint256).max);
        }
        // Chain B's USDC releases through a bucket (5,000 USDC, full again in 5,000 s): large
        // approvals and seizes wait in its queue for `processReleases`.
        w.vaultB.setReleaseLimit(w.tokensB[0], RELEASE_CAPACITY, RELEASE_REFILL);
        w.vaultB.rotateAttesters(attesterAddrs, THRESHOLD);
        vm.stopPrank();

        vm.chainId(HUB_CHAIN);
        _configureHub(w);
    }

    /// @dev Vaults, collaterals (interleaving the chains so liquidations seize on both), the perp and
    /// its settlement addresses, rotation.
    function _configureHub(World memory w) private {
        vm.startPrank(owner);
        w.hub.setVault(CHAIN_A, address(w.vaultA));
        w.hub.setVault(CHAIN_B, address(w.vaultB));
        address usdc = address(w.usdcFeed);
        address eth = address(w.ethFeed);
        w.hub.setCollateral(CHAIN_A, w.tokensA[0], _config(usdc, HEARTBEAT, 6, 200, 9_900, 200, 0));
        w.hub.setCollateral(CHAIN_B, w.tokensB[1], _config(eth, HEARTBEAT, 18, 1_500, 9_000, 500, 0));
        w.hub
            .setCollateral(
                CHAIN_A, w.tokensA[2], _config(address(w.shareFeed), HEARTBEAT, 18, 1_000, 9_200, 500, 50_000e18)
            );
        w.hub.setCollateral(CHAIN_A, w.tokensA[1], _config(eth, HEARTBEAT, 18, 1_500, 9_000, 500, 0));
        w.hub.setCollateral(CHAIN_B, w.tokensB[0], _config(usdc, HEARTBEAT, 6, 200, 9_900, 200, 0));
        w.hub.addConsumer(address(w.perp));
        // Chain A's credits may rise by $100,000 at once, refilled at $20/s: deposits of up to
        // $200,000 make leaves wait and `applyWaiting` apply them.
        w.hub.setRouteLimit(CHAIN_A, 100_000e18, 20e18);
        // Seized collateral paying the perp's debts: chain B to its own address, chain A to the default.
        w.perp.setSettlementRecipient(CHAIN_B, insuranceB);
        w.hub.rotateAttesters(attesterAddrs, THRESHOLD);
        vm.stopPrank();
    }

    /// @notice Copies the deployed world into this contract's shared view.
    function _adopt(World memory w) internal {
        if (attesterAddrs.length == 0) _makeAttesters(3);
        hub = w.hub;
        perp = w.perp;
        usdcFeed = w.usdcFeed;
        ethFeed = w.ethFeed;
        shareFeed = w.shareFeed;
        vaultOn[CHAIN_A] = w.vaultA;
        vaultOn[CHAIN_B] = w.vaultB;
        for (uint256 i; i < 3; ++i) {
            tokensOn[CHAIN_A].push(w.tokensA[i]);
        }
        for (uint256 i; i < 2; ++i) {
            tokensOn[CHAIN_B].push(w.tokensB[i]);
        }
        maxUnits[w.tokensA[0]] = 200_000;
        maxUnits[w.tokensA[1]] = 100;
        maxUnits[w.tokensA[2]] = 200_000;
        maxUnits[w.tokensB[0]] = 200_000;
        maxUnits[w.tokensB[1]] = 100;
        underlyingOf[w.tokensA[2]] = MockERC20(w.shareA.asset());
        for (uint256 i; i < TRADER_COUNT; ++i) {
            traders.push(makeAddr(string.concat("trader", vm.toString(i))));
        }
    }

    /// @dev The vault chain picked by `seed`.
    function _chain(uint256 seed) internal view returns (uint32) {
        return chainIds[seed % 2];
    }

    function _trader(uint256 seed) internal view returns (address) {
        return traders[seed % TRADER_COUNT];
    }

    function _sorted(address a, address b, address c) private pure returns (address[] memory s) {
        s = new address[](3);
        (s[0], s[1], s[2]) = (a, b, c);
        for (uint256 i = 1; i < 3; ++i) {
            for (uint256 j = i; j > 0 && s[j - 1] > s[j]; --j) {
                (s[j - 1], s[j]) = (s[j], s[j - 1]);
            }
        }
    }
}
