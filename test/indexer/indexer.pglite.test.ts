import { createClient, eq, inArray } from "@ponder/client";
import { type Address, type Hex, keccak256, parseEventLogs, parseUnits, toHex } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MarginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import * as schema from "../../indexer/ponder.schema.js";
import { collateralVaultAbi, mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { approveVault } from "../kit/approveVault.js";
import { assertAggregateMatchesRows, assertCreditedMatchesHub } from "../kit/assertMargins.js";
import { tokenAddress } from "../kit/chainClients.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { depositForMany } from "../kit/depositForMany.js";
import { getJson, graphqlQuery, readMarginBothWays } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { relayPacket } from "../kit/relayPacket.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 21545–21547.
const BASE_PORT = 21545;
const WAD = 10n ** 18n;
const usd = (dollars: bigint) => dollars * WAD;

let net: IndexedDevnet;
let failed = false;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_pglite_${process.pid}` });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

// ------------------------------------------------------------------ helpers

const token = tokenAddress;

const marginOf = (account: Address, query = "") =>
  getJson<MarginAnswer>(`${net.indexer.url}/accounts/${account}/margin${query}`).then((r) => r.body);

function sendAs(key: Hex) {
  return { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(key) };
}

const expectAggregateMatchesRows = (account: Address) => assertAggregateMatchesRows(net.indexer.url, account);
const expectCreditedMatchesHub = (account: Address) =>
  assertCreditedMatchesHub(net.indexer.url, net.hub, account);

// ------------------------------------------------------------------ tests

describe("indexer on PGlite against the devnet", () => {
  test("deposits on two vault chains and the hub chain: per-chain rows and the aggregate over GraphQL, SQL and REST", async () => {
    const trader = net.accounts.traders[0]!;
    const [vaultA, vaultB] = net.vaults;
    await depositCollateral(vaultA, {
      key: trader.privateKey,
      token: token(vaultA, "USDC"),
      amount: parseUnits("10000", 6),
    });
    await depositCollateral(vaultB, {
      key: trader.privateKey,
      token: token(vaultB, "wstETH"),
      amount: parseUnits("2", 18),
    });
    await depositCollateral(net.hub, {
      key: trader.privateKey,
      token: token(net.hub, "sUSDe"),
      amount: parseUnits("5000", 18),
    });

    const rest = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.collaterals.length === 3 && m.chainCount === 3,
      {
        what: "three deposits in the REST answer",
      },
    );
    // USDC $1 × 10 000, haircut 2 %; wstETH $3 500 × 2, haircut 15 %; sUSDe $1.10 × 5 000, haircut 10 %.
    expect(rest.totals.collateralUsd).toBe(usd(10_000n + 7_000n + 5_500n).toString());
    expect(rest.totals.adjustedUsd).toBe(usd(9_800n + 5_950n + 4_950n).toString());
    expect(rest.totals.creditedCollateralUsd).toBe("0");
    expect(rest.health).toMatchObject({ healthy: true, liquidatable: false });
    const usdc = rest.collaterals.find((c) => c.chainId === vaultA.chain.chainId);
    expect(usdc).toMatchObject({
      symbol: "USDC",
      balance: "10000000000",
      pending: "0",
      seq: "1",
      price: { answer: "100000000", decimals: 8 },
      valueUsd: usd(10_000n).toString(),
      haircutBps: 200,
      adjustedUsd: usd(9_800n).toString(),
      uncredited: "10000000000",
    });
    expect(rest.uncredited).toHaveLength(3);

    // On PGlite, GraphQL has been seen to hold 2 of the 3 deposits right after REST showed all 3
    // balances. Not explained yet: a plain PGlite query waits on the same mutex as Ponder's
    // per-batch transaction (flush included), and the three deposits commit in three batches, so a
    // read should not see part of one. Poll until the GraphQL answer holds all three.
    const gqlQuery = () =>
      graphqlQuery<{
        collateralBalances: { items: { chainId: number; balance: string; seq: string; vault: string }[] };
        accountMargins: {
          items: { collateralUsd: string; adjustedUsd: string; chainCount: number; healthy: boolean }[];
        };
        deposits: { items: { amount: string }[] };
      }>(
        net.indexer.url,
        `query ($account: String!) {
        collateralBalances(where: { account: $account }, orderBy: "chainId") { items { chainId balance seq vault } }
        accountMargins(where: { account: $account }) { items { collateralUsd adjustedUsd chainCount healthy } }
        deposits(where: { account: $account }) { items { amount } }
      }`,
        { account: trader.address.toLowerCase() },
      );
    const gql = await pollUntil(gqlQuery, (g) => g.deposits.items.length === 3, {
      what: "three deposits in the GraphQL answer",
    });
    expect(gql.collateralBalances.items.map((b) => [b.chainId, b.balance, b.seq])).toEqual([
      [net.hub.chain.chainId, parseUnits("5000", 18).toString(), "1"],
      [vaultA.chain.chainId, "10000000000", "1"],
      [vaultB.chain.chainId, parseUnits("2", 18).toString(), "1"],
    ]);
    expect(gql.collateralBalances.items[1]?.vault).toBe(vaultA.chain.contracts.vault.toLowerCase());
    expect(gql.accountMargins.items[0]).toMatchObject({
      collateralUsd: rest.totals.collateralUsd,
      adjustedUsd: rest.totals.adjustedUsd,
      chainCount: 3,
      healthy: true,
    });
    const both = await readMarginBothWays(net.indexer.url, trader.address);
    expect(both.gql.collaterals).toHaveLength(3);

    const { rows, vault } = await expectAggregateMatchesRows(trader.address);
    expect(rows.balances).toHaveLength(3);
    expect(rows.stored?.chainCount).toBe(3);
    expect(vault.collateralUsd.toString()).toBe(rest.totals.collateralUsd);
    const deposits = await createClient(`${net.indexer.url}/sql`, { schema })
      .db.select()
      .from(schema.deposit)
      .where(eq(schema.deposit.account, lowerHex(trader.address)));
    expect(deposits.map((d) => d.amount).sort()).toEqual(
      [parseUnits("10000", 6), parseUnits("2", 18), parseUnits("5000", 18)].sort(),
    );
  });

  test("after the hub credits the batches and a position opens, the credited aggregate equals the hub's accountMargin", async () => {
    const trader = net.accounts.traders[0]!;
    const relayerKey = net.accounts.relayer.privateKey;
    const chains = [
      [net.vaults[0], "USDC"],
      [net.vaults[1], "wstETH"],
      [net.hub, "sUSDe"],
    ] as const;
    const guids: Hex[] = [];
    for (const [chain, symbol] of chains) {
      const entries = [{ account: trader.address, token: token(chain, symbol) }];
      const { guid } = await creditHub({
        vaultChain: chain,
        hubChain: net.hub,
        entries,
        attesterKeys: net.attesterKeys,
        relayerKey,
      });
      guids.push(guid);
    }
    const credited = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.uncreditedUsd === "0",
      {
        what: "the hub's credits",
      },
    );
    expect(credited.uncredited).toEqual([]);
    expect(credited.totals.creditedCollateralUsd).toBe(credited.totals.collateralUsd);
    await expectCreditedMatchesHub(trader.address);
    for (const guid of guids) {
      const { status, body } = await getJson<{
        kind: string;
        status: string;
        nonce: string;
        latencySeconds: number;
      }>(`${net.indexer.url}/messages/${guid}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ kind: "balance_batch", status: "delivered" });
      expect(BigInt(body.nonce) >> 63n).toBe(1n);
      expect(body.latencySeconds).toBeGreaterThanOrEqual(0);
    }

    const perp = net.hub.chain.contracts.perpMarkets[0] ?? "0x";
    await writeAndWait(sendAs(trader.privateKey), {
      address: perp,
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [2n * WAD],
    });
    const withPosition = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.initialUsd !== "0",
      {
        what: "the position's requirement",
      },
    );
    // 2 ETH at $3 000: notional $6 000, initial 10 %, maintenance 5 %.
    expect(withPosition.totals).toMatchObject({
      initialUsd: usd(600n).toString(),
      maintenanceUsd: usd(300n).toString(),
    });
    expect(withPosition.positions).toEqual([
      expect.objectContaining({ symbol: "ETH-PERP", size: (2n * WAD).toString() }),
    ]);
    const onChain = await expectCreditedMatchesHub(trader.address);
    expect(withPosition.health.healthFactor).toBe(onChain.healthFactor.toString());
  });

  test("a price change moves value and health (collateral feed and perp feed), as the hub sees it", async () => {
    const trader = net.accounts.traders[0]!;
    const deployer = net.accounts.deployer.privateKey;
    const before = await marginOf(trader.address);
    const feeds = net.devnet.manifest.devnet.feeds;
    await writeAndWait(sendAs(deployer), {
      address: feeds.wstETH ?? "0x",
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [1_750n * 10n ** 8n],
    });
    const cheaper = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.collateralUsd !== before.totals.collateralUsd,
      {
        what: "the wstETH price drop",
      },
    );
    // 2 wstETH lose $1 750 each.
    expect(BigInt(String(before.totals.collateralUsd)) - BigInt(String(cheaper.totals.collateralUsd))).toBe(
      usd(3_500n),
    );
    expect(BigInt(String(cheaper.health.healthFactor))).toBeLessThan(
      BigInt(String(before.health.healthFactor)),
    );
    await expectCreditedMatchesHub(trader.address);

    await writeAndWait(sendAs(deployer), {
      address: net.devnet.manifest.devnet.perpFeed,
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [4_000n * 10n ** 8n],
    });
    const pricier = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.maintenanceUsd !== cheaper.totals.maintenanceUsd,
      {
        what: "the ETH price rise",
      },
    );
    // Long 2 ETH at $4 000: notional $8 000 → maintenance $400 (the position is in profit).
    expect(pricier.totals.maintenanceUsd).toBe(usd(400n).toString());
    expect(BigInt(String(pricier.health.healthFactor))).toBeLessThan(
      BigInt(String(cheaper.health.healthFactor)),
    );
    await expectCreditedMatchesHub(trader.address);
  });

  test("withdrawal states follow the contracts: requested → approved → released", async () => {
    const trader = net.accounts.traders[0]!;
    const vaultA = net.vaults[0];
    const usdc = token(vaultA, "USDC");
    const receipt = await writeAndWait(
      { publicClient: vaultA.publicClient, walletClient: vaultA.walletFor(trader.privateKey) },
      {
        address: vaultA.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [usdc, parseUnits("1000", 6)],
      },
    );
    const [requested] = parseEventLogs({
      abi: collateralVaultAbi,
      logs: receipt.logs,
      eventName: "WithdrawalRequested",
    });
    const requestGuid = lowerHex(requested?.args.guid ?? "0x");
    const withdrawalOf = () =>
      graphqlQuery<{
        withdrawal: {
          status: string;
          commandGuid: string | null;
          settledAmount: string | null;
          approved: boolean | null;
        } | null;
      }>(
        net.indexer.url,
        `query ($guid: String!) { withdrawal(requestGuid: $guid) { status commandGuid settledAmount approved } }`,
        { guid: requestGuid },
      ).then((d) => d.withdrawal);
    expect(
      await pollUntil(withdrawalOf, (w) => w?.status === "requested", { what: "the request" }),
    ).toMatchObject({
      approved: null,
    });
    const pending = await marginOf(trader.address, `?chainId=${vaultA.chain.chainId}`);
    expect(pending.collaterals).toEqual([
      expect.objectContaining({ balance: "9000000000", pending: "1000000000" }),
    ]);
    expect(pending.pendingWithdrawals).toEqual([
      expect.objectContaining({ requestGuid, status: "requested" }),
    ]);

    const request = await getJson<{ status: string; kind: string; packet: Hex }>(
      `${net.indexer.url}/messages/${requestGuid}`,
    );
    expect(request.body).toMatchObject({ status: "observed", kind: "withdrawal_request" });
    await relayPacket({
      packet: request.body.packet,
      destination: net.hub,
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
    const approved = await pollUntil(withdrawalOf, (w) => w?.status === "approved", { what: "the approval" });
    expect(approved?.approved).toBe(true);
    expect(
      (await getJson<{ status: string }>(`${net.indexer.url}/messages/${requestGuid}`)).body.status,
    ).toBe("delivered");

    const command = await getJson<{ status: string; kind: string; packet: Hex; requestGuid: string }>(
      `${net.indexer.url}/messages/${approved?.commandGuid}`,
    );
    expect(command.body).toMatchObject({ status: "observed", kind: "approve_withdrawal", requestGuid });
    await relayPacket({
      packet: command.body.packet,
      destination: vaultA,
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
    const released = await pollUntil(withdrawalOf, (w) => w?.status === "released", { what: "the release" });
    expect(released?.settledAmount).toBe("1000000000");
    expect(
      (await getJson<{ status: string }>(`${net.indexer.url}/messages/${approved?.commandGuid}`)).body.status,
    ).toBe("delivered");
    const after = await marginOf(trader.address, `?chainId=${vaultA.chain.chainId}`);
    expect(after.collaterals).toEqual([expect.objectContaining({ balance: "9000000000", pending: "0" })]);
    expect(after.pendingWithdrawals).toEqual([]);
    await expectAggregateMatchesRows(trader.address);
  });

  test("a withdrawal that would break the initial margin is rejected and returned to the balance", async () => {
    const trader = net.accounts.traders[1]!;
    const vaultB = net.vaults[1];
    const usdc = token(vaultB, "USDC");
    await depositCollateral(vaultB, { key: trader.privateKey, token: usdc, amount: parseUnits("1000", 6) });
    const entries = [{ account: trader.address, token: usdc }];
    await creditHub({
      vaultChain: vaultB,
      hubChain: net.hub,
      entries,
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
      index: 1,
    });
    await writeAndWait(sendAs(trader.privateKey), {
      address: net.hub.chain.contracts.perpMarkets[0] ?? "0x",
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [WAD / 2n],
    });
    const receipt = await writeAndWait(
      { publicClient: vaultB.publicClient, walletClient: vaultB.walletFor(trader.privateKey) },
      {
        address: vaultB.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [usdc, parseUnits("900", 6)],
      },
    );
    const [requested] = parseEventLogs({
      abi: collateralVaultAbi,
      logs: receipt.logs,
      eventName: "WithdrawalRequested",
    });
    const requestGuid = lowerHex(requested?.args.guid ?? "0x");
    const message = await pollUntil(
      () => getJson<{ packet: Hex }>(`${net.indexer.url}/messages/${requestGuid}`),
      (r) => r.status === 200,
      { what: "the request packet" },
    );
    await relayPacket({
      packet: message.body.packet,
      destination: net.hub,
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
    const withdrawalOf = () =>
      createClient(`${net.indexer.url}/sql`, { schema })
        .db.select()
        .from(schema.withdrawal)
        .where(eq(schema.withdrawal.requestGuid, requestGuid))
        .then((rows) => rows[0]);
    const rejected = await pollUntil(withdrawalOf, (w) => w?.status === "rejected", {
      what: "the rejection",
    });
    expect(rejected?.approved).toBe(false);
    const command = await getJson<{ kind: string; packet: Hex }>(
      `${net.indexer.url}/messages/${rejected?.commandGuid}`,
    );
    expect(command.body.kind).toBe("reject_withdrawal");
    await relayPacket({
      packet: command.body.packet,
      destination: vaultB,
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
    const returned = await pollUntil(
      withdrawalOf,
      (w) => w?.settledAmount !== null && w?.settledAmount !== undefined,
      {
        what: "the rejection applied at the vault",
      },
    );
    expect(returned).toMatchObject({ status: "rejected", settledAmount: parseUnits("900", 6) });
    const margin = await marginOf(trader.address);
    expect(margin.collaterals).toEqual([expect.objectContaining({ balance: "1000000000", pending: "0" })]);
    await expectCreditedMatchesHub(trader.address);
  });

  test("/routes and /messages show messages in flight and the last delivery; a message turns final with depth", async () => {
    const trader = net.accounts.traders[2]!;
    const vaultB = net.vaults[1];
    const usdc = token(vaultB, "USDC");
    await depositCollateral(vaultB, { key: trader.privateKey, token: usdc, amount: parseUnits("50", 6) });
    const receipt = await writeAndWait(
      { publicClient: vaultB.publicClient, walletClient: vaultB.walletFor(trader.privateKey) },
      {
        address: vaultB.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [usdc, parseUnits("10", 6)],
      },
    );
    const [requested] = parseEventLogs({
      abi: collateralVaultAbi,
      logs: receipt.logs,
      eventName: "WithdrawalRequested",
    });
    const guid = lowerHex(requested?.args.guid ?? "0x");
    type Routes = {
      routes: {
        route: string;
        inFlight: number;
        oldestInFlightAgeSeconds: number | null;
        delivered: number;
        lastDelivered: { kind: string } | null;
      }[];
    };
    const outbound = `${vaultB.chain.chainId}->${net.hub.chain.chainId}`;
    const routes = await pollUntil(
      () => getJson<Routes>(`${net.indexer.url}/routes?chainId=${vaultB.chain.chainId}`).then((r) => r.body),
      (r) => r.routes.some((route) => route.route === outbound && route.inFlight === 1),
      { what: "the request in flight" },
    );
    expect(routes.routes.map((r) => r.route)).toEqual([
      `${net.hub.chain.chainId}->${vaultB.chain.chainId}`,
      outbound,
    ]);
    const out = routes.routes.find((r) => r.route === outbound);
    // Delivered so far on this route: two balance batches and the rejected request.
    expect(out).toMatchObject({ inFlight: 1, delivered: 3, lastDelivered: { kind: "withdrawal_request" } });
    expect(out?.oldestInFlightAgeSeconds).toBeGreaterThanOrEqual(0);
    const all = await getJson<Routes>(`${net.indexer.url}/routes`);
    // Each vault chain to the hub and back; the hub chain's own vault is the one route hub->hub.
    expect(all.body.routes.map((r) => r.route)).toEqual([
      `${net.hub.chain.chainId}->${net.hub.chain.chainId}`,
      `${net.hub.chain.chainId}->${net.vaults[0].chain.chainId}`,
      `${net.hub.chain.chainId}->${outbound.split("->")[0]}`,
      `${net.vaults[0].chain.chainId}->${net.hub.chain.chainId}`,
      outbound,
    ]);

    const message = await getJson<{
      status: string;
      ageSeconds: number | null;
      source: { final: boolean; block: string };
    }>(`${net.indexer.url}/messages/${guid}`);
    expect(message.body).toMatchObject({ status: "observed", source: { final: false } });
    expect(message.body.ageSeconds).toBeGreaterThanOrEqual(0);

    // finalityDepth (2) more blocks on the vault chain make the request final.
    await vaultB.testClient.mine({
      blocks: net.devnet.config.chains[String(vaultB.chain.chainId)]?.finalityDepth ?? 2,
    });
    const final = await pollUntil(
      () =>
        getJson<{ source: { final: boolean } }>(`${net.indexer.url}/messages/${guid}`).then((r) => r.body),
      (m) => m.source.final,
      { what: "the request to turn final" },
    );
    expect(final.source.final).toBe(true);
  });

  // Ponder 0.16 flushes more than 20 updated rows of a table through a session TEMP TABLE named
  // like the table and never drops it; on PGlite (one session) the unqualified names of
  // @ponder/client queries then resolved to that empty table and /sql saw nothing.
  test("more than 20 balance rows updated in one block stay visible over SQL (@ponder/client)", async () => {
    const [vaultA] = net.vaults;
    const payer = net.accounts.traders[2]!.privateKey;
    await approveVault(vaultA, { payers: [payer], symbols: ["USDC"] });
    const accounts = Array.from({ length: 30 }, (_, i) =>
      lowerHex(keccak256(toHex(`temp-table-${process.pid}-${i}`)).slice(0, 42) as Address),
    );
    const deposits = accounts.map((account) => ({
      chainId: vaultA.chain.chainId,
      account,
      token: token(vaultA, "USDC"),
      amount: parseUnits("10", 6),
    }));
    const sqlDb = createClient(`${net.indexer.url}/sql`, { schema }).db;
    const balancesOver = () =>
      sqlDb
        .select({ account: schema.collateralBalance.account, balance: schema.collateralBalance.balance })
        .from(schema.collateralBalance)
        .where(inArray(schema.collateralBalance.account, accounts));
    const marginsOver = () =>
      sqlDb
        .select({ account: schema.accountMargin.account })
        .from(schema.accountMargin)
        .where(inArray(schema.accountMargin.account, accounts));
    // One block inserts the 30 rows, the next updates all 30 in one flush.
    await depositForMany(vaultA, { payers: [payer], deposits });
    await pollUntil(balancesOver, (rows) => rows.length === accounts.length, { what: "the first deposits" });
    await depositForMany(vaultA, { payers: [payer], deposits });
    await pollUntil(
      () => marginOf(accounts[0]!),
      (m) => m.collaterals[0]?.balance === "20000000",
      { what: "the second deposits over REST" },
    );
    // REST can answer from a block still being flushed (PGlite: one session shared with the
    // indexer); /sql answers once it is committed. Stale or empty for good is the failure.
    const twenty = parseUnits("20", 6);
    const balances = await pollUntil(
      balancesOver,
      (rows) => rows.length === accounts.length && rows.every((b) => b.balance === twenty),
      { what: "the second deposits over SQL", timeoutMs: 10_000 },
    );
    expect(balances).toHaveLength(accounts.length);
    expect(new Set(balances.map((b) => b.balance))).toEqual(new Set([twenty]));
    expect(await marginsOver()).toHaveLength(accounts.length);
  });
});
