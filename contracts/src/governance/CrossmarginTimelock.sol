// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title CrossmarginTimelock
/// @notice OpenZeppelin's `TimelockController`, deployed on every chain as the owner of that
/// chain's crossmargin contracts: every owner action (attester rotation, vaults, collaterals,
/// consumers, unpause) waits `getMinDelay()` seconds after it is scheduled, so users can leave
/// before a change takes effect. The guardian's `pause` stays immediate (contracts/README.md,
/// "Governance").
contract CrossmarginTimelock is TimelockController {
    /// @param minDelay seconds every operation waits
    /// @param proposers may schedule (and cancel) operations
    /// @param executors may execute ready operations (address(0) in the list: anyone)
    /// @param admin optional extra admin for the initial setup (address(0): none)
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
