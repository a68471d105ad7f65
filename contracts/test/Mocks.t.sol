// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {MockERC20} from "../src/mocks/MockERC20.sol";
import {MockERC4626} from "../src/mocks/MockERC4626.sol";
import {MockPriceFeed} from "../src/mocks/MockPriceFeed.sol";

contract MocksTest is Test {
    address internal alice = makeAddr("alice");

    // ---------------------------------------------------------------- MockERC20

    function test_MockERC20_decimals_areConfigurable() public {
        assertEq(new MockERC20("USD Coin", "USDC", 6).decimals(), 6);
        assertEq(new MockERC20("Wrapped BTC", "WBTC", 8).decimals(), 8);
        assertEq(new MockERC20("Dai", "DAI", 18).decimals(), 18);
    }

    function test_MockERC20_metadata() public {
        MockERC20 token = new MockERC20("USD Coin", "USDC", 6);
        assertEq(token.name(), "USD Coin");
        assertEq(token.symbol(), "USDC");
    }

    function test_MockERC20_mint_raisesBalanceAndSupply() public {
        MockERC20 token = new MockERC20("USD Coin", "USDC", 6);
        vm.prank(makeAddr("anyone"));
        token.mint(alice, 5e6);
        token.mint(alice, 1e6);
        assertEq(token.balanceOf(alice), 6e6);
        assertEq(token.totalSupply(), 6e6);
    }

    function testFuzz_MockERC20_mint_creditsExactly(address to, uint256 amount) public {
        vm.assume(to != address(0));
        MockERC20 token = new MockERC20("T", "T", 18);
        token.mint(to, amount);
        assertEq(token.balanceOf(to), amount);
        assertEq(token.totalSupply(), amount);
    }

    // ---------------------------------------------------------------- MockERC4626

    function test_MockERC4626_deposit_mintsShares() public {
        (MockERC20 asset, MockERC4626 vault) = _yieldToken();
        asset.mint(alice, 1000e18);
        vm.startPrank(alice);
        asset.approve(address(vault), 1000e18);
        uint256 shares = vault.deposit(1000e18, alice);
        vm.stopPrank();

        assertEq(shares, 1000e18, "1:1 on an empty vault");
        assertEq(vault.balanceOf(alice), shares);
        assertEq(vault.totalAssets(), 1000e18);
        assertEq(asset.balanceOf(address(vault)), 1000e18);
        assertEq(vault.asset(), address(asset));
        assertEq(vault.name(), "Yield USD");
        assertEq(vault.symbol(), "yUSD");
    }

    function test_MockERC4626_accrue_raisesConvertToAssets() public {
        (MockERC20 asset, MockERC4626 vault) = _yieldToken();
        asset.mint(alice, 1000e18);
        vm.startPrank(alice);
        asset.approve(address(vault), 1000e18);
        uint256 shares = vault.deposit(1000e18, alice);
        vm.stopPrank();

        uint256 before = vault.convertToAssets(shares);
        vault.accrue(100e18);
        uint256 afterAccrual = vault.convertToAssets(shares);
        assertEq(vault.totalAssets(), 1100e18);
        assertGt(afterAccrual, before);
        // OZ ERC4626 rounds down with its virtual share/asset: within one wei of 1100
        assertApproxEqAbs(afterAccrual, 1100e18, 1);

        vm.prank(alice);
        uint256 redeemed = vault.redeem(shares, alice, alice);
        assertEq(redeemed, afterAccrual);
        assertEq(asset.balanceOf(alice), redeemed);
    }

    // ---------------------------------------------------------------- MockPriceFeed

    function test_MockPriceFeed_constructor_setsAnswerDecimalsDescription() public {
        vm.warp(1_700_000_000);
        MockPriceFeed feed = new MockPriceFeed(8, 2000e8, "ETH / USD");
        assertEq(feed.decimals(), 8);
        assertEq(feed.description(), "ETH / USD");
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound) =
            feed.latestRoundData();
        assertEq(roundId, 1);
        assertEq(answer, 2000e8);
        assertEq(startedAt, 1_700_000_000);
        assertEq(updatedAt, 1_700_000_000);
        assertEq(answeredInRound, 1);
    }

    function test_MockPriceFeed_setAnswer_updatesNowAndBumpsRound() public {
        vm.warp(1_700_000_000);
        MockPriceFeed feed = new MockPriceFeed(8, 2000e8, "ETH / USD");
        vm.warp(1_700_000_600);
        vm.expectEmit(true, true, false, true, address(feed));
        emit MockPriceFeed.AnswerUpdated(2100e8, 2, 1_700_000_600);
        feed.setAnswer(2100e8);
        (uint80 roundId, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(roundId, 2);
        assertEq(answer, 2100e8);
        assertEq(updatedAt, 1_700_000_600);
    }

    function test_MockPriceFeed_setRoundData_setsUpdatedAt() public {
        vm.warp(1_700_000_000);
        MockPriceFeed feed = new MockPriceFeed(18, 1e18, "USDC / USD");
        feed.setRoundData(-5, 1_600_000_000);
        (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt,) = feed.latestRoundData();
        assertEq(roundId, 2);
        assertEq(answer, -5);
        assertEq(startedAt, 1_600_000_000);
        assertEq(updatedAt, 1_600_000_000);
        assertEq(feed.decimals(), 18);
        assertEq(feed.description(), "USDC / USD");
    }

    // ---------------------------------------------------------------- helpers

    function _yieldToken() internal returns (MockERC20 asset, MockERC4626 vault) {
        asset = new MockERC20("USD", "USD", 18);
        vault = new MockERC4626(asset, "Yield USD", "yUSD");
    }
}
