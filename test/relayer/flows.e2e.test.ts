import { writeFileSync } from "node:fs";
import { type Hex, parseEventLogs, parseUnits } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { type Relayer, startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { freePort } from "../../scripts/devnet/freePort.js";
import { collateralVaultAbi, marginHubAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { fullBatchProof } from "../../shared/merkle/fullBatchProof.js";
import { attestBalanceBatch } from "../kit/attestBalanceBatch.js";
import { type AttesterServers, attesterServers } from "../kit/attesterServers.js";
import { captureLogs } from "../kit/captureLogs.js";
import { type ChainClients, tokenAddress } from "../kit/chainClients.js";
import { clearRedisPrefix } from "../kit/clearRedisPrefix.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { findDeliveredCall } from "../kit/findDeliveredCall.js";
import { flowsDevnet } from "../kit/flowsDevnet.js";
import { mineBlocks, pollWhileMining } from "../kit/pollWhileMining.js";
import { isSynced, type KeyState } from "../kit/readKeyState.js";
import { readMetric } from "../kit/readMetric.js";
import { recoverSigners } from "../kit/recoverSigners.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { type RelayedCall, submitRejected } from "../kit/submitRejected.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// End-to-end tests 1, 2 and 7 of the relayer: real anvil chains (ports 27645–27647 of this file
// only), the Ponder indexer on PGlite, real Redis (queue prefixes of this file only), real
// contracts, and the relayer in-process. Every assertion reads the chains themselves.
const BASE_PORT = 27_645;
const SCHEMA = `cm_flows_${process.pid}`;
const PREFIX_LOCAL = `flows-local-${process.pid}`;
const PREFIX_REMOTE = `flows-remote-${process.pid}`;
const WAD = 10n ** 18n;
/** ETH-USD answers (8 decimals). */
const ETH_PRICE = 3_000n * 10n ** 8n;
/** Enough time for a batch signed now to be older than the devnet's `maxAttestationAge` (3 600 s). */
const STALE_SECONDS = 3_700;
/** The relayers' reconcile period in these tests. */
const RECONCILE_INTERVAL_MS = 1_000;

let net: IndexedDevnet;
/** Every chain: the hub chain (with its own vault), then the two vault chains. */
let chains: ChainClients[];
let failed = false;
const logs = captureLogs();

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: SCHEMA, finalityDepth: 2 });
  chains = [net.hub, ...net.vaults];
}, 120_000);

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  // FLOWS_LOG_FILE=<path> keeps every relayer and attester log line of the run, pass or fail.
  if (process.env.FLOWS_LOG_FILE !== undefined)
    writeFileSync(process.env.FLOWS_LOG_FILE, logs.tail(5_000_000));
  if (failed && net !== undefined) {
    console.error(`relayer logs:\n${logs.tail(30_000)}`);
    console.error(`ponder logs:\n${net.indexer.logs().slice(-10_000)}`);
  }
  await net?.stop();
  const redisUrl = net?.devnet.config.redisUrl ?? "redis://127.0.0.1:6379";
  await clearRedisPrefix(redisUrl, PREFIX_LOCAL);
  await clearRedisPrefix(redisUrl, PREFIX_REMOTE);
}, 60_000);

const {
  relayerConfig,
  trader,
  hubAddress,
  perpMarket,
  onHub,
  keyState,
  waitSynced,
  tokenBalance,
  depositAndWait,
  requestWithdrawal,
  withdrawalDecision,
  setEthPrice,
} = flowsDevnet(() => net, { reconcileIntervalMs: RECONCILE_INTERVAL_MS });

