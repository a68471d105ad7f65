// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IMarginHub
/// @notice Credits collateral held on other chains from quorum-attested balance batches, prices
/// it, answers withdrawal requests, and orders seizures when an account is liquidatable.
/// @dev Amounts in USD carry 18 decimals. Basis points (bps) are out of 10_000.
interface IMarginHub {
    /// @notice One account update inside a balance batch: an OpenZeppelin StandardMerkleTree leaf
    /// with types `["uint64","address","address","address","uint256","uint64","uint64","uint64"]`,
    /// hashed as `keccak256(bytes.concat(keccak256(abi.encode(fields...))))`.
    struct Leaf {
        uint64 chainId;
        address vault;
        address account;
        address token;
        uint256 balance;
        uint64 seq;
        uint64 inboundNonce;
        uint64 sourceBlock;
    }

    /// @notice Risk configuration of one collateral, identified by (chainId, token).
    /// @param feed Chainlink-style USD price feed on the hub chain
    /// @param heartbeat seconds after which the feed's answer is stale
    /// @param tokenDecimals the token's decimals on its own chain
    /// @param haircutBps adjusted value = value × (10_000 − haircutBps) / 10_000
    /// @param liquidationThresholdBps liquidation value = value × liquidationThresholdBps / 10_000 (≥ 10_000 − haircutBps)
    /// @param liquidationBonusBps extra collateral, above what the account owes, that a liquidator receives
    /// @param capPerAccount at most this many token units count towards an account's margin (0 = no cap)
    struct CollateralConfig {
        address feed;
        uint32 heartbeat;
        uint8 tokenDecimals;
        uint16 haircutBps;
        uint16 liquidationThresholdBps;
        uint16 liquidationBonusBps;
        uint128 capPerAccount;
    }

    /// @notice Concentration (size-scaled) haircut of one collateral, on top of `haircutBps`
    /// (contracts/README.md, "Margin math"). Per account, with `counted` its counted token units:
    /// `discount = clamp(floor(counted × scalarBps / scale), lowerBps, upperBps)`; adjusted value =
    /// value × (10_000 − haircutBps − discount) / 10_000 and liquidation value = value ×
    /// (liquidationThresholdBps − discount) / 10_000. All zero (the default) = off.
    /// @param scale token units at which the linear part reaches `scalarBps` (> 0 when on)
    /// @param scalarBps discount at `counted = scale`, before the clamp
    /// @param lowerBps floor of the discount (applies to any credit, however small)
    /// @param upperBps cap of the discount (`lowerBps ≤ upperBps`, `haircutBps + upperBps < 10_000`)
    struct Concentration {
        uint128 scale;
        uint16 scalarBps;
        uint16 lowerBps;
        uint16 upperBps;
    }

    /// @notice A collateral's identity.
    struct CollateralKey {
        uint64 chainId;
        address token;
    }

    /// @notice An account's margin.
    /// @param collateralUsd oracle value of counted collateral
    /// @param adjustedUsd haircut-adjusted value (must cover initialUsd)
    /// @param liquidationUsd liquidation-threshold-weighted value (must cover maintenanceUsd)
    /// @param initialUsd sum of consumers' initial requirements
    /// @param maintenanceUsd sum of consumers' maintenance requirements
    /// @param healthFactor liquidationUsd / maintenanceUsd with 18 decimals; type(uint256).max when maintenanceUsd is 0
    struct Margin {
        uint256 collateralUsd;
        uint256 adjustedUsd;
        uint256 liquidationUsd;
        uint256 initialUsd;
        uint256 maintenanceUsd;
        uint256 healthFactor;
    }

