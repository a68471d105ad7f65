// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {MockPriceFeed} from "../../src/mocks/MockPriceFeed.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {CrossChainWorld, World} from "./CrossChainWorld.sol";

/// @notice Shared base of the invariant handlers: the world, chain switching, signing, log
/// capture, feed refreshing and named call counters.
/// @dev Every action ends on `HUB_CHAIN` (the `onHub` modifier), so view reads between calls and
/// the next action start from a known chain id.
abstract contract HandlerBase is CrossChainWorld {
    /// @notice Named counters (`bytes32("deposit")` etc.) a reviewer can read after a run.
    mapping(bytes32 name => uint256) public count;
    /// @notice Actions this handler ran (that did not revert).
    uint256 public calls;

    constructor(World memory w) {
        _adopt(w);
    }

    /// @dev Runs the action, then switches back to the hub chain.
    modifier onHub() {
        ++calls;
        _;
        vm.chainId(HUB_CHAIN);
    }

    // ------------------------------------------------------------ decoding (external: memory → calldata)

    /// @notice WITHDRAWAL_REQUEST body of a packet.
    function decodeRequest(bytes calldata packet) external pure returns (MessageCodec.WithdrawalRequest memory) {
        return MessageCodec.decodeWithdrawalRequest(MessageCodec.message(packet));
    }

    // ------------------------------------------------------------ helpers

    /// @dev The custom-error selector of revert data (zero when shorter than 4 bytes).
    function _selector(bytes memory err) internal pure returns (bytes4 s) {
        if (err.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            s := mload(add(err, 0x20))
        }
    }

    function _bump(bytes32 name) internal {
        ++count[name];
    }

    /// @dev Quorum signatures (first `THRESHOLD` current attesters) over `packet` for the verifier
    /// living on `chainId`; leaves the chain id on `chainId`.
    function _quorum(address verifier, uint32 chainId, bytes memory packet) internal returns (bytes memory) {
        vm.chainId(chainId);
        return _attest(IQuorumVerifier(verifier), packet, THRESHOLD);
    }

    /// @dev The `packet` of every `PacketSent` (same signature on vault and hub) emitted by `emitter`.
    function _packetsFrom(Vm.Log[] memory logs, address emitter) internal pure returns (bytes[] memory packets) {
        uint256 n;
        for (uint256 i; i < logs.length; ++i) {
            if (_isPacketSent(logs[i], emitter)) ++n;
        }
        packets = new bytes[](n);
        uint256 k;
        for (uint256 i; i < logs.length; ++i) {
            if (!_isPacketSent(logs[i], emitter)) continue;
            (, packets[k++]) = abi.decode(logs[i].data, (uint32, bytes));
        }
    }

    function _isPacketSent(Vm.Log memory log, address emitter) private pure returns (bool) {
        return log.emitter == emitter && log.topics.length > 0 && log.topics[0] == IMarginHub.PacketSent.selector;
    }

    /// @dev A keeper's job: re-publish any feed answer older than half its heartbeat, so trades
    /// and liquidations (which need fresh prices) are not blocked, and withdrawals not rejected,
    /// by time the handler warped. A non-positive answer is re-published as it is.
    function _refreshFeeds() internal {
        _refresh(usdcFeed);
        _refresh(ethFeed);
        _refresh(shareFeed);
    }

    function _refresh(MockPriceFeed feed) private {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp > updatedAt + HEARTBEAT / 2) feed.setAnswer(answer);
    }

    /// @dev Whether some feed is stale or non-positive right now (the hub counts what it prices as 0).
    function _anyFeedUnusable() internal view returns (bool) {
        return _unusable(ethFeed) || _unusable(usdcFeed) || _unusable(shareFeed);
    }

    function _unusable(MockPriceFeed feed) private view returns (bool) {
        (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
        // forge-lint: disable-next-line(block-timestamp)
        return answer <= 0 || block.timestamp > updatedAt + HEARTBEAT;
    }

    /// @dev Leaves over the current vault figures of `account`'s keys on `chainId` picked by `mask`
    /// (bit i = token i); keys never touched (seq 0) are skipped unless `includeUntouched`.
    function _leavesFromVault(uint32 chainId, address account, uint256 mask, bool includeUntouched)
        internal
        view
        returns (IMarginHub.Leaf[] memory leaves)
    {
        address[] storage tokens = tokensOn[chainId];
        IMarginHub.Leaf[] memory buf = new IMarginHub.Leaf[](tokens.length);
        uint256 n;
        for (uint256 i; i < tokens.length; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            IMarginHub.Leaf memory l = _vaultLeaf(chainId, account, tokens[i]);
            if (l.seq == 0 && !includeUntouched) continue;
            buf[n++] = l;
        }
        leaves = new IMarginHub.Leaf[](n);
        for (uint256 i; i < n; ++i) {
            leaves[i] = buf[i];
        }
    }

    /// @dev The leaf an honest relayer would build from the vault's `accountState` right now.
    function _vaultLeaf(uint32 chainId, address account, address token)
        internal
        view
        returns (IMarginHub.Leaf memory l)
    {
        (uint256 balance,, uint64 seq, uint64 keyInboundNonce) = vaultOn[chainId].accountState(account, token);
        l = IMarginHub.Leaf({
            chainId: chainId,
            vault: address(vaultOn[chainId]),
            account: account,
            token: token,
            balance: balance,
            seq: seq,
            inboundNonce: keyInboundNonce,
            sourceBlock: uint64(block.number)
        });
    }
}
