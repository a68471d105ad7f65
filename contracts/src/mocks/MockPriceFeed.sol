// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAggregatorV3} from "../interfaces/IAggregatorV3.sol";

/// @notice Chainlink-style price feed whose answer anyone may set (tests and devnet only).
contract MockPriceFeed is IAggregatorV3 {
    uint8 private immutable _decimals;
    string private _description;
    uint80 private _roundId;
    int256 private _answer;
    uint256 private _updatedAt;

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    constructor(uint8 decimals_, int256 initialAnswer, string memory description_) {
        _decimals = decimals_;
        _description = description_;
        _set(initialAnswer, block.timestamp);
    }

    /// @notice Set the answer, updated now.
    function setAnswer(int256 answer) external {
        _set(answer, block.timestamp);
    }

    /// @notice Set the answer with an explicit update time (to make it stale in tests).
    function setRoundData(int256 answer, uint256 updatedAt) external {
        _set(answer, updatedAt);
    }

    /// @inheritdoc IAggregatorV3
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IAggregatorV3
    function description() external view returns (string memory) {
        return _description;
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _updatedAt, _updatedAt, _roundId);
    }

    function _set(int256 answer, uint256 updatedAt) private {
        _roundId += 1;
        _answer = answer;
        _updatedAt = updatedAt;
        emit AnswerUpdated(answer, _roundId, updatedAt);
    }
}
