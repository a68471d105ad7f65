// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {IAggregatorV3} from "./interfaces/IAggregatorV3.sol";
import {IMarginConsumer} from "./interfaces/IMarginConsumer.sol";
import {IMarginHub} from "./interfaces/IMarginHub.sol";
import {IPerpMarket} from "./interfaces/IPerpMarket.sol";
import {MarginMath} from "./libraries/MarginMath.sol";

/// @title PerpMarket
/// @notice Example consumer of the hub: a linear perpetual priced by one oracle, whose positions
/// are margined by collateral credited on the hub from vaults on other chains. No funding, no
/// counterparty book: it demonstrates cross-chain margining, not a complete exchange.
contract PerpMarket is IPerpMarket, IMarginConsumer, Ownable2Step {
    /// @notice `minPositionNotionalUsd` at deployment: USD 100.
    uint256 public constant DEFAULT_MIN_POSITION_NOTIONAL_USD = 100e18;
    /// @notice Largest `minPositionNotionalUsd`: USD 1,000,000.
    uint256 public constant MAX_MIN_POSITION_NOTIONAL_USD = 1_000_000e18;

    IMarginHub private immutable _hub;
    IAggregatorV3 private immutable _feed;
    uint8 private immutable _feedDecimals;
    uint32 private immutable _heartbeat;
    uint16 private immutable _initialMarginBps;
    uint16 private immutable _maintenanceMarginBps;
    string private _symbol;

    mapping(address account => Position) private _positions;
    mapping(address account => uint256 usd) private _debt;
    /// @dev chainId => settlement address (0 = the default, `_settlement[0]`)
    mapping(uint64 chainId => address) private _settlement;
    /// @dev Partial liquidations close everything rather than leave a remainder below this (USD).
    uint256 private _minPositionNotionalUsd;

    /// @param initialOwner owner (Ownable2Step)
    /// @param marginHub the hub that margins positions and alone may liquidate them
    /// @param priceFeed Chainlink-style USD feed of the traded asset
    /// @param heartbeat_ seconds after which the feed's answer is stale (> 0)
    /// @param initialMarginBps_ initial margin in bps of notional
    /// @param maintenanceMarginBps_ maintenance margin in bps of notional (0 < mm ≤ im ≤ 10_000)
    /// @param symbol_ the market's symbol, e.g. "ETH-USD"
    constructor(
        address initialOwner,
        IMarginHub marginHub,
        IAggregatorV3 priceFeed,
        uint32 heartbeat_,
        uint16 initialMarginBps_,
        uint16 maintenanceMarginBps_,
        string memory symbol_
    ) Ownable(initialOwner) {
        if (address(marginHub) == address(0) || address(priceFeed) == address(0) || heartbeat_ == 0) {
            revert PerpMarket_InvalidConfig();
        }
        if (maintenanceMarginBps_ == 0 || maintenanceMarginBps_ > initialMarginBps_ || initialMarginBps_ > MarginMath.BPS) {
            revert PerpMarket_InvalidMargins(initialMarginBps_, maintenanceMarginBps_);
        }
        _hub = marginHub;
        _feed = priceFeed;
        _feedDecimals = priceFeed.decimals();
        _heartbeat = heartbeat_;
        _initialMarginBps = initialMarginBps_;
        _maintenanceMarginBps = maintenanceMarginBps_;
        _symbol = symbol_;
        _settlement[0] = initialOwner;
        emit SettlementRecipientSet(0, initialOwner);
        _minPositionNotionalUsd = DEFAULT_MIN_POSITION_NOTIONAL_USD;
        emit MinPositionNotionalSet(DEFAULT_MIN_POSITION_NOTIONAL_USD);
    }

    // ------------------------------------------------------------ trading

    /// @inheritdoc IPerpMarket
    function openPosition(int256 sizeDelta) external {
        if (sizeDelta == 0) revert PerpMarket_ZeroSize();
        Position storage p = _positions[msg.sender];
        int256 size = p.size;
        if (size != 0 && (size > 0) != (sizeDelta > 0)) revert PerpMarket_OppositeSide(size, sizeDelta);
        uint256 priceWad = _freshPriceWad();
        uint256 entryWad = priceWad;
        if (size != 0) {
            uint256 oldAbs = SignedMath.abs(size);
            uint256 deltaAbs = SignedMath.abs(sizeDelta);
            entryWad = (oldAbs * p.entryPriceWad + deltaAbs * priceWad) / (oldAbs + deltaAbs);
        }
        int256 newSize = size + sizeDelta;
        p.size = newSize;
        p.entryPriceWad = entryWad;
        emit PositionOpened(msg.sender, sizeDelta, priceWad, newSize, entryWad);
        // The hub values the caller's collateral on every chain against every consumer's requirement.
        _hub.requireInitialMargin(msg.sender);
    }

    /// @inheritdoc IPerpMarket
    function closePosition() external {
        Position memory p = _positions[msg.sender];
        if (p.size == 0) revert PerpMarket_NoPosition(msg.sender);
        uint256 priceWad = _freshPriceWad();
        int256 pnlUsd = MarginMath.pnl(p.size, p.entryPriceWad, priceWad);
        uint256 debtUsd = _debt[msg.sender];
        if (pnlUsd < 0) {
            debtUsd += SignedMath.abs(pnlUsd);
        } else {
            uint256 gain = SignedMath.abs(pnlUsd);
            // Only subtracted when gain < debtUsd, so it cannot underflow.
            unchecked {
                debtUsd = gain >= debtUsd ? 0 : debtUsd - gain;
            }
        }
        delete _positions[msg.sender];
        _debt[msg.sender] = debtUsd;
        emit PositionClosed(msg.sender, p.size, p.entryPriceWad, priceWad, pnlUsd, debtUsd);
    }

    /// @inheritdoc IPerpMarket
    function liquidate(address account) external {
        _hub.liquidateTo(account, msg.sender);
    }

    // ------------------------------------------------------------ IMarginConsumer

    /// @inheritdoc IMarginConsumer
    /// @dev Figures at the feed's answer as it is (views never revert); `priced` only when the
    /// answer is positive and fresh. A non-positive answer gives the figures at the entry price,
    /// flagged unpriced, so the hub refuses approvals, new positions and liquidations on them.
    function marginRequirement(address account)
        external
        view
        returns (uint256 initialUsd, uint256 maintenanceUsd, bool priced)
    {
        Position memory p = _positions[account];
        uint256 debtUsd = _debt[account];
        if (p.size == 0) return (debtUsd, debtUsd, true);
        (, int256 answer,, uint256 updatedAt,) = _feed.latestRoundData();
        // forge-lint: disable-next-line(block-timestamp)
        priced = answer > 0 && (updatedAt >= block.timestamp || block.timestamp - updatedAt <= _heartbeat);
        // casting to 'uint256' is safe because the answer is positive
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 priceWad = answer > 0 ? MarginMath.priceToWad(uint256(answer), _feedDecimals) : p.entryPriceWad;
        (initialUsd, maintenanceUsd) =
            MarginMath.requirement(p.size, p.entryPriceWad, priceWad, _initialMarginBps, _maintenanceMarginBps, debtUsd);
    }

    /// @inheritdoc IMarginConsumer
    function settlementRecipient(uint64 chainId) external view returns (address) {
        address recipient = _settlement[chainId];
        return recipient == address(0) ? _settlement[0] : recipient;
    }

    /// @inheritdoc IMarginConsumer
    /// @dev Closes `closeBps` of the position (rounded up, so never nothing) and of the debt (rounded
    /// up) at the fresh price; the rest keeps its entry price. The closed share owes
    /// `max(0, −pnl) + notional·mm/10000 + debt share` of itself. Everything closes instead when
    /// `closeBps ≥ 10000`, or when what would remain (the position's notional at this price, or the
    /// debt when there is no position) is below `minPositionNotionalUsd`: no dust is left behind.
    function onLiquidation(address account, uint256 closeBps) external returns (uint256 owedUsd) {
        if (msg.sender != address(_hub)) revert PerpMarket_NotHub(msg.sender);
        Position memory p = _positions[account];
        uint256 debtUsd = _debt[account];
        if (p.size == 0 && debtUsd == 0) return 0;
        uint256 priceWad = p.size == 0 ? 0 : _freshPriceWad();
        (int256 closedSize, uint256 closedDebtUsd) = _closedShare(p.size, debtUsd, priceWad, closeBps);
        int256 pnlUsd;
        owedUsd = closedDebtUsd;
        if (closedSize != 0) {
            pnlUsd = MarginMath.pnl(closedSize, p.entryPriceWad, priceWad);
            (, owedUsd) = MarginMath.requirement(closedSize, p.entryPriceWad, priceWad, 0, _maintenanceMarginBps, closedDebtUsd);
        }
        if (closedSize == p.size && closedDebtUsd == debtUsd) {
            delete _positions[account];
            delete _debt[account];
            emit PositionLiquidated(account, p.size, p.entryPriceWad, priceWad, pnlUsd, owedUsd);
            return owedUsd;
        }
        // A part remains (closedSize ≤ size and closedDebtUsd ≤ debtUsd by _closedShare).
        int256 remainingSize = p.size - closedSize;
        uint256 remainingDebtUsd = debtUsd - closedDebtUsd;
        _positions[account].size = remainingSize;
        _debt[account] = remainingDebtUsd;
        emit PositionReduced(
            account, closedSize, remainingSize, p.entryPriceWad, priceWad, pnlUsd, owedUsd, remainingDebtUsd
        );
    }

    /// @dev The part of the position and of the debt a liquidation of `closeBps` closes: both
    /// rounded up; all of both when `closeBps ≥ 10000`, when no position would remain, or when the
    /// remainder would be below the minimum.
    function _closedShare(int256 size, uint256 debtUsd, uint256 priceWad, uint256 closeBps)
        private
        view
        returns (int256 closedSize, uint256 closedDebtUsd)
    {
        if (closeBps >= MarginMath.BPS) return (size, debtUsd);
        uint256 absSize = SignedMath.abs(size);
        uint256 closedAbs = Math.mulDiv(absSize, closeBps, MarginMath.BPS, Math.Rounding.Ceil);
        closedDebtUsd = Math.mulDiv(debtUsd, closeBps, MarginMath.BPS, Math.Rounding.Ceil);
        // closedAbs ≤ absSize and closedDebtUsd ≤ debtUsd since closeBps < 10000.
        uint256 remainderUsd = size == 0
            ? debtUsd - closedDebtUsd
            : Math.mulDiv(absSize - closedAbs, priceWad, MarginMath.WAD);
        // Nothing of the position left, or too little: close everything, the debt included.
        if (remainderUsd < _minPositionNotionalUsd || (size != 0 && closedAbs == absSize)) return (size, debtUsd);
        // closedAbs ≤ |size| < 2^255, so the cast is safe.
        // forge-lint: disable-next-line(unsafe-typecast)
        closedSize = size < 0 ? -int256(closedAbs) : int256(closedAbs);
    }

    // ------------------------------------------------------------ views

    /// @inheritdoc IPerpMarket
    function position(address account) external view returns (Position memory) {
        return _positions[account];
    }

    /// @inheritdoc IPerpMarket
    function debt(address account) external view returns (uint256) {
        return _debt[account];
    }

    /// @inheritdoc IPerpMarket
    function markPrice() external view returns (uint256) {
        return _freshPriceWad();
    }

    /// @inheritdoc IPerpMarket
    function hub() external view returns (IMarginHub) {
        return _hub;
    }

    /// @inheritdoc IPerpMarket
    function feed() external view returns (IAggregatorV3) {
        return _feed;
    }

    /// @inheritdoc IPerpMarket
    function heartbeat() external view returns (uint32) {
        return _heartbeat;
    }

    /// @inheritdoc IPerpMarket
    function initialMarginBps() external view returns (uint16) {
        return _initialMarginBps;
    }

    /// @inheritdoc IPerpMarket
    function maintenanceMarginBps() external view returns (uint16) {
        return _maintenanceMarginBps;
    }

    /// @inheritdoc IPerpMarket
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IPerpMarket
    function minPositionNotionalUsd() external view returns (uint256) {
        return _minPositionNotionalUsd;
    }

    /// @inheritdoc IPerpMarket
    function setMinPositionNotional(uint256 minPositionNotionalUsd_) external onlyOwner {
        if (minPositionNotionalUsd_ > MAX_MIN_POSITION_NOTIONAL_USD) {
            revert PerpMarket_InvalidMinPositionNotional(minPositionNotionalUsd_);
        }
        _minPositionNotionalUsd = minPositionNotionalUsd_;
        emit MinPositionNotionalSet(minPositionNotionalUsd_);
    }

    /// @inheritdoc IPerpMarket
    function setSettlementRecipient(uint64 chainId, address recipient) external onlyOwner {
        if (chainId == 0 && recipient == address(0)) revert PerpMarket_InvalidConfig();
        _settlement[chainId] = recipient;
        emit SettlementRecipientSet(chainId, recipient);
    }

    /// @dev The feed's answer in WAD; reverts when stale or not positive.
    function _freshPriceWad() private view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = _feed.latestRoundData();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > updatedAt + _heartbeat) revert PerpMarket_StalePrice(address(_feed), updatedAt, _heartbeat);
        if (answer <= 0) revert PerpMarket_InvalidPrice(address(_feed), answer);
        // casting to 'uint256' is safe because the answer is positive
        // forge-lint: disable-next-line(unsafe-typecast)
        return MarginMath.priceToWad(uint256(answer), _feedDecimals);
    }
}