    event VaultSet(uint32 indexed eid, address vault);
    event CollateralConfigured(uint64 indexed chainId, address indexed token, CollateralConfig config);
    event ConcentrationSet(uint64 indexed chainId, address indexed token, Concentration concentration);
    event ConsumerAdded(address indexed consumer);
    event ConsumerRemoved(address indexed consumer);
    event MaxAttestationAgeSet(uint64 maxAge);
    event SequencerUptimeFeedSet(address feed, uint32 gracePeriod);
    /// @notice A (chain, token) credit of an account changed: a leaf (batch, lazily applied, or a
    /// withdrawal request's figures with sourceBlock 0) or a rejected withdrawal credited again
    /// (the stored seq, sourceBlock 0).
    event BalanceCredited(address indexed account, uint64 indexed chainId, address indexed token, uint256 balance, uint64 seq, uint64 sourceBlock);
    /// @notice A batch was applied in full.
    event BatchApplied(bytes32 indexed guid, uint32 indexed srcEid, bytes32 root, uint32 leafCount, uint64 sourceBlock);
    /// @notice A batch root was stored for lazy, one-leaf-at-a-time application.
    event RootStored(bytes32 indexed guid, uint32 indexed srcEid, bytes32 root, uint64 sourceBlock, uint64 sourceTimestamp);
    event WithdrawalRequestReceived(bytes32 indexed guid, address indexed account, uint64 indexed chainId, address token, uint256 amount, uint64 nonce);
    event WithdrawalDecided(bytes32 indexed requestGuid, address indexed account, uint64 indexed chainId, address token, uint256 amount, bool approved, bytes32 commandGuid);
    event SeizeOrdered(bytes32 indexed guid, address indexed account, uint64 indexed chainId, address token, uint256 amount, address recipient);
    /// @notice An account was liquidated: each consumer closed `closeBps` (of 10000) of its positions
    /// and debt (the close factor, or 10000) and reported `owedUsd` in all; seizures cover `seizedUsd`.
    event Liquidated(
        address indexed account, address indexed liquidator, address recipient, uint256 owedUsd, uint256 seizedUsd, uint16 closeBps
    );
    /// @notice A command packet for a vault (LayerZero `PacketSent` shape).
    event PacketSent(bytes32 indexed guid, uint64 indexed nonce, uint32 dstEid, bytes packet);

    error MarginHub_UnknownVault(uint32 srcEid, bytes32 sender);
    error MarginHub_WrongDestination(uint32 dstEid, bytes32 receiver);
    error MarginHub_UnexpectedMessage(uint8 messageType);
    error MarginHub_ZeroRoot();
    /// @notice Batch packets use nonces with the top bit set, disjoint from the vault's ordered request nonces.
    error MarginHub_InvalidBatchNonce(uint64 nonce);
    error MarginHub_BatchAlreadySubmitted(bytes32 guid);
    error MarginHub_AttestationExpired(uint64 sourceTimestamp, uint64 maxAge, uint256 nowTimestamp);
    error MarginHub_LeafCountMismatch(uint32 expected, uint256 actual);
    error MarginHub_LeafSourceMismatch(uint256 index);
    error MarginHub_InvalidProof();
    error MarginHub_UnknownRoot(bytes32 guid);
    error MarginHub_RequestAlreadyReceived(uint32 srcEid, uint64 nonce);
    error MarginHub_RequestOutOfOrder(uint32 srcEid, uint64 expected, uint64 nonce);
    error MarginHub_BalanceTooLarge(uint256 balance);
    error MarginHub_InsufficientMargin(address account, uint256 adjustedUsd, uint256 initialUsd);
    error MarginHub_NotLiquidatable(address account, uint256 liquidationUsd, uint256 maintenanceUsd);
    error MarginHub_InvalidCollateralConfig(uint64 chainId, address token);
    /// @notice A concentration for an unregistered collateral, with `scale` 0 but not all zero,
    /// `lowerBps > upperBps`, or `haircutBps + upperBps ≥ 10_000` (also checked by `setCollateral`).
    error MarginHub_InvalidConcentration(uint64 chainId, address token);
    error MarginHub_TooManyCollaterals();
    error MarginHub_TooManyConsumers();
    error MarginHub_UnknownConsumer(address consumer);
    error MarginHub_ZeroAddress();
    /// @notice The constructor's extension is not a `MarginHubExtension`.
    error MarginHub_InvalidExtension(address extension);
    error MarginHub_InvalidMaxAttestationAge();
    /// @notice The route carried traffic; its vault holds nonces and seqs and cannot be replaced.
    error MarginHub_RouteInUse(uint32 eid);
    /// @notice A consumer's requirement does not rest on fresh prices (fail closed).
    error MarginHub_RequirementNotPriced(address account);
    /// @notice The L2 sequencer is down or inside its grace period.
    error MarginHub_SequencerDown();
    /// @notice The consumer names no settlement address on that chain.
    error MarginHub_NoSettlementRecipient(address consumer, uint64 chainId);

    // ------------------------------------------------------------ route limits

    /// @notice A leaf's rise did not fit its route's bucket (or leaves wait ahead of it): its
    /// figures wait for `applyWaiting`. Not a BalanceCredited: the credit is unchanged.
    event LeafWaiting(
        address indexed account, uint64 indexed chainId, address indexed token, uint256 balance, uint64 seq, uint64 sourceBlock
    );

