// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Attesters} from "./Attesters.sol";
import {MarginHub} from "../../src/MarginHub.sol";
import {MarginHubExtension} from "../../src/MarginHubExtension.sol";
import {PerpMarket} from "../../src/PerpMarket.sol";
import {IMarginConsumer} from "../../src/interfaces/IMarginConsumer.sol";
import {IMarginHub} from "../../src/interfaces/IMarginHub.sol";
import {IQuorumVerifier} from "../../src/interfaces/IQuorumVerifier.sol";
import {MessageCodec} from "../../src/libraries/MessageCodec.sol";
import {MockPriceFeed} from "../../src/mocks/MockPriceFeed.sol";

/// @notice Reusable test base: a `MarginHub` with a 2-of-3 attester set, two registered vault
/// chains, three collaterals priced by `MockPriceFeed`s, and helpers that build and sign
/// BALANCE_BATCH and WITHDRAWAL_REQUEST packets, OpenZeppelin StandardMerkleTree-compatible trees,
/// single proofs and multiproofs, decode the command packets the hub emits and assert a
/// liquidation's SEIZE pairs (debt share to the consumer's settlement address, bonus to the liquidator).
/// @dev Override `setUp` and call `super.setUp()` (or `_deployHub()`) first. Time starts at
/// `START_TIME`; every feed is fresh then. Tokens are plain addresses: the hub never calls them.
///
/// Merkle trees follow the StandardMerkleTree of the npm package openzeppelin merkle-tree: leaf hashes are sorted
/// ascending, laid out at the end of a `2n − 1` array in reverse (`tree[len − 1 − i] = sorted[i]`),
/// and inner nodes are `commutativeKeccak256(left, right)` of children `2i + 1`, `2i + 2`.
/// Multiproofs are built exactly like its `getMultiProof`, so `submitBatch` takes the leaves in the
/// order `_multiProof` returns them.
abstract contract HubFixture is Attesters {
    /// @notice A batch ready for `submitBatch`: leaves in multiproof order with their proof.
    struct BatchProof {
        bytes32 root;
        IMarginHub.Leaf[] leaves;
        bytes32[] proof;
        bool[] proofFlags;
    }

    uint256 internal constant START_TIME = 1_700_000_000;
    uint64 internal constant MAX_AGE = 1 hours;
    uint8 internal constant THRESHOLD = 2;
    /// @dev Vault chains (eid = chain id).
    uint32 internal constant CHAIN_A = 10;
    uint32 internal constant CHAIN_B = 42_161;

    MarginHub internal hub;
    address internal owner = makeAddr("owner");
    address internal guardian = makeAddr("guardian");
    address internal vaultA = makeAddr("vaultA");
    address internal vaultB = makeAddr("vaultB");

    /// @dev USDC on chain A: 6 decimals, feed 8 decimals at $1, 2 % haircut, 99 % threshold, 2 % bonus, no cap.
    address internal usdcA = makeAddr("usdc@A");
    MockPriceFeed internal usdcFeed;
    /// @dev WETH on chain B: 18 decimals, feed 8 decimals at $2,000, 15 % haircut, 90 % threshold, 5 % bonus, no cap.
    address internal wethB = makeAddr("weth@B");
    MockPriceFeed internal ethFeed;
    /// @dev WBTC on chain A: 8 decimals, feed 18 decimals at $60,000, 20 % haircut, 85 % threshold, 8 % bonus, cap 10 WBTC.
    address internal wbtcA = makeAddr("wbtc@A");
    MockPriceFeed internal btcFeed;

    /// @dev Makes batch packet nonces (and so guids) unique within a test.
    uint16 private _batchIndex;

    function setUp() public virtual {
        _deployHub();
    }

    // ------------------------------------------------------------ deployment

    /// @notice Deploys the hub, registers both vaults and the three collaterals.
    function _deployHub() internal {
        vm.warp(START_TIME);
        vm.roll(1_000);
        _makeAttesters(3);
        hub = new MarginHub(owner, attesterAddrs, THRESHOLD, guardian, MAX_AGE, new MarginHubExtension());
        usdcFeed = new MockPriceFeed(8, 1e8, "USDC / USD");
        ethFeed = new MockPriceFeed(8, 2_000e8, "ETH / USD");
        btcFeed = new MockPriceFeed(18, 60_000e18, "BTC / USD");
        vm.startPrank(owner);
        hub.setVault(CHAIN_A, vaultA);
        hub.setVault(CHAIN_B, vaultB);
        hub.setCollateral(CHAIN_A, usdcA, _config(address(usdcFeed), 1 days, 6, 200, 9_900, 200, 0));
        hub.setCollateral(CHAIN_B, wethB, _config(address(ethFeed), 1 hours, 18, 1_500, 9_000, 500, 0));
        hub.setCollateral(CHAIN_A, wbtcA, _config(address(btcFeed), 1 hours, 8, 2_000, 8_500, 800, 10e8));
        vm.stopPrank();
    }

    /// @notice Deploys a `MockConsumer` and registers it with the hub.
    function _deployMockConsumer() internal returns (MockConsumer consumer) {
        consumer = new MockConsumer(address(hub));
        vm.prank(owner);
        hub.addConsumer(address(consumer));
    }

    /// @notice Deploys an ETH-USD `PerpMarket` on `ethFeed` and registers it as a hub consumer.
    function _deployPerp(uint16 initialMarginBps, uint16 maintenanceMarginBps) internal returns (PerpMarket perp) {
        perp = new PerpMarket(owner, hub, ethFeed, 1 hours, initialMarginBps, maintenanceMarginBps, "ETH-USD");
        vm.prank(owner);
        hub.addConsumer(address(perp));
    }

    function _config(
        address feed,
        uint32 heartbeat,
        uint8 tokenDecimals,
        uint16 haircutBps,
        uint16 liquidationThresholdBps,
        uint16 liquidationBonusBps,
        uint128 capPerAccount
    ) internal pure returns (IMarginHub.CollateralConfig memory) {
        return IMarginHub.CollateralConfig({
            feed: feed,
            heartbeat: heartbeat,
            tokenDecimals: tokenDecimals,
            haircutBps: haircutBps,
            liquidationThresholdBps: liquidationThresholdBps,
            liquidationBonusBps: liquidationBonusBps,
            capPerAccount: capPerAccount
        });
    }

    function _vaultOf(uint32 eid) internal view returns (address) {
        return hub.vaultOf(eid);
    }

    // ------------------------------------------------------------ leaves and trees

    /// @notice A leaf from the registered vault of `chainId`, source block = current block.
    function _leaf(uint32 chainId, address account, address token, uint256 balance, uint64 seq, uint64 inboundNonce)
        internal
        view
        returns (IMarginHub.Leaf memory)
    {
        return IMarginHub.Leaf({
            chainId: chainId,
            vault: _vaultOf(chainId),
            account: account,
            token: token,
            balance: balance,
            seq: seq,
            inboundNonce: inboundNonce,
            sourceBlock: uint64(block.number)
        });
    }

    /// @notice StandardMerkleTree leaf hash: `keccak256(bytes.concat(keccak256(abi.encode(fields))))`.
    function _leafHash(IMarginHub.Leaf memory l) internal pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                keccak256(abi.encode(l.chainId, l.vault, l.account, l.token, l.balance, l.seq, l.inboundNonce, l.sourceBlock))
            )
        );
    }

    function _leafHashes(IMarginHub.Leaf[] memory leaves) internal pure returns (bytes32[] memory hashes) {
        hashes = new bytes32[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            hashes[i] = _leafHash(leaves[i]);
        }
    }

    /// @notice The full tree array of StandardMerkleTree over `leafHashes` (sorted; `tree[0]` is the root).
    function _tree(bytes32[] memory leafHashes) internal pure returns (bytes32[] memory tree) {
        uint256 n = leafHashes.length;
        require(n > 0, "HubFixture: empty tree");
        bytes32[] memory sorted = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            sorted[i] = leafHashes[i];
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && sorted[j - 1] > sorted[j]; --j) {
                (sorted[j - 1], sorted[j]) = (sorted[j], sorted[j - 1]);
            }
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 i; i < n; ++i) {
            tree[tree.length - 1 - i] = sorted[i];
        }
        for (uint256 i = n - 1; i > 0; --i) {
            tree[i - 1] = _hashPair(tree[2 * i - 1], tree[2 * i]);
        }
    }

    /// @notice Root of the StandardMerkleTree over `leaves`.
    function _root(IMarginHub.Leaf[] memory leaves) internal pure returns (bytes32) {
        return _tree(_leafHashes(leaves))[0];
    }

    /// @notice Tree index of a leaf hash (reverts when absent).
    function _treeIndex(bytes32[] memory tree, bytes32 leafHash) internal pure returns (uint256) {
        uint256 firstLeaf = tree.length / 2;
        for (uint256 i = tree.length; i > firstLeaf; --i) {
            if (tree[i - 1] == leafHash) return i - 1;
        }
        revert("HubFixture: leaf not in tree");
    }

    /// @notice Single-leaf proof (siblings bottom-up), as StandardMerkleTree's `getProof`.
    function _proof(bytes32[] memory tree, uint256 index) internal pure returns (bytes32[] memory proof) {
        uint256 depth;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) {
            ++depth;
        }
        proof = new bytes32[](depth);
        uint256 k;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) {
            proof[k++] = tree[j % 2 == 1 ? j + 1 : j - 1];
        }
    }

    /// @notice Proof of `leaves[i]` in the tree over `leaves`, for `applyLeaf`.
    function _leafProof(IMarginHub.Leaf[] memory leaves, uint256 i) internal pure returns (bytes32[] memory) {
        bytes32[] memory tree = _tree(_leafHashes(leaves));
        return _proof(tree, _treeIndex(tree, _leafHash(leaves[i])));
    }

    /// @notice Multiproof of tree `indices`, as StandardMerkleTree's `getMultiProof`.
    /// @return order the tree indices in the order the leaves must be given (descending)
    function _multiProof(bytes32[] memory tree, uint256[] memory indices)
        internal
        pure
        returns (uint256[] memory order, bytes32[] memory proof, bool[] memory proofFlags)
    {
        uint256 m = indices.length;
        order = new uint256[](m);
        for (uint256 i; i < m; ++i) {
            order[i] = indices[i];
        }
        for (uint256 i = 1; i < m; ++i) {
            for (uint256 j = i; j > 0 && order[j - 1] < order[j]; --j) {
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
            }
        }
        // A queue holds at most the starting indices plus one parent per step.
        uint256[] memory queue = new uint256[](tree.length + m);
        uint256 head;
        uint256 tail;
        for (uint256 i; i < m; ++i) {
            queue[tail++] = order[i];
        }
        bytes32[] memory proofBuf = new bytes32[](tree.length);
        bool[] memory flagBuf = new bool[](tree.length);
        uint256 proofLen;
        uint256 flagLen;
        while (head < tail && queue[head] > 0) {
            uint256 j = queue[head++];
            uint256 s = j % 2 == 1 ? j + 1 : j - 1;
            if (head < tail && queue[head] == s) {
                flagBuf[flagLen++] = true;
                ++head;
            } else {
                flagBuf[flagLen++] = false;
                proofBuf[proofLen++] = tree[s];
            }
            queue[tail++] = (j - 1) / 2;
        }
        proof = new bytes32[](proofLen);
        for (uint256 i; i < proofLen; ++i) {
            proof[i] = proofBuf[i];
        }
        proofFlags = new bool[](flagLen);
        for (uint256 i; i < flagLen; ++i) {
            proofFlags[i] = flagBuf[i];
        }
    }

    /// @notice A `submitBatch`-ready multiproof of `leaves[subset[k]]` within the tree over all `leaves`.
    function _batchProof(IMarginHub.Leaf[] memory leaves, uint256[] memory subset) internal pure returns (BatchProof memory b) {
        bytes32[] memory tree = _tree(_leafHashes(leaves));
        uint256[] memory indices = new uint256[](subset.length);
        for (uint256 k; k < subset.length; ++k) {
            indices[k] = _treeIndex(tree, _leafHash(leaves[subset[k]]));
        }
        uint256[] memory order;
        (order, b.proof, b.proofFlags) = _multiProof(tree, indices);
        b.root = tree[0];
        b.leaves = new IMarginHub.Leaf[](order.length);
        for (uint256 k; k < order.length; ++k) {
            for (uint256 i; i < leaves.length; ++i) {
                if (_leafHash(leaves[i]) == tree[order[k]]) {
                    b.leaves[k] = leaves[i];
                    break;
                }
            }
        }
    }

    /// @notice A `submitBatch`-ready multiproof of every leaf (empty proof, all flags true).
    function _batchProof(IMarginHub.Leaf[] memory leaves) internal pure returns (BatchProof memory) {
        uint256[] memory all = new uint256[](leaves.length);
        for (uint256 i; i < leaves.length; ++i) {
            all[i] = i;
        }
        return _batchProof(leaves, all);
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    // ------------------------------------------------------------ packets

    /// @notice A packet from `sender` on `srcEid` to the hub.
    function _packetToHub(uint64 nonce, uint32 srcEid, address sender, bytes memory body)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return MessageCodec.encodePacket(nonce, srcEid, sender, hub.localEid(), address(hub), body);
    }

    /// @notice The next batch nonce for `sourceBlock`: `2^63 | sourceBlock << 16 | index`.
    function _nextBatchNonce(uint64 sourceBlock) internal returns (uint64) {
        return (uint64(1) << 63) | (sourceBlock << 16) | _batchIndex++;
    }

    /// @notice A BALANCE_BATCH packet from the registered vault of `srcEid`, with a fresh batch nonce.
    function _batchPacket(uint32 srcEid, bytes32 root, uint32 leafCount, uint64 sourceBlock, uint64 sourceTimestamp)
        internal
        returns (bytes memory packet, bytes32 guid)
    {
        bytes memory body = MessageCodec.encodeBalanceBatch(
            MessageCodec.BalanceBatch({root: root, leafCount: leafCount, sourceBlock: sourceBlock, sourceTimestamp: sourceTimestamp})
        );
        return _packetToHub(_nextBatchNonce(sourceBlock), srcEid, _vaultOf(srcEid), body);
    }

    /// @notice A BALANCE_BATCH packet over `leaves` (source of the first leaf), stamped now.
    function _batchPacketFor(IMarginHub.Leaf[] memory leaves) internal returns (bytes memory packet, bytes32 guid) {
        return _batchPacket(
            uint32(leaves[0].chainId), _root(leaves), uint32(leaves.length), uint64(block.number), uint64(block.timestamp)
        );
    }

    /// @notice A WITHDRAWAL_REQUEST packet from the registered vault of `srcEid` with request `nonce`.
    function _withdrawalPacket(uint32 srcEid, uint64 nonce, MessageCodec.WithdrawalRequest memory w)
        internal
        view
        returns (bytes memory packet, bytes32 guid)
    {
        return _packetToHub(nonce, srcEid, _vaultOf(srcEid), MessageCodec.encodeWithdrawalRequest(w));
    }

    /// @notice Quorum signatures (the first `THRESHOLD` attesters) over `packet` for the hub.
    function _sigs(bytes memory packet) internal view returns (bytes memory) {
        return _attest(IQuorumVerifier(address(hub)), packet, THRESHOLD);
    }

    // ------------------------------------------------------------ one-call actions

    /// @notice Signs and submits every leaf in full mode (all leaves from one vault chain).
    function _submit(IMarginHub.Leaf[] memory leaves) internal returns (bytes32 guid) {
        BatchProof memory b = _batchProof(leaves);
        bytes memory packet;
        (packet, guid) = _batchPacketFor(leaves);
        hub.submitBatch(packet, _sigs(packet), b.leaves, b.proof, b.proofFlags);
    }

    /// @notice Credits one (account, chain, token) through a one-leaf batch.
    function _credit(uint32 chainId, address account, address token, uint256 balance, uint64 seq) internal returns (bytes32) {
        IMarginHub.Leaf[] memory leaves = new IMarginHub.Leaf[](1);
        leaves[0] = _leaf(chainId, account, token, balance, seq, 0);
        return _submit(leaves);
    }

    /// @notice Relays a withdrawal request with the next request nonce of `srcEid`.
    /// @return guid the request packet's guid
    function _requestWithdrawal(
        uint32 srcEid,
        address account,
        address token,
        uint256 amount,
        uint256 balanceAfter,
        uint64 seq,
        uint64 inboundNonce
    ) internal returns (bytes32 guid) {
        bytes memory packet;
        (packet, guid) = _withdrawalPacket(
            srcEid,
            hub.inboundNonce(srcEid) + 1,
            MessageCodec.WithdrawalRequest({
                account: account,
                token: token,
                amount: amount,
                balanceAfter: balanceAfter,
                seq: seq,
                inboundNonce: inboundNonce
            })
        );
        hub.receiveWithdrawalRequest(packet, _sigs(packet));
    }

    // ------------------------------------------------------------ emitted commands

    /// @notice The `(dstEid, packet)` of every `PacketSent` the hub emitted in `logs`, in order.
    function _sentPackets(Vm.Log[] memory logs) internal view returns (uint32[] memory dstEids, bytes[] memory packets) {
        uint256 count;
        for (uint256 i; i < logs.length; ++i) {
            if (_isPacketSent(logs[i])) ++count;
        }
        dstEids = new uint32[](count);
        packets = new bytes[](count);
        uint256 k;
        for (uint256 i; i < logs.length; ++i) {
            if (!_isPacketSent(logs[i])) continue;
            (dstEids[k], packets[k]) = abi.decode(logs[i].data, (uint32, bytes));
            ++k;
        }
    }

    function _isPacketSent(Vm.Log memory log) private view returns (bool) {
        return log.emitter == address(hub) && log.topics.length > 0 && log.topics[0] == IMarginHub.PacketSent.selector;
    }

    /// @notice Header of a packet (external so that memory bytes become calldata: `this.decodeHeader(p)`).
    function decodeHeader(bytes calldata packet) external pure returns (MessageCodec.Header memory) {
        return MessageCodec.decodeHeader(packet);
    }

    /// @notice Message type of a packet's body.
    function messageTypeOf(bytes calldata packet) external pure returns (uint8) {
        return MessageCodec.messageType(MessageCodec.message(packet));
    }

    /// @notice SEIZE body of a packet.
    function decodeSeize(bytes calldata packet) external pure returns (MessageCodec.Seize memory) {
        return MessageCodec.decodeSeize(MessageCodec.message(packet));
    }

    /// @notice APPROVE_WITHDRAWAL / REJECT_WITHDRAWAL body of a packet.
    function decodeDecision(bytes calldata packet) external pure returns (MessageCodec.WithdrawalDecision memory) {
        return MessageCodec.decodeWithdrawalDecision(MessageCodec.message(packet));
    }

    // ------------------------------------------------------------ seize assertions

    /// @notice One collateral's liquidation commands: the debt's share to the consumer's settlement
    /// address (command `nonce`), then the bonus to the liquidator's recipient (`nonce + 1`; absent
    /// when `bonusAmount` is 0).
    struct SeizePair {
        uint32 eid;
        address vault;
        uint64 nonce;
        address token;
        address account;
        uint256 owedAmount;
        address settlement;
        uint256 bonusAmount;
        address recipient;
    }

    /// @notice Asserts that `packet`, sent to `dstEid`, is the hub's SEIZE command `nonce` to `vault`
    /// on `expectedEid` taking `amount` of `account`'s `token` for `recipient`.
    function _assertSeize(
        bytes memory packet,
        uint32 dstEid,
        uint32 expectedEid,
        address vault,
        uint64 nonce,
        address token,
        uint256 amount,
        address recipient,
        address account
    ) internal view {
        assertEq(dstEid, expectedEid, "seize destination");
        MessageCodec.Header memory h = this.decodeHeader(packet);
        assertEq(h.nonce, nonce, "seize nonce");
        assertEq(h.srcEid, hub.localEid());
        assertEq(h.sender, MessageCodec.addressToBytes32(address(hub)));
        assertEq(h.dstEid, expectedEid);
        assertEq(h.receiver, MessageCodec.addressToBytes32(vault));
        assertEq(this.messageTypeOf(packet), MessageCodec.SEIZE, "not a SEIZE");
        MessageCodec.Seize memory s = this.decodeSeize(packet);
        assertEq(s.account, account, "seize account");
        assertEq(s.token, token, "seize token");
        assertEq(s.amount, amount, "seize amount");
        assertEq(s.recipient, recipient, "seize recipient");
    }

    /// @notice Asserts `packets[i]` (and `packets[i + 1]` when there is a bonus) are the pair `p`.
    /// @return next the index after the pair
    function _assertSeizePair(bytes[] memory packets, uint32[] memory dst, uint256 i, SeizePair memory p)
        internal
        view
        returns (uint256 next)
    {
        _assertSeize(packets[i], dst[i], p.eid, p.vault, p.nonce, p.token, p.owedAmount, p.settlement, p.account);
        if (p.bonusAmount == 0) return i + 1;
        _assertSeize(packets[i + 1], dst[i + 1], p.eid, p.vault, p.nonce + 1, p.token, p.bonusAmount, p.recipient, p.account);
        return i + 2;
    }
}

