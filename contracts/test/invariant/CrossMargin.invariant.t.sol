// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {CrossChainWorld, World} from "./CrossChainWorld.sol";
import {CrossChainHandler} from "./CrossChainHandler.sol";
import {ForgeryHandler} from "./ForgeryHandler.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @notice The five invariants of DESIGN.md §2 over a hub chain and two vault chains simulated in
/// one EVM (`vm.chainId` switched per call), driven by an honest handler (traders, relayer,
/// keeper, time) and an adversarial one (forged quorums, replays, reorders, misroutes).
/// @dev Run: `npx forge test --match-path 'test/invariant/*' -vv` (`FOUNDRY_PROFILE=ci` for more runs).
contract CrossMarginInvariantTest is CrossChainWorld {
    CrossChainHandler internal handler;
    ForgeryHandler internal forger;

    function setUp() public override {
        World memory w = _deployWorld();
        _adopt(w);
        handler = new CrossChainHandler(w);
        forger = new ForgeryHandler(w, handler);
        vm.chainId(HUB_CHAIN);

        // Slots per action (its weight): the relay, trading, price and liquidation paths get two or
        // three, so a 64-call run reaches approvals under a requirement, requests relayed while a
        // feed is stale, liquidations (two seizes per collateral) and leaves read while seizes or
        // credited rejections are still queued.
        bytes4[12] memory actions = [
            CrossChainHandler.deposit.selector,
            CrossChainHandler.requestWithdrawal.selector,
            CrossChainHandler.relayRequest.selector,
            CrossChainHandler.relayCommand.selector,
            CrossChainHandler.snapshotBatch.selector,
            CrossChainHandler.deliverBatch.selector,
            CrossChainHandler.openPosition.selector,
            CrossChainHandler.setPrice.selector,
            CrossChainHandler.liquidate.selector,
            CrossChainHandler.closePosition.selector,
            CrossChainHandler.warp.selector,
            CrossChainHandler.staleFeed.selector
        ];
        uint8[12] memory weights = [2, 2, 2, 3, 2, 2, 3, 3, 3, 1, 1, 2];
        bytes4[] memory honest = new bytes4[](26);
        uint256 slot;
        for (uint256 a; a < actions.length; ++a) {
            for (uint256 j; j < weights[a]; ++j) {
                honest[slot++] = actions[a];
            }
        }
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: honest}));

        // Four slots each (8 of 34): a full run almost surely attacks (see afterInvariant).
        bytes4[] memory adversary = new bytes4[](8);
        for (uint256 i; i < 4; ++i) {
            adversary[2 * i] = ForgeryHandler.forgeQuorum.selector;
            adversary[2 * i + 1] = ForgeryHandler.replay.selector;
        }
        targetContract(address(forger));
        targetSelector(FuzzSelector({addr: address(forger), selectors: adversary}));
    }

    // ------------------------------------------------------------ invariants

    /// @dev For every (account, chain, token): the hub's credit ≤ the vault's balance + pending once
    /// every command already sent to it (approvals, rejections, seizes) is applied by the vault's
    /// rules; and every SEIZE, when applied, took all it was ordered to (never short).
    function invariant_hubNeverOverCredits() public view {
        assertEq(handler.ghostShortSeizes(), 0, "a seize found less than the hub counted");
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                for (uint256 a; a < TRADER_COUNT; ++a) {
                    (uint256 credit,) = hub.creditedBalance(traders[a], chainId, tokens[t]);
                    assertLe(credit, handler.projectedHoldings(chainId, traders[a], tokens[t]), "hub over-credits");
                }
            }
        }
    }

    /// @dev Each vault's token balance == Σ deposits − Σ released/seized by applied commands; its
    /// `inboundNonce()` == the commands delivered (each applied once); every command the hub sent
    /// was captured; no replayed or reordered packet went through.
    function invariant_vaultReleasesOnlyOnCommands() public view {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            CollateralVault v = vaultOn[chainId];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                uint256 expected =
                    handler.ghostDeposited(chainId, tokens[t]) - handler.ghostReleased(chainId, tokens[t]);
                assertEq(IERC20(tokens[t]).balanceOf(address(v)), expected, "vault token balance");
                (,, uint256 totalDeposited) = v.tokenConfig(tokens[t]);
                assertEq(totalDeposited, expected, "vault totalDeposited");
            }
            assertEq(v.inboundNonce(), handler.commandHead(chainId), "vault inboundNonce != commands delivered");
            assertEq(hub.outboundNonce(chainId), handler.commandCount(chainId), "hub sent a command the handler missed");
            assertEq(hub.inboundNonce(chainId), handler.requestHead(chainId), "hub inboundNonce != requests delivered");
            assertEq(v.outboundNonce(), handler.requestCount(chainId), "vault sent a request the handler missed");
        }
        assertEq(handler.ghostReleaseMismatch(), 0, "a command moved other amounts than the vault rules say");
        assertEq(forger.accepted(), 0, "a forged, replayed or reordered packet was accepted");
    }

    /// @dev Per (account, chain, token) the hub's credited seq never decreases and never exceeds the
    /// vault's seq; leaves not newer than the stored seq change nothing; newer ones follow the credit
    /// rule over the modeled command queue (queued seizes subtracted, queued credited rejections
    /// added, acknowledged ones dropped), which the hub's `outstanding` view matches after every
    /// action; no batch older than `maxAttestationAge` was ever accepted.
    function invariant_seqOnlyIncreases() public view {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                for (uint256 a; a < TRADER_COUNT; ++a) {
                    (, uint64 seq) = hub.creditedBalance(traders[a], chainId, tokens[t]);
                    (,, uint64 vaultSeq,) = vaultOn[chainId].accountState(traders[a], tokens[t]);
                    assertGe(
                        seq, handler.lastSeenSeq(keccak256(abi.encode(traders[a], chainId, tokens[t]))), "seq went down"
                    );
                    assertLe(seq, vaultSeq, "hub seq ahead of the vault");
                }
            }
        }
        assertEq(handler.ghostSeqDecreased(), 0, "seq went down during an action");
        assertEq(handler.ghostStaleLeafChanged(), 0, "a stale leaf changed the credit");
        assertEq(handler.ghostCreditMismatch(), 0, "a newer leaf broke the credit rule");
        assertEq(handler.ghostQueueMismatch(), 0, "the hub's outstanding view differs from the modeled queue");
        assertFalse(handler.ghostExpiredAccepted(), "an expired batch was accepted");
    }

    /// @dev Right after every approval the hub issued, the account had liquidationUsd ≥ maintenanceUsd
    /// (and adjustedUsd ≥ initialUsd when it had an initial requirement), and passed the strict
    /// check too: every requirement priced, adjusted collateral at fresh prices (a collateral
    /// without one counting 0) ≥ initial. Stale or non-positive prices only ever reject.
    function invariant_approvalsKeepAccountsHealthy() public view {
        assertEq(handler.ghostUnhealthyApprovals(), 0, "an approval left the account unhealthy");
        assertEq(handler.ghostUnsafeApprovals(), 0, "an approval failed the strict (fresh-price) check");
    }

    /// @dev Every liquidation orders, per collateral, the debt's share (ceil(total·10000/(10000 +
    /// bonus))) to the perp's settlement address on that chain, then the bonus to the liquidator;
    /// what applied seizes paid is exactly what those addresses hold of each token.
    function invariant_liquidationsPaySettlementThenLiquidator() public view {
        assertEq(handler.ghostSeizeSplitMismatch(), 0, "a liquidation's seizes were not (debt share, bonus)");
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address settlement = perp.settlementRecipient(chainId);
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                assertEq(
                    IERC20(tokens[t]).balanceOf(settlement),
                    handler.ghostSeizedTo(settlement, tokens[t]),
                    "settlement address holdings != debt shares seized"
                );
                assertEq(
                    IERC20(tokens[t]).balanceOf(liquidator),
                    handler.ghostSeizedTo(liquidator, tokens[t]),
                    "liquidator holdings != bonuses seized"
                );
            }
        }
    }

    /// @dev Every forged quorum (below threshold, wrong domain, high-s, duplicate, unsorted,
    /// outsider or rotated-out signer, bad length), replay, reorder, misroute or tampered leaf reverted
    /// with its expected custom error; the test's EIP-712 digest matches the verifiers'.
    function invariant_forgeriesRejected() public view {
        assertEq(forger.accepted(), 0, "a forgery was accepted");
        assertEq(forger.wrongError(), 0, "a forgery reverted with an unexpected error");
        assertEq(forger.digestMismatch(), 0, "EIP-712 digest mismatch");
    }

    /// @dev Honest relays (requests, commands, fresh batches) never revert: the system does not stall.
    function invariant_honestRelaysSucceed() public view {
        assertEq(handler.ghostUnexpectedReverts(), 0, "an honest relay reverted");
    }

    /// @dev At the end of each run: every adversary call attempted at least one submission and a
    /// full-depth run (≥ 64 calls; shrunk replays are shorter) attacked at all — P(no adversary call
    /// in 64 at weight 8/34) ≈ 4e-8. Logs what the run did (counters reset with every run).
    function afterInvariant() public view {
        assertGe(forger.attempts(), forger.calls(), "an adversary call attempted nothing");
        if (handler.calls() + forger.calls() >= 64) assertGt(forger.attempts(), 0, "no forgery attempted");
        console.log("run summary: %d honest calls, %d adversary calls", handler.calls(), forger.calls());
        _line(handler, "  traders", "deposit", "request", "open", "close");
        _line(handler, "  requests", "approve.withRequirement", "approve.noRequirement", "reject", "relayRequest.none");
        _line(handler, "  commands", "relayCommand", "relayCommand.none", "liquidate", "seizeOrdered");
        _line(handler, "  batches", "snapshot", "batch.full", "batch.root", "batch.leaf");
        _line(handler, "  leaves", "leaf.applied", "leaf.appliedLessQueued", "leaf.appliedPlusQueued", "leaf.stale");
        _line(handler, "  seizes", "seize.pair", "seize.noBonus", "liquidate.asIs", "batch.expiredRejected");
        _line(handler, "  prices", "feed.stale", "feed.nonPositive", "request.unusableFeed", "reject.addBack");
        _line(handler, "  idle", "open.noMargin", "close.none", "liquidate.noneUnhealthy", "snapshot.nothing");
        _line(forger, "  quorums", "forge.belowThreshold", "forge.wrongChainId", "forge.highS", "forge.retiredSigner");
        _line(forger, "  replays", "replay.request", "replay.command", "replay.batch", "reorder.command");
        _line(forger, "  other", "reorder.request", "misroute.command", "tamper.leaf", "forge.duplicateSigner");
    }

    /// @dev One log line: `title: name=count ...`.
    function _line(HandlerBase h, string memory title, bytes32 a, bytes32 b, bytes32 c, bytes32 d) private view {
        bytes32[4] memory names = [a, b, c, d];
        string memory line = string.concat(title, ":");
        for (uint256 i; i < 4; ++i) {
            line = string.concat(line, " ", _name(names[i]), "=", vm.toString(h.count(names[i])));
        }
        console.log(line);
    }

    function _name(bytes32 b) private pure returns (string memory s) {
        uint256 n;
        while (n < 32 && b[n] != 0) ++n;
        s = new string(n);
        for (uint256 i; i < n; ++i) {
            bytes(s)[i] = b[i];
        }
    }
}
