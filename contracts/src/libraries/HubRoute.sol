// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {HubRisk} from "./HubRisk.sol";

/// @title HubRoute
/// @notice The hub's damage limit per source chain (contracts/README.md, "Route limits"): a token
/// bucket on the USD value by which credits from that chain may rise, and the FIFO of leaves that
/// wait for it to refill. Used by `MarginHub` and `MarginHubExtension`.
/// @dev Two slots per route: config and queue head; bucket and queue tail. A call works on a
/// `Meter` in memory and writes the second slot back once (`close`).
library HubRoute {
    /// @notice One route's limit, bucket and queue of waiting keys.
    /// @param capacityUsd bucket size (USD, 18 decimals); 0 = no limit
    /// @param refillPerSecondUsd added to the bucket per second, up to the capacity
    /// @param head first queued key
    /// @param levelUsd bucket level at `updatedAt`
    /// @param updatedAt when `levelUsd` was computed
    /// @param tail one past the last queued key
    /// @param queue queued keys in arrival order
    struct Route {
        uint96 capacityUsd;
        uint96 refillPerSecondUsd;
        uint64 head;
        uint96 levelUsd;
        uint40 updatedAt;
        uint64 tail;
        mapping(uint256 index => Key) queue;
    }

    /// @notice A waiting key of a route (the route is the chain).
    struct Key {
        address account;
        address token;
    }

    /// @notice The newest figures of a key that wait for the bucket (one record per key).
    struct Waiting {
        uint128 balance;
        uint64 seq;
        uint64 inboundNonce;
        uint64 sourceBlock;
        bool queued;
    }

    /// @notice Feed data of one collateral, read once per call.
    /// @param mult with `div` 0: a rise's USD value is `amount × mult` (`price × 10^(18 − d)`)
    /// @param div when non-zero: the value is `mulDiv(amount, price, div)` (`div = 10^(d − 18)`)
    struct Priced {
        address token;
        HubRisk.Collateral col;
        uint256 price;
        uint256 mult;
        uint256 div;
    }

    /// @notice A route's state during one call.
    /// @param limited whether the route has a limit
    /// @param backlog whether keys wait (a rise then waits behind them: FIFO)
    /// @param dirty whether `level` or `tail` changed
    struct Meter {
        bool limited;
        bool backlog;
        bool dirty;
        uint256 level;
        uint256 capacity;
        uint64 tail;
        Priced[] prices;
        uint256 priced;
    }

    /// @dev Collaterals whose prices one call keeps; beyond it a price is read again.
    uint256 private constant PRICE_CACHE = 8;

    /// @notice The bucket level at `nowTs`: `min(capacity, level + elapsed × refill)`.
    function refilled(uint256 level, uint256 updatedAt, uint256 capacity, uint256 refill, uint256 nowTs)
        internal
        pure
        returns (uint256)
    {
        if (nowTs <= updatedAt) return level < capacity ? level : capacity;
        uint256 room = capacity > level ? capacity - level : 0;
        uint256 elapsed = nowTs - updatedAt;
        // Compared before multiplying: elapsed × refill cannot overflow for uint40 × uint96 anyway.
        uint256 added = elapsed * refill;
        return added >= room ? capacity : level + added;
    }

    /// @notice Reads the route into a meter with the bucket refilled to now.
    /// Without a limit only the first slot is read (the meter is then inert).
    function open(Route storage r) internal view returns (Meter memory m) {
        uint256 capacity = r.capacityUsd;
        if (capacity == 0) return m;
        m.limited = true;
        m.tail = r.tail;
        m.backlog = r.head != m.tail;
        m.capacity = capacity;
        // forge-lint: disable-next-line(block-timestamp)
        m.level = refilled(r.levelUsd, r.updatedAt, capacity, r.refillPerSecondUsd, block.timestamp);
        m.prices = new Priced[](PRICE_CACHE);
    }

    /// @notice Writes the bucket and the queue tail back when the call changed them (only a limited
    /// route's meter changes).
    function close(Route storage r, Meter memory m) internal {
        if (!m.dirty) return;
        // level ≤ capacity < 2^96; block.timestamp fits 40 bits for 30,000 years.
        r.levelUsd = uint96(m.level);
        r.updatedAt = uint40(block.timestamp);
        r.tail = m.tail;
    }

    /// @notice Takes `costUsd` from the bucket when it holds that much.
    function take(Meter memory m, uint256 costUsd) internal pure returns (bool) {
        if (costUsd > m.level) return false;
        unchecked {
            m.level -= costUsd;
        }
        m.dirty = true;
        return true;
    }

    /// @notice Queues a key at the tail (the caller stores its figures).
    function enqueue(Route storage r, Meter memory m, address account, address token) internal {
        r.queue[m.tail] = Key({account: account, token: token});
        ++m.tail;
        m.backlog = true;
        m.dirty = true;
    }

    /// @notice The cached feed data of `token`, or an empty slot to fill (index `PRICE_CACHE` when full).
    function cached(Meter memory m, address token) internal pure returns (bool found, uint256 index) {
        uint256 n = m.priced;
        for (uint256 i; i < n; ++i) {
            if (m.prices[i].token == token) return (true, i);
        }
        return (false, n);
    }

    /// @notice Precomputes `MarginMath.value`'s scaling for the collateral (d = token + feed decimals).
    function prepare(Priced memory p) internal pure {
        uint256 d = uint256(p.col.tokenDecimals) + p.col.feedDecimals;
        if (d >= 18) p.div = 10 ** (d - 18);
        else p.mult = p.price * 10 ** (18 - d);
    }

    /// @notice `MarginMath.value(amount, …)` of the prepared collateral: the same figure, with the
    /// same overflow reverts, computed with one multiplication (or one mulDiv) per leaf.
    function valueOf(Priced memory p, uint256 amount) internal pure returns (uint256) {
        return p.div != 0 ? Math.mulDiv(amount, p.price, p.div) : amount * p.mult;
    }

    /// @notice Whether a route limit is acceptable: none (`capacity == 0`, then `refill == 0`) or
    /// `0 < refill ≤ capacity`.
    function isValid(uint256 capacity, uint256 refill) internal pure returns (bool) {
        return capacity == 0 ? refill == 0 : refill != 0 && refill <= capacity;
    }
}