    /// @notice The owner set a route's damage limit (capacity 0 = none).
    event RouteLimitSet(uint32 indexed srcEid, uint256 capacityUsd, uint256 refillPerSecondUsd);

    /// @notice `applyWaiting` applied `applied` waiting leaves of `srcEid` (superseded ones are dropped
    /// silently) and `remaining` keys still wait.
    event WaitingApplied(uint32 indexed srcEid, uint256 applied, uint256 remaining);

    /// @notice A route limit must be none (both 0) or `0 < refillPerSecond ≤ capacity < 2^96`.
    error MarginHub_InvalidRouteLimit(uint32 srcEid, uint256 capacityUsd, uint256 refillPerSecondUsd);

    /// @notice Owner: caps by how much credits from `srcEid` may rise in USD (18 decimals): a bucket
    /// of `capacityUsd` refilled by `refillPerSecondUsd` each second. `(0, 0)` lifts the limit. A new
    /// limit starts full; a changed one keeps its level, capped at the new capacity.
    function setRouteLimit(uint32 srcEid, uint256 capacityUsd, uint256 refillPerSecondUsd) external;

    /// @notice Anyone: applies up to `maxLeaves` waiting keys of `srcEid` in arrival order while the
    /// bucket pays for their rises, stopping at the first it cannot pay for.
    /// @return applied leaves applied (waiting keys superseded by a newer credit are dropped)
    function applyWaiting(uint32 srcEid, uint256 maxLeaves) external returns (uint256 applied);

    /// @notice A route's limit, what its bucket holds now and how many keys wait (superseded ones
    /// included until `applyWaiting` drops them).
    function routeLimit(uint32 srcEid)
        external
        view
        returns (uint256 capacityUsd, uint256 refillPerSecondUsd, uint256 availableUsd, uint256 waiting);

    /// @notice The figures of a key that wait for its route's bucket (`queued` false: none).
    function waitingLeaf(address account, uint64 chainId, address token)
        external
        view
        returns (uint256 balance, uint64 seq, bool queued);

    // ------------------------------------------------------------ close factor

    /// @notice The owner set the close factor (contracts/README.md, "Liquidation").
    event CloseFactorSet(uint16 closeFactorBps, uint16 fullLiquidationHealthBps);

    /// @notice A close factor must satisfy `0 < closeFactorBps ≤ 10000` and `fullLiquidationHealthBps ≤ 10000`.
    error MarginHub_InvalidCloseFactor(uint16 closeFactorBps, uint16 fullLiquidationHealthBps);

    /// @notice Owner: while an account's health factor is at least `fullLiquidationHealthBps`/10000, a
    /// liquidation closes only `closeFactorBps` of 10000 of its positions and debt; below it, all.
    /// 10000 (the default) closes all whatever the health.
    function setCloseFactor(uint16 closeFactorBps, uint16 fullLiquidationHealthBps) external;

    /// @notice The close factor and the health (bps) below which a liquidation closes all; (10000, 0)
    /// until set.
    function closeFactor() external view returns (uint16 closeFactorBps, uint16 fullLiquidationHealthBps);

    // ------------------------------------------------------------ relayed entry points