describe("the relayer with in-process attesters", () => {
  let relayer: Relayer;

  beforeAll(async () => {
    const config = relayerConfig(PREFIX_LOCAL);
    relayer = await startRelayer({
      config,
      keys: resolveKeys(config, {}),
      apiUrl: net.indexer.url,
      logger: logs.logger,
    });
  }, 60_000);

  afterAll(async () => {
    await relayer?.stop();
  }, 60_000);

  describe("1. deposits, withdrawals and liquidations flow end to end", () => {
    test("deposits on two vault chains and on the hub chain's own vault are credited on the hub", async () => {
      const account = trader(0);
      const deposits = [
        { chain: net.vaults[0], amount: parseUnits("100", 6) },
        { chain: net.vaults[1], amount: parseUnits("200", 6) },
        { chain: net.hub, amount: parseUnits("300", 6) },
      ].map((d) => ({ ...d, token: tokenAddress(d.chain, "USDC") }));
      const credited = await depositAndWait(account, deposits);
      for (const [i, state] of credited.entries()) {
        expect(state.credit.balance).toBe(state.vault.balance);
        expect(state.credit.balance).toBeGreaterThanOrEqual(deposits[i]?.amount ?? 0n);
      }
    }, 150_000);

    test("an approved withdrawal: the tokens reach the trader on the vault chain, and hub credit and vault agree", async () => {
      const account = trader(0);
      const chain = net.vaults[0];
      const token = tokenAddress(chain, "USDC");
      const [start] = await depositAndWait(account, [{ chain, token, amount: parseUnits("100", 6) }]);
      if (start === undefined) throw new Error("no state");
      const amount = parseUnits("40", 6);
      const walletBefore = await tokenBalance(chain, token, account.address);
      const requestNonceBefore = await net.hub.publicClient.readContract({
        address: hubAddress(),
        abi: marginHubAbi,
        functionName: "inboundNonce",
        args: [chain.chain.chainId],
      });
      const commandNonceBefore = await chain.publicClient.readContract({
        address: chain.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "inboundNonce",
      });

      const guid = await requestWithdrawal(chain, account, token, amount);
      // The request bumps the seq once, the applied approval once more.
      const after = await waitSynced(
        chain,
        account.address,
        token,
        "the approved withdrawal applied and credited",
        (s) => s.vault.seq === start.vault.seq + 2n,
      );

      expect(await withdrawalDecision(guid)).toMatchObject({ approved: true });
      expect(after.vault.balance).toBe(start.vault.balance - amount);
      expect(after.credit.balance).toBe(after.vault.balance);
      expect(await tokenBalance(chain, token, account.address)).toBe(walletBefore + amount);
      expect(after.vault.inboundNonce).toBe(commandNonceBefore + 1n);
      expect(
        await net.hub.publicClient.readContract({
          address: hubAddress(),
          abi: marginHubAbi,
          functionName: "inboundNonce",
          args: [chain.chain.chainId],
        }),
      ).toBe(requestNonceBefore + 1n);
    }, 150_000);

    test("a rejected withdrawal (it would leave the account below its initial margin): pending returns to balance, the credit is back", async () => {
      const account = trader(1);
      const chain = net.vaults[0];
      const token = tokenAddress(chain, "USDC");
      const [start] = await depositAndWait(account, [{ chain, token, amount: parseUnits("1000", 6) }]);
      if (start === undefined) throw new Error("no state");
      // 2 ETH at $3 000: $600 initial margin against $980 of haircut USDC ($1 000 × 98 %).
      await writeAndWait(onHub(account.privateKey), {
        address: perpMarket(),
        abi: perpMarketAbi,
        functionName: "openPosition",
        args: [2n * WAD],
      });
      try {
        const walletBefore = await tokenBalance(chain, token, account.address);
        // Half of it would leave $490 against $600: the hub must refuse.
        const guid = await requestWithdrawal(chain, account, token, parseUnits("500", 6));
        const after = await waitSynced(
          chain,
          account.address,
          token,
          "the rejected withdrawal applied and credited",
          (s) => s.vault.seq === start.vault.seq + 2n,
        );

        const decision = await withdrawalDecision(guid);
        expect(decision.approved).toBe(false);
        // The hub credited the amount back in the very transaction that rejected it.
        const [creditedAtDecision] = await net.hub.publicClient.readContract({
          address: hubAddress(),
          abi: marginHubAbi,
          functionName: "creditedBalance",
          args: [account.address, BigInt(chain.chain.chainId), token],
          blockNumber: decision.blockNumber,
        });
        expect(creditedAtDecision).toBe(start.vault.balance);
        expect(after.vault).toMatchObject({ balance: start.vault.balance, pending: 0n });
        expect(after.credit.balance).toBe(start.vault.balance);
        expect(await tokenBalance(chain, token, account.address)).toBe(walletBefore);
      } finally {
        await writeAndWait(onHub(account.privateKey), {
          address: perpMarket(),
          abi: perpMarketAbi,
          functionName: "closePosition",
          args: [],
        });
      }
    }, 150_000);

    test("a liquidation seizes on two vault chains: the market gets what is owed, the liquidator the bonus, the vaults apply the SEIZEs, the hub's outstanding clears", async () => {
      const account = trader(2);
      const liquidator = net.accounts.liquidator;
      const [vaultA, vaultB] = net.vaults;
      const deposits = [
        { chain: vaultA, token: tokenAddress(vaultA, "USDC"), amount: parseUnits("500", 6) },
        { chain: vaultB, token: tokenAddress(vaultB, "USDC"), amount: parseUnits("600", 6) },
      ];
      const before = await depositAndWait(account, deposits);
      // 3 ETH at $3 000: $900 initial margin against $1 078 adjusted.
      await writeAndWait(onHub(account.privateKey), {
        address: perpMarket(),
        abi: perpMarketAbi,
        functionName: "openPosition",
        args: [3n * WAD],
      });
      // At $2 700: $900 loss + $405 maintenance > $1 089 liquidation value.
      await setEthPrice(2_700n * 10n ** 8n);
      try {
        expect(
          await net.hub.publicClient.readContract({
            address: hubAddress(),
            abi: marginHubAbi,
            functionName: "isLiquidatable",
            args: [account.address],
          }),
        ).toBe(true);
        const liquidatorBefore = await Promise.all(
          deposits.map((d) => tokenBalance(d.chain, d.token, liquidator.address)),
        );
        const receipt = await writeAndWait(onHub(liquidator.privateKey), {
          address: hubAddress(),
          abi: marginHubAbi,
          functionName: "liquidate",
          args: [account.address],
        });
        const ordered = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "SeizeOrdered" });
        const sent = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "PacketSent" });
        await mineBlocks(chains, 2);

        for (const [i, { chain, token }] of deposits.entries()) {
          // Per collateral: what is owed to the market's settlement address, then the bonus to the liquidator.
          const seizes = ordered.filter(
            (e) => Number(e.args.chainId) === chain.chain.chainId && e.args.token === token,
          );
          const bonus = seizes.find((e) => e.args.recipient === liquidator.address);
          const owed = seizes.find((e) => e.args.recipient !== liquidator.address);
          if (bonus === undefined || owed === undefined)
            throw new Error(`expected an owed and a bonus SEIZE on chain ${chain.chain.chainId}`);
          expect(owed.args.recipient).toBe(
            await net.hub.publicClient.readContract({
              address: perpMarket(),
              abi: perpMarketAbi,
              functionName: "settlementRecipient",
              args: [BigInt(chain.chain.chainId)],
            }),
          );
          const nonces = seizes.map((seize) => {
            const packet = sent.find((e) => e.args.guid === seize.args.guid);
            if (packet === undefined) throw new Error(`no PacketSent for SEIZE ${seize.args.guid}`);
            return packet.args.nonce;
          });
          const lastNonce = nonces.toSorted((a, b) => (a < b ? -1 : a > b ? 1 : 0)).at(-1) ?? 0n;
          const total = seizes.reduce((sum, e) => sum + e.args.amount, 0n);
          for (const seize of seizes) expect(seize.args).toMatchObject({ account: account.address });
          expect(owed.args.amount).toBeGreaterThan(bonus.args.amount);
          const after = await waitSynced(
            chain,
            account.address,
            token,
            `the SEIZEs applied on ${chain.chain.chainId} and the hub's outstanding cleared`,
            (s) => s.vault.inboundNonce === lastNonce,
          );
          expect(after.vault.balance).toBe((before[i]?.vault.balance ?? 0n) - total);
          expect(after.credit.balance).toBe(after.vault.balance);
          expect(after.outstanding).toEqual({ amount: 0n, lastCommandNonce: 0n });
          expect(
            await chain.publicClient.readContract({
              address: chain.chain.contracts.vault,
              abi: collateralVaultAbi,
              functionName: "inboundNonce",
            }),
          ).toBe(lastNonce);
          expect(await tokenBalance(chain, token, liquidator.address)).toBe(
            (liquidatorBefore[i] ?? 0n) + bonus.args.amount,
          );
        }
      } finally {
        await setEthPrice(ETH_PRICE);
      }
    }, 180_000);
  });

  describe("2. forged, replayed, below-quorum and stale submissions straight to the contracts are rejected", () => {
    const account = () => trader(0);
    const chain = () => net.vaults[1];
    const token = () => tokenAddress(chain(), "wstETH");
    /** The key's state once the round trip below settled: nothing may change it. */
    let settled: KeyState;
    let deliveredBatch: RelayedCall;
    let deliveredRequest: RelayedCall;
    let deliveredCommand: RelayedCall;
    let nextIndex = 65_000;

    beforeAll(async () => {
      // A deposit and an approved withdrawal, all delivered by the relayer: a batch, a request, a command.
      const [start] = await depositAndWait(account(), [
        { chain: chain(), token: token(), amount: 10n * WAD },
      ]);
      if (start === undefined) throw new Error("no state");
      const guid = await requestWithdrawal(chain(), account(), token(), WAD);
      settled = await waitSynced(
        chain(),
        account().address,
        token(),
        "the withdrawal round trip",
        (s) => s.vault.seq === start.vault.seq + 2n,
      );

      const hub = { address: hubAddress(), abi: marginHubAbi, fromBlock: 0n } as const;
      const batches = await net.hub.publicClient.getContractEvents({
        ...hub,
        eventName: "BatchApplied",
        args: { srcEid: chain().chain.chainId },
      });
      const requests = await net.hub.publicClient.getContractEvents({
        ...hub,
        eventName: "WithdrawalRequestReceived",
        args: { guid },
      });
      const commands = await chain().publicClient.getContractEvents({
        address: chain().chain.contracts.vault,
        abi: collateralVaultAbi,
        eventName: "CommandApplied",
        fromBlock: 0n,
      });
      const last = <T>(events: readonly T[], what: string): T => {
        const event = events.at(-1);
        if (event === undefined) throw new Error(`no ${what} found`);
        return event;
      };
      deliveredBatch = await findDeliveredCall(net.hub, last(batches, "BatchApplied").transactionHash);
      deliveredRequest = await findDeliveredCall(
        net.hub,
        last(requests, "WithdrawalRequestReceived").transactionHash,
      );
      deliveredCommand = await findDeliveredCall(chain(), last(commands, "CommandApplied").transactionHash);
    }, 150_000);

    /** A BALANCE_BATCH crediting the account 1 000 wstETH more than it holds, at the next seq, signed by `signerKeys`. */
    async function inflatedBatch(signerKeys: readonly Hex[]): Promise<RelayedCall> {
      const block = await chain().publicClient.getBlock();
      const vault = chain().chain.contracts.vault;
      const leaf = {
        chainId: BigInt(chain().chain.chainId),
        vault,
        account: account().address,
        token: token(),
        balance: settled.vault.balance + 1_000n * WAD,
        seq: settled.vault.seq + 1n,
        inboundNonce: settled.vault.inboundNonce,
        sourceBlock: block.number,
      };
      const batch = await attestBalanceBatch({
        hub: hubAddress(),
        hubChainId: net.hub.chain.chainId,
        srcEid: chain().chain.chainId,
        vault,
        leaves: [leaf],
        sourceBlock: block.number,
        sourceTimestamp: block.timestamp,
        // Far above the relayer's per-block indexes, so no guid of the relayer's is ever taken.
        index: nextIndex++,
        signerKeys,
      });
      const proof = fullBatchProof(batch.tree);
      return {
        functionName: "submitBatch",
        args: [batch.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
      };
    }

    /** Sends the call from the deployer (not the relayer's key) and checks the key's state did not move. */
    async function expectRejected(
      destination: ChainClients,
      call: RelayedCall,
      errorName: string,
    ): Promise<void> {
      const outcome = await submitRejected(destination, net.accounts.deployer.privateKey, call);
      expect(outcome).toEqual({ errorName, status: "reverted" });
      expect(await keyState(chain(), account().address, token())).toEqual(settled);
    }

    test("a batch signed by two keys outside the attester set: QuorumVerifier_UnknownSigner", async () => {
      await expectRejected(
        net.hub,
        await inflatedBatch([generatePrivateKey(), generatePrivateKey()]),
        "QuorumVerifier_UnknownSigner",
      );
    });

    test("a batch signed by one attester, one below the threshold: QuorumVerifier_BelowThreshold", async () => {
      const [attester] = net.attesterKeys;
      if (attester === undefined) throw new Error("no attester key");
      await expectRejected(net.hub, await inflatedBatch([attester]), "QuorumVerifier_BelowThreshold");
    });

    test("the relayer's batch replayed: MarginHub_BatchAlreadySubmitted", async () => {
      await expectRejected(net.hub, deliveredBatch, "MarginHub_BatchAlreadySubmitted");
    });

    test("the relayer's withdrawal request replayed: MarginHub_RequestAlreadyReceived", async () => {
      await expectRejected(net.hub, deliveredRequest, "MarginHub_RequestAlreadyReceived");
    });

    test("the relayer's APPROVE_WITHDRAWAL replayed at the vault: CollateralVault_CommandAlreadyApplied", async () => {
      const walletBefore = await tokenBalance(chain(), token(), account().address);
      await expectRejected(chain(), deliveredCommand, "CollateralVault_CommandAlreadyApplied");
      expect(await tokenBalance(chain(), token(), account().address)).toBe(walletBefore);
    });

    test("a quorum-signed batch older than maxAttestationAge: MarginHub_AttestationExpired", async () => {
      const stale = await inflatedBatch(net.attesterKeys);
      await net.hub.testClient.increaseTime({ seconds: STALE_SECONDS });
      try {
        await net.hub.testClient.mine({ blocks: 1 });
        await expectRejected(net.hub, stale, "MarginHub_AttestationExpired");
      } finally {
        // Move the vault chains' clocks by as much, so later batches are fresh on the hub again.
        await Promise.all(
          net.vaults.map((vault) => vault.testClient.increaseTime({ seconds: STALE_SECONDS })),
        );
        await mineBlocks(net.vaults);
      }
    });
  });
});