/// @notice A hub consumer whose requirements and liquidation debts the test sets directly, to
/// exercise the hub without a real market. Optionally re-enters the hub from `onLiquidation`.
contract MockConsumer is IMarginConsumer {
    address public immutable hub;
    mapping(address => uint256) public initialOf;
    mapping(address => uint256) public maintenanceOf;
    mapping(address => uint256) public owedOf;
    /// @dev Calls made to `onLiquidation`, by account.
    mapping(address => uint256) public liquidations;
    bool public reenter;
    bool public unpriced;
    bool public revertRequirement;
    address public settlement;

    constructor(address hub_) {
        hub = hub_;
    }

    function setRequirement(address account, uint256 initialUsd, uint256 maintenanceUsd) external {
        initialOf[account] = initialUsd;
        maintenanceOf[account] = maintenanceUsd;
    }

    function setOwed(address account, uint256 owedUsd) external {
        owedOf[account] = owedUsd;
    }

    function setReenter(bool on) external {
        reenter = on;
    }

    function marginRequirement(address account) external view returns (uint256, uint256, bool) {
        if (revertRequirement) revert("MockConsumer: broken");
        return (initialOf[account], maintenanceOf[account], !unpriced);
    }

    function setUnpriced(bool on) external {
        unpriced = on;
    }

    function setRevertRequirement(bool on) external {
        revertRequirement = on;
    }

    function setSettlement(address recipient) external {
        settlement = recipient;
    }

    /// @dev Every chain settles to `settlement` (default: this contract).
    function settlementRecipient(uint64) external view returns (address) {
        return settlement == address(0) ? address(this) : settlement;
    }

    /// @dev Clears the account's requirement and returns what it was told the account owes.
    function onLiquidation(address account) external returns (uint256 owedUsd) {
        require(msg.sender == hub, "MockConsumer: not hub");
        if (reenter) IMarginHub(hub).liquidate(account);
        ++liquidations[account];
        owedUsd = owedOf[account];
        initialOf[account] = 0;
        maintenanceOf[account] = 0;
        owedOf[account] = 0;
    }
}