    /// @notice Apply a quorum-signed BALANCE_BATCH packet with all of its leaves.
    /// @param leaves every leaf of the tree, in the order of `proofFlags` (OpenZeppelin multiproof order)
    /// @param proof multiproof siblings (empty when all leaves are given)
    /// @param proofFlags multiproof flags
    function submitBatch(
        bytes calldata packet,
        bytes calldata signatures,
        Leaf[] calldata leaves,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external;

    /// @notice Store a quorum-signed BALANCE_BATCH root for lazy application with `applyLeaf`.
    /// @return guid the packet's guid, the key of the stored root
    function submitRoot(bytes calldata packet, bytes calldata signatures) external returns (bytes32 guid);

    /// @notice Apply one leaf of a stored root with its Merkle proof.
    function applyLeaf(bytes32 guid, Leaf calldata leaf, bytes32[] calldata proof) external;

    /// @notice Receive a quorum-attested WITHDRAWAL_REQUEST from a vault, in nonce order, and answer
    /// it with an APPROVE_WITHDRAWAL or REJECT_WITHDRAWAL command packet to that vault.
    /// @dev Never reverts for want of a price: what cannot be approved safely is rejected. The
    /// request's post-request figures are applied as a leaf first (BalanceCredited with sourceBlock
    /// 0 when they change the credit). On a rejection the amount is credited again and the REJECT
    /// queued until a leaf acknowledges it (a second BalanceCredited, same seq, sourceBlock 0) when
    /// every seize ever ordered for the key was applied before the request (its inboundNonce);
    /// otherwise the credit stays at the conservative post-request figure until a later leaf.
    function receiveWithdrawalRequest(bytes calldata packet, bytes calldata signatures) external;

    /// @notice Liquidate an unhealthy account; the liquidation bonus goes to the caller.
    function liquidate(address account) external;

    /// @notice Liquidate an unhealthy account. What it owes each consumer is seized to that
    /// consumer's `settlementRecipient` on each vault chain; only the bonus goes to `recipient`.
    function liquidateTo(address account, address recipient) external;

    // ------------------------------------------------------------ views

    /// @notice Reverts with MarginHub_InsufficientMargin unless adjusted collateral at fresh prices
    /// (a collateral without one counts 0) covers the initial requirement; with
    /// MarginHub_RequirementNotPriced or MarginHub_SequencerDown when it cannot be decided safely.
    function requireInitialMargin(address account) external view;

    /// @notice Whether liquidation-weighted collateral is below a priced maintenance requirement.
    /// A stale collateral counts at its last positive answer (a lapsed feed never makes a healthy
    /// account liquidatable); a non-positive answer counts 0.
    function isLiquidatable(address account) external view returns (bool);

    function creditedBalance(address account, uint64 chainId, address token) external view returns (uint256 balance, uint64 seq);

    /// @notice Σ queued SEIZE amounts (ordered, not yet acknowledged by a leaf) and the newest
    /// queued command nonce (a SEIZE or a credited REJECT); (0, 0) when nothing is queued.
    function outstanding(address account, uint64 chainId, address token) external view returns (uint256 amount, uint64 lastCommandNonce);

    /// @notice Oracle value and haircut-adjusted value of the account's counted collateral (stale prices are used as they are).
    function collateralValue(address account) external view returns (uint256 valueUsd, uint256 adjustedUsd);

    /// @notice The full margin picture (stale prices are used as they are).
    function accountMargin(address account) external view returns (Margin memory);

    /// @notice Health factor with 18 decimals: liquidation-weighted collateral over maintenance requirement.
    function health(address account) external view returns (uint256);

    function collaterals() external view returns (CollateralKey[] memory);

    function collateralConfig(uint64 chainId, address token) external view returns (CollateralConfig memory);

    /// @notice The collateral's concentration haircut (all zero = off).
    function concentration(uint64 chainId, address token) external view returns (Concentration memory);

    function consumers() external view returns (address[] memory);

    /// @notice The `MarginHubExtension` the hub runs its administration and liquidation in
    /// (by delegatecall, on the hub's storage).
    function extension() external view returns (address);

    function vaultOf(uint32 eid) external view returns (address);

    function localEid() external view returns (uint32);

    function maxAttestationAge() external view returns (uint64);

    function inboundNonce(uint32 srcEid) external view returns (uint64);

    function outboundNonce(uint32 dstEid) external view returns (uint64);

    function batchRoot(bytes32 guid) external view returns (bytes32 root, uint32 srcEid, uint64 sourceTimestamp);

    /// @notice Whether a batch guid was already submitted (in full or as a root).
    function batchSubmitted(bytes32 guid) external view returns (bool);

    // ------------------------------------------------------------ admin (owner)

    function setVault(uint32 eid, address vault) external;

    function setCollateral(uint64 chainId, address token, CollateralConfig calldata config) external;

    /// @notice Sets (or, all zero, turns off) a registered collateral's concentration haircut;
    /// emits `ConcentrationSet`. Reverts with `MarginHub_InvalidConcentration` on bad bounds.
    function setConcentration(uint64 chainId, address token, Concentration calldata c) external;

    function addConsumer(address consumer) external;

    function removeConsumer(address consumer) external;

    function setMaxAttestationAge(uint64 maxAge) external;

    /// @notice Set (or clear with address 0) the L2 sequencer-uptime feed and its grace period in
    /// seconds: while the sequencer is down or within the grace period after it came back,
    /// approvals are rejected, new positions refused and liquidations wait.
    function setSequencerUptimeFeed(address feed, uint32 gracePeriod) external;

    /// @notice The sequencer-uptime feed (address 0 = none) and its grace period.
    function sequencerUptimeFeed() external view returns (address feed, uint32 gracePeriod);

    // ------------------------------------------------------------ volatility haircuts (risk admin)

    /// @notice The risk admin's room to move one collateral's haircut (contracts/README.md,
    /// "Volatility haircuts"). All zero = no bounds: the risk admin cannot touch the collateral.
    /// A haircut lowers only the adjusted (initial-margin) weight, never the liquidation weight, so
    /// a proposal can stop withdrawals and new positions but never make an account liquidatable.
    /// @param minBps lowest haircut the risk admin may set (`10_000 − minBps ≤ liquidationThresholdBps`)
    /// @param maxBps highest haircut the risk admin may set (`maxBps + concentration upperBps < 10_000`)
    /// @param maxStepBpsPerDay most the haircut may move within one 24-hour window (> 0)
    /// @param anchorBps the haircut when the current window started (0 before the first proposal)
    /// @param windowStart when the current window started (0 before the first proposal); a window
    /// lasts 24 hours and the next starts at the first proposal after it ended
    struct HaircutRisk {
        uint16 minBps;
        uint16 maxBps;
        uint16 maxStepBpsPerDay;
        uint16 anchorBps;
        uint40 windowStart;
    }

    /// @notice The owner set the risk admin (address 0 = none).
    event RiskAdminSet(address indexed previousAdmin, address indexed newAdmin);

    /// @notice The owner set (all zero: cleared) a collateral's haircut bounds and step.
    event HaircutBoundsSet(uint64 indexed chainId, address indexed token, uint16 minBps, uint16 maxBps, uint16 maxStepBpsPerDay);

    /// @notice The risk admin moved a collateral's haircut (a `CollateralConfigured` with the whole
    /// new configuration follows, so readers of that event need nothing new).
    event HaircutUpdated(uint64 indexed chainId, address indexed token, uint16 oldBps, uint16 newBps);

    /// @notice Only the risk admin may propose haircuts.
    error MarginHub_NotRiskAdmin(address caller);

    /// @notice Bounds must be all zero, or on a registered collateral with `0 < step`, `min ≤ max`,
    /// `10_000 − min ≤ liquidationThresholdBps` and `max + concentration upperBps < 10_000`.
    error MarginHub_InvalidHaircutBounds(uint64 chainId, address token);

    /// @notice The collateral has no haircut bounds, so the risk admin may not move its haircut.
    error MarginHub_NoHaircutBounds(uint64 chainId, address token);

    /// @notice A proposed haircut lies outside the collateral's `[minBps, maxBps]`.
    error MarginHub_HaircutOutOfBounds(uint64 chainId, address token, uint16 haircutBps, uint16 minBps, uint16 maxBps);

    /// @notice A proposed haircut moves more than `maxStepBpsPerDay` away from the haircut at the
    /// start of the current window (`anchorBps`).
    error MarginHub_HaircutStepExceeded(
        uint64 chainId, address token, uint16 haircutBps, uint16 anchorBps, uint16 maxStepBpsPerDay
    );

    /// @notice Owner: sets the risk admin, the one address that may `proposeHaircut` (address 0
    /// disables the role). Emits `RiskAdminSet`.
    function setRiskAdmin(address admin) external;

    /// @notice The risk admin (address 0 = none).
    function riskAdmin() external view returns (address);

    /// @notice Owner: sets the range and daily step within which the risk admin may move a
    /// registered collateral's haircut; all zero clears them (and the current window). Reverts with
    /// `MarginHub_InvalidHaircutBounds` (see there); emits `HaircutBoundsSet`. The current haircut
    /// need not lie within the bounds; the owner's `setCollateral` stays unrestricted.
    function setHaircutBounds(uint64 chainId, address token, uint16 minBps, uint16 maxBps, uint16 maxStepBpsPerDay)
        external;

    /// @notice Risk admin: sets a collateral's haircut to `haircutBps`, within its bounds and at most
    /// `maxStepBpsPerDay` away from the haircut at the start of the current 24-hour window (a window
    /// starts at the first proposal after the previous one ended). The collateral rules still hold
    /// (`10_000 − haircut ≤ liquidationThresholdBps`, `haircut + concentration upperBps < 10_000`,
    /// else `MarginHub_InvalidCollateralConfig`). Emits `HaircutUpdated` then `CollateralConfigured`.
    function proposeHaircut(uint64 chainId, address token, uint16 haircutBps) external;

    /// @notice A collateral's haircut bounds, daily step and current window (all zero = no bounds).
    function haircutRisk(uint64 chainId, address token) external view returns (HaircutRisk memory);
}