describe("7. attesters as three HTTP servers", () => {
  let relayer: Relayer;
  /** Per attester (in the set's order): its port and its running server, if up. */
  let servers: AttesterServers;
  const account = () => trader(0);
  const chain = () => net.vaults[0];
  const token = () => tokenAddress(chain(), "UNI-V2");

  beforeAll(async () => {
    servers = attesterServers({
      config: net.devnet.config,
      attesters: net.accounts.attesters,
      ports: await Promise.all(net.accounts.attesters.map(() => freePort())),
      logger: logs.logger,
    });
    await servers.startAll();
    const attesterUrls = servers.urls;
    const config = relayerConfig(PREFIX_REMOTE, { attesterUrls });
    // No attester key in-process: every signature comes over HTTP.
    relayer = await startRelayer({
      config,
      keys: { relayer: net.accounts.relayer.privateKey, attesters: [] },
      apiUrl: net.indexer.url,
      logger: logs.logger,
    });
  }, 60_000);

  afterAll(async () => {
    await relayer?.stop();
    await servers?.stopAll();
  }, 60_000);

  test("one of three down: still delivered with the other two", async () => {
    await servers.stop(2);
    const [credited] = await depositAndWait(account(), [{ chain: chain(), token: token(), amount: WAD }]);
    expect(credited?.credit.balance).toBe(credited?.vault.balance);
    // The batch that credited it carries the two live attesters' signatures.
    const applied = await net.hub.publicClient.getContractEvents({
      address: hubAddress(),
      abi: marginHubAbi,
      eventName: "BatchApplied",
      args: { srcEid: chain().chain.chainId },
      fromBlock: 0n,
    });
    const last = applied.at(-1);
    if (last === undefined) throw new Error("no BatchApplied");
    const call = await findDeliveredCall(net.hub, last.transactionHash);
    const [packet, signatures] = call.args;
    const signers = await recoverSigners({
      chainId: net.hub.chain.chainId,
      verifyingContract: hubAddress(),
      packet,
      signatures,
    });
    expect(signers).toEqual(net.accounts.attesters.slice(0, 2).map((a) => a.address));
  }, 150_000);

  test("two of three down: nothing is delivered, however many rounds; back up on the same ports: delivered", async () => {
    await servers.stop(2);
    await servers.stop(1);
    const before = await keyState(chain(), account().address, token());
    expect(isSynced(before)).toBe(true);
    const failuresBefore = await readMetric(relayer.url, "crossmargin_failures_total", { queue: "attest" });
    await depositCollateral(chain(), { key: account().privateKey, token: token(), amount: 2n * WAD });
    await mineBlocks(chains, 2);

    // The attest job fails (one signature of two) and is retried with backoff, round after round:
    // wait for five failed attempts spanning at least three reconcile intervals.
    const credits: KeyState["credit"][] = [];
    const since = Date.now();
    await pollWhileMining(
      chains,
      async () => {
        const state = await keyState(chain(), account().address, token());
        credits.push(state.credit);
        const failures = await readMetric(relayer.url, "crossmargin_failures_total", { queue: "attest" });
        return { failures, elapsedMs: Date.now() - since };
      },
      ({ failures, elapsedMs }) => failures >= failuresBefore + 5 && elapsedMs >= 3 * RECONCILE_INTERVAL_MS,
      {
        what: "five failed attest attempts over three reconcile intervals",
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    expect(
      await readMetric(relayer.url, "crossmargin_queue_jobs", { queue: "attest", state: "delayed" }),
    ).toBeGreaterThanOrEqual(1);
    expect(credits.length).toBeGreaterThan(3);
    for (const credit of credits) expect(credit).toEqual(before.credit);
    expect(await keyState(chain(), account().address, token())).toMatchObject({ credit: before.credit });

    await Promise.all([servers.start(1), servers.start(2)]);
    const after = await waitSynced(
      chain(),
      account().address,
      token(),
      "the deposit credited once the attesters are back",
      (s) => s.vault.balance === before.vault.balance + 2n * WAD,
    );
    expect(after.credit.balance).toBe(before.credit.balance + 2n * WAD);
  }, 180_000);
});
