// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console} from "forge-std/console.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {CollateralVault} from "../../src/CollateralVault.sol";
import {CrossChainWorld, World} from "./CrossChainWorld.sol";
import {CrossChainHandler} from "./CrossChainHandler.sol";
import {ForgeryHandler} from "./ForgeryHandler.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @notice The five invariants of DESIGN.md §2, plus liveness, no-under-credit and liquidation
/// economics, over a hub chain and two vault chains simulated in one EVM (`vm.chainId` switched per
/// call), driven by an honest handler (traders, relayer, keeper, token issuer, owner, time) and an
/// adversarial one (forged quorums, replays, reorders, misroutes).
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
        // credited rejections are still queued; the newer actions (depositFor pokes, liquidateTo to
        // any recipient, blocklist toggles and claims) two each, the rarer admin and outage ones one.
        bytes4[21] memory actions = [
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
            CrossChainHandler.staleFeed.selector,
            CrossChainHandler.depositFor.selector,
            CrossChainHandler.liquidateTo.selector,
            CrossChainHandler.toggleBlocked.selector,
            CrossChainHandler.claim.selector,
            CrossChainHandler.perpFeedOutage.selector,
            CrossChainHandler.setVaultAttempt.selector,
            CrossChainHandler.drainCommands.selector,
            CrossChainHandler.applyWaiting.selector,
            CrossChainHandler.processReleases.selector
        ];
        uint8[21] memory weights = [2, 2, 2, 3, 2, 2, 3, 3, 2, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2];
        bytes4[] memory honest = new bytes4[](40);
        uint256 slot;
        for (uint256 a; a < actions.length; ++a) {
            for (uint256 j; j < weights[a]; ++j) {
                honest[slot++] = actions[a];
            }
        }
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: honest}));

        // Four slots each (8 of 48): a full run almost surely attacks (see afterInvariant).
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

    /// @dev Each vault's token balance == Σ deposits − Σ actually transferred out (releases whose
    /// transfer went through, queued releases paid, claims pulled) == totalDeposited +
    /// totalClaimable + totalQueued (releases a token's limit holds back); its
    /// `inboundNonce()` == the commands delivered (each applied once); every command the hub sent
    /// was captured; no replayed or reordered packet went through.
    function invariant_vaultReleasesOnlyOnCommands() public view {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            CollateralVault v = vaultOn[chainId];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                address token = tokens[t];
                // Held for accounts: deposited − released by applied commands (transferred or not).
                uint256 held = handler.ghostDeposited(chainId, token) - handler.ghostReleased(chainId, token);
                // Owed to recipients whose transfer failed, not yet pulled.
                uint256 owed = handler.ghostClaimRecorded(chainId, token) - handler.ghostClaimPaid(chainId, token);
                (,, uint256 totalDeposited) = v.tokenConfig(token);
                assertEq(totalDeposited, held, "vault totalDeposited");
                assertEq(v.totalClaimable(token), owed, "vault totalClaimable");
                // Released by commands, held back by the token's release limit, not yet paid.
                uint256 queued = handler.ghostQueued(chainId, token);
                assertEq(v.totalQueued(token), queued, "vault totalQueued");
                // Σ deposited − Σ actually transferred out (releases that went through + claims paid).
                assertEq(IERC20(token).balanceOf(address(v)), held + owed + queued, "vault token balance");
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
    /// what applied seizes paid is exactly what those addresses hold of each token (wallet +
    /// claimable + claims pulled elsewhere + what still waits for them in a release queue).
    function invariant_liquidationsPaySettlementThenLiquidator() public view {
        assertEq(handler.ghostSeizeSplitMismatch(), 0, "a liquidation's seizes were not (debt share, bonus)");
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address settlement = perp.settlementRecipient(chainId);
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                assertEq(
                    _received(vaultOn[chainId], settlement, tokens[t]),
                    handler.ghostSeizedTo(settlement, tokens[t]),
                    "settlement address holdings != debt shares seized"
                );
                assertEq(
                    _received(vaultOn[chainId], liquidator, tokens[t]),
                    handler.ghostSeizedTo(liquidator, tokens[t]),
                    "liquidator holdings != bonuses seized"
                );
            }
        }
    }

    /// @dev What `recipient` got of `token` from vault `vault`: wallet + claimable + claims it pulled
    /// elsewhere + its releases still queued.
    function _received(CollateralVault vault, address recipient, address token) private view returns (uint256 r) {
        r = IERC20(token).balanceOf(recipient) + vault.claimable(recipient, token)
            + handler.ghostClaimedAway(recipient, token);
        (,,, uint256 entries,) = vault.releaseLimit(token);
        uint256 head = vault.releaseQueueHead(token);
        for (uint256 i = head; i < head + entries; ++i) {
            (address to, uint256 amount) = vault.queuedRelease(token, i);
            if (to == recipient) r += amount;
        }
    }

    /// @dev Liveness: every command the hub ordered is applied by its vault whatever the token or
    /// recipient does — no honest `relayCommand` reverted (blocked recipients included; the release
    /// becomes a claim), every claim pulled paid exactly the claim, every request the hub received got
    /// exactly one answer (APPROVE or REJECT) and the vaults never ran ahead of the hub.
    /// `afterInvariant` drains every queue and checks nothing is left stuck.
    function invariant_liveness() public view {
        assertEq(handler.ghostCommandReverts(), 0, "an honest command delivery reverted: path stuck");
        assertEq(handler.ghostClaimFailures(), 0, "a claim reverted or paid other than the claim");
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            assertEq(handler.decisionCount(chainId), handler.requestHead(chainId), "a relayed request got no answer");
            assertLe(vaultOn[chainId].inboundNonce(), hub.outboundNonce(chainId), "vault applied unsent commands");
        }
        assertEq(handler.ghostRouteReplaced(), 0, "setVault re-pointed a route that carried traffic");
        assertEq(handler.ghostSetVaultWrongError(), 0, "setVault failed other than RouteInUse");
    }

    /// @dev No under-credit: for each key whose last applied leaf equalled the vault's state when
    /// delivered (and no deposit since), credit ≥ vault balance − Σ SEIZEs of the key not yet applied
    /// (queued credited REJECTs may only add). One accepted exception, excluded by the handler and
    /// counted (`ghostRaceExcluded`): a request racing a seize of the same key is not credited back
    /// until a leaf shows the returned amount (likewise a REJECT past the 8-queued-rejects limit).
    function invariant_noUnderCredit() public view {
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            address[] storage tokens = tokensOn[chainId];
            for (uint256 t; t < tokens.length; ++t) {
                for (uint256 a; a < TRADER_COUNT; ++a) {
                    address account = traders[a];
                    if (!handler.leafCurrent(keccak256(abi.encode(account, chainId, tokens[t])))) continue;
                    (uint256 credit,) = hub.creditedBalance(account, chainId, tokens[t]);
                    (uint256 balance,,,) = vaultOn[chainId].accountState(account, tokens[t]);
                    assertGe(
                        credit + handler.unappliedSeizes(chainId, account, tokens[t]), balance, "hub under-credits"
                    );
                }
            }
        }
    }

    /// @dev Liquidation economics: once its seizes are applied, a liquidation never increases the
    /// liquidated owner's holdings of any token (wallet + vault balance + pending + claimable), and
    /// lowers them by at least what went to others (self-liquidation: only the bonus comes back);
    /// `seizedUsd ≤ owedUsd` and `seizedUsd` is the value of the debt shares sent to the settlement
    /// address within rounding, so a shortfall always shows as `owedUsd − seizedUsd`.
    function invariant_liquidationEconomics() public view {
        assertEq(handler.ghostLiquidationProfit(), 0, "a liquidation left the owner with more than it should");
        assertEq(handler.ghostCoverageMismatch(), 0, "seizedUsd does not match the debt shares paid");
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
    /// in 64 at weight 8/48) ≈ 9e-6. Logs what the run did (counters reset with every run). Then,
    /// for liveness, the relayer drains every command queue: nothing may stay stuck or revert.
    function afterInvariant() public {
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
        _line(handler, "  poke/cap", "depositFor", "depositFor.poke", "credit.aboveCap", "leaf.current");
        _line(handler, "  liqTo", "liquidateTo", "liquidate.self", "liquidate.drained", "liquidate.shortfall");
        _line(handler, "  blocklist", "block.on", "block.nextRecipient", "release.becameClaim", "deposit.blocked");
        _line(handler, "  claims", "claim.self", "claim.rescue", "claim.unblockedFirst", "claim.none");
        _line(handler, "  releases", "release.queued", "releases.processed", "drain", "warp");
        _line(handler, "  outages", "perpFeed.zero", "perpFeed.stale", "reject.racedSeize", "drain");
        _line(handler, "  routes", "setVault.refused", "setVault.unusedReset", "depositFor.blocked", "price.crash");
        _line(handler, "  waiting", "leaf.waiting", "waiting.applied", "waiting.none", "leaf.current");
        console.log(
            "  excluded: raced rejects=%d, capped rejects=%d", handler.ghostRaceExcluded(), handler.ghostRejectCapExcluded()
        );
        // Liveness, end of run: the relayer drains every queue; nothing may be left stuck.
        handler.drainCommands();
        for (uint256 c; c < 2; ++c) {
            uint32 chainId = chainIds[c];
            assertEq(handler.commandHead(chainId), handler.commandCount(chainId), "a command is stuck");
            assertEq(vaultOn[chainId].inboundNonce(), hub.outboundNonce(chainId), "vault behind the hub after drain");
        }
        assertEq(handler.ghostCommandReverts(), 0, "a command reverted while draining");
        // Nothing lost: after refills, keepers pay every release a limit held back.
        assertTrue(handler.drainReleases(), "a queued release was never paid");
        assertEq(handler.ghostReleaseMismatch(), 0, "processReleases paid other amounts than queued");
        assertEq(handler.ghostReleaseMismatch(), 0, "a drained command moved other amounts than the vault rules say");
        assertEq(handler.ghostShortSeizes(), 0, "a drained seize found less than the hub counted");
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
