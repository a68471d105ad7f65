// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {HubFixture} from "./utils/HubFixture.sol";
import {IMarginHub} from "../src/interfaces/IMarginHub.sol";

/// @notice Volatility haircuts (issue 21 item 3): the risk admin moves a collateral's haircut
/// within owner-set bounds and at most a step per 24-hour window.
/// @dev WETH on chain B: 15 % haircut, 90 % threshold. Bounds used here: [1,000, 3,000] bps, 500 bps/day.
contract MarginHubRiskAdminTest is HubFixture {
    address internal risk = makeAddr("risk");
    address internal alice = makeAddr("alice");

    function setUp() public override {
        super.setUp();
        vm.startPrank(owner);
        hub.setRiskAdmin(risk);
        hub.setHaircutBounds(CHAIN_B, wethB, 1_000, 3_000, 500);
        vm.stopPrank();
    }

    function _propose(uint16 bps) internal {
        vm.prank(risk);
        hub.proposeHaircut(CHAIN_B, wethB, bps);
    }

    function _haircut() internal view returns (uint16) {
        return hub.collateralConfig(CHAIN_B, wethB).haircutBps;
    }

    // ------------------------------------------------------------ role

    function test_setRiskAdmin_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        hub.setRiskAdmin(alice);
        assertEq(hub.riskAdmin(), risk);
    }

    function test_setRiskAdmin_emits() public {
        vm.expectEmit(address(hub));
        emit IMarginHub.RiskAdminSet(risk, alice);
        vm.prank(owner);
        hub.setRiskAdmin(alice);
        assertEq(hub.riskAdmin(), alice);
    }

    function test_proposeHaircut_onlyRiskAdmin() public {
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotRiskAdmin.selector, owner));
        vm.prank(owner);
        hub.proposeHaircut(CHAIN_B, wethB, 1_600);
    }

    /// @dev address(0) disables the role: nobody (not even a call "from" address 0) may propose.
    function test_proposeHaircut_roleDisabled() public {
        vm.prank(owner);
        hub.setRiskAdmin(address(0));
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotRiskAdmin.selector, risk));
        _propose(1_600);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NotRiskAdmin.selector, address(0)));
        vm.prank(address(0));
        hub.proposeHaircut(CHAIN_B, wethB, 1_600);
    }

    // ------------------------------------------------------------ bounds

    function test_setHaircutBounds_onlyOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, risk));
        vm.prank(risk);
        hub.setHaircutBounds(CHAIN_B, wethB, 0, 9_000, 10_000);
    }

    function test_setHaircutBounds_storesAndEmits() public {
        vm.expectEmit(address(hub));
        emit IMarginHub.HaircutBoundsSet(CHAIN_A, usdcA, 100, 1_000, 50);
        vm.prank(owner);
        hub.setHaircutBounds(CHAIN_A, usdcA, 100, 1_000, 50);
        IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_A, usdcA);
        assertEq(r.minBps, 100);
        assertEq(r.maxBps, 1_000);
        assertEq(r.maxStepBpsPerDay, 50);
        assertEq(r.anchorBps, 0);
        assertEq(r.windowStart, 0);
    }

    function _expectInvalidBounds(uint64 chainId, address token, uint16 minBps, uint16 maxBps, uint16 step) internal {
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidHaircutBounds.selector, chainId, token));
        vm.prank(owner);
        hub.setHaircutBounds(chainId, token, minBps, maxBps, step);
    }

    function test_setHaircutBounds_rejectsInvalid() public {
        _expectInvalidBounds(CHAIN_B, makeAddr("unknown"), 1_000, 2_000, 100); // not registered
        _expectInvalidBounds(CHAIN_B, wethB, 2_000, 1_000, 100); // min > max
        _expectInvalidBounds(CHAIN_B, wethB, 1_000, 2_000, 0); // no step
        _expectInvalidBounds(CHAIN_B, wethB, 999, 2_000, 100); // 10000 − 999 > 9000 threshold
        _expectInvalidBounds(CHAIN_B, wethB, 1_000, 10_000, 100); // max + upper ≥ 10000
        // with a 2,000 bps concentration cap, max 8,000 would leave no adjusted weight
        vm.prank(owner);
        hub.setConcentration(CHAIN_B, wethB, IMarginHub.Concentration({scale: 1e18, scalarBps: 1, lowerBps: 0, upperBps: 2_000}));
        _expectInvalidBounds(CHAIN_B, wethB, 1_000, 8_000, 100);
        vm.prank(owner);
        hub.setHaircutBounds(CHAIN_B, wethB, 1_000, 7_999, 100);
    }

    function test_setHaircutBounds_clear() public {
        _propose(1_600);
        vm.expectEmit(address(hub));
        emit IMarginHub.HaircutBoundsSet(CHAIN_B, wethB, 0, 0, 0);
        vm.prank(owner);
        hub.setHaircutBounds(CHAIN_B, wethB, 0, 0, 0);
        IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_B, wethB);
        assertEq(r.minBps + r.maxBps + r.maxStepBpsPerDay + r.anchorBps + r.windowStart, 0);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NoHaircutBounds.selector, CHAIN_B, wethB));
        _propose(1_700);
        assertEq(_haircut(), 1_600);
    }

    function test_proposeHaircut_noBounds() public {
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_NoHaircutBounds.selector, CHAIN_A, usdcA));
        vm.prank(risk);
        hub.proposeHaircut(CHAIN_A, usdcA, 300);
    }

    function test_proposeHaircut_outOfBounds() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_HaircutOutOfBounds.selector, CHAIN_B, wethB, 3_001, 1_000, 3_000)
        );
        _propose(3_001);
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_HaircutOutOfBounds.selector, CHAIN_B, wethB, 999, 1_000, 3_000)
        );
        _propose(999);
        assertEq(_haircut(), 1_500);
    }

    /// @dev The owner may raise the concentration cap after the bounds were set: a proposal that
    /// would break the collateral rule is refused.
    function test_proposeHaircut_rechecksCollateralRules() public {
        vm.prank(owner);
        hub.setConcentration(CHAIN_B, wethB, IMarginHub.Concentration({scale: 1e18, scalarBps: 1, lowerBps: 0, upperBps: 8_200}));
        _propose(1_700);
        vm.expectRevert(abi.encodeWithSelector(IMarginHub.MarginHub_InvalidCollateralConfig.selector, CHAIN_B, wethB));
        _propose(1_800);
    }

    // ------------------------------------------------------------ step per day

    function test_proposeHaircut_updatesAndEmits() public {
        IMarginHub.CollateralConfig memory c = hub.collateralConfig(CHAIN_B, wethB);
        c.haircutBps = 2_000;
        vm.expectEmit(address(hub));
        emit IMarginHub.HaircutUpdated(CHAIN_B, wethB, 1_500, 2_000);
        vm.expectEmit(address(hub));
        emit IMarginHub.CollateralConfigured(CHAIN_B, wethB, c);
        _propose(2_000);
        assertEq(_haircut(), 2_000);
        IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_B, wethB);
        assertEq(r.anchorBps, 1_500);
        assertEq(r.windowStart, block.timestamp);
    }

    function test_proposeHaircut_stepExceeded() public {
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_HaircutStepExceeded.selector, CHAIN_B, wethB, 2_001, 1_500, 500)
        );
        _propose(2_001);
    }

    /// @dev Two steps in one window add up against the window's anchor; after 24 h a new window starts.
    function test_proposeHaircut_stepPerWindow() public {
        _propose(1_800);
        vm.warp(block.timestamp + 12 hours);
        _propose(2_000); // 500 from the anchor 1,500: allowed
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_HaircutStepExceeded.selector, CHAIN_B, wethB, 2_100, 1_500, 500)
        );
        _propose(2_100);
        // moving back within the window is measured from the anchor too
        _propose(1_000);
        _propose(2_000);
        vm.warp(block.timestamp + 12 hours - 1); // 24 h − 1 s after the window started
        vm.expectRevert(
            abi.encodeWithSelector(IMarginHub.MarginHub_HaircutStepExceeded.selector, CHAIN_B, wethB, 2_100, 1_500, 500)
        );
        _propose(2_100);
        vm.warp(block.timestamp + 1);
        _propose(2_500); // new window anchored at 2,000
        IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_B, wethB);
        assertEq(r.anchorBps, 2_000);
        assertEq(r.windowStart, block.timestamp);
        assertEq(_haircut(), 2_500);
    }

    /// @dev A haircut moves only the adjusted weight: a proposal never changes the liquidation
    /// weight (nor the health factor), so it cannot make anyone liquidatable.
    function test_proposeHaircut_neverTouchesLiquidationWeight() public {
        _credit(CHAIN_B, alice, wethB, 10e18, 1);
        IMarginHub.Margin memory before = hub.accountMargin(alice);
        _propose(2_000);
        IMarginHub.Margin memory afterwards = hub.accountMargin(alice);
        assertEq(afterwards.liquidationUsd, before.liquidationUsd);
        assertEq(afterwards.healthFactor, before.healthFactor);
        assertEq(before.adjustedUsd, 17_000e18);
        assertEq(afterwards.adjustedUsd, 16_000e18);
    }

    // ------------------------------------------------------------ fuzz

    /// @dev Any sequence of proposals at any times: what is accepted never leaves the bounds and
    /// never moves more than the step from the haircut at its window's start.
    function testFuzz_proposeHaircut_staysWithinBoundsAndStep(uint16[12] memory bps, uint32[12] memory gaps) public {
        // a current haircut outside the bounds is allowed; proposals must still land inside
        uint16 anchor = _haircut();
        uint256 windowStart;
        for (uint256 i; i < bps.length; ++i) {
            vm.warp(block.timestamp + (gaps[i] % 2 days));
            uint16 proposed = uint16(bps[i] % 3_600);
            if (windowStart == 0 || block.timestamp >= windowStart + 1 days) {
                anchor = _haircut();
                windowStart = block.timestamp;
            }
            uint16 before = _haircut();
            vm.prank(risk);
            try hub.proposeHaircut(CHAIN_B, wethB, proposed) {
                uint16 h = _haircut();
                assertEq(h, proposed);
                assertGe(h, 1_000, "below min");
                assertLe(h, 3_000, "above max");
                uint256 moved = h > anchor ? h - anchor : anchor - h;
                assertLe(moved, 500, "step");
                IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_B, wethB);
                assertEq(r.anchorBps, anchor, "anchor");
                assertEq(r.windowStart, windowStart, "window");
            } catch {
                assertEq(_haircut(), before, "refused proposal changed the haircut");
                // a refusal starts no window: follow the hub's
                IMarginHub.HaircutRisk memory r = hub.haircutRisk(CHAIN_B, wethB);
                (anchor, windowStart) = (r.anchorBps, r.windowStart);
            }
        }
    }
}
