import { execFile } from "node:child_process";
import { isDeepStrictEqual, promisify } from "node:util";
import { type Address, type Hex, parseEventLogs, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MarginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import { dropPostgresSchema, startIndexer } from "../../scripts/devnet/startIndexer.js";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { assertAggregateMatchesRows, assertCreditedMatchesHub } from "../kit/assertMargins.js";
import { asTimelockOwner } from "../kit/asTimelockOwner.js";
import { tokenAddress } from "../kit/chainClients.js";
import { type CreateDatabaseReturnType, createDatabase } from "../kit/createDatabase.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { getJson, graphqlQuery, readMarginBothWays } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { relayPacket } from "../kit/relayPacket.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 22545–22547. Postgres: trust auth on 127.0.0.1:5432 (`$TEST_DATABASE_URL`), where the file creates its own database.
const BASE_PORT = 22545;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
/** This file's own database (see `createDatabase`: Ponder's log store is keyed by chain id, which devnets reuse). */
let database: CreateDatabaseReturnType;
const SCHEMA = `cm_pg_${process.pid}_${Date.now() % 100_000}`;
const WAD = 10n ** 18n;
const usd = (dollars: bigint) => dollars * WAD;

let net: IndexedDevnet;
let failed = false;

beforeAll(async () => {
  database = await createDatabase({ adminUrl: ADMIN_URL, name: `cm_pg_${process.pid}` });
  net = await startIndexedDevnet({ basePort: BASE_PORT, postgresUrl: database.url, schema: SCHEMA });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
  await database?.drop();
});

const token = tokenAddress;
const marginOf = (account: Address) =>
  getJson<MarginAnswer>(`${net.indexer.url}/accounts/${account}/margin`).then((r) => r.body);
const onHub = (key: Hex) => ({ publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(key) });

describe("indexer on Postgres against the devnet", () => {
  test("the tables live in this run's Postgres schema", async () => {
    const { stdout } = await promisify(execFile)("psql", [
      database.url,
      "-At",
      "-c",
      `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${SCHEMA}' AND table_name IN ('collateral_balance', 'account_margin', 'relay_message', 'withdrawal')`,
    ]);
    expect(stdout.trim()).toBe("4");
  });

  test("deposits on two vault chains and the hub chain: rows and aggregate over GraphQL, SQL and REST", async () => {
    const trader = net.accounts.traders[0]!;
    const [vaultA, vaultB] = net.vaults;
    await depositCollateral(vaultA, {
      key: trader.privateKey,
      token: token(vaultA, "wstETH"),
      amount: parseUnits("1", 18),
    });
    await depositCollateral(vaultB, {
      key: trader.privateKey,
      token: token(vaultB, "USDC"),
      amount: parseUnits("2500", 6),
    });
    await depositCollateral(net.hub, {
      key: trader.privateKey,
      token: token(net.hub, "UNI-V2"),
      amount: parseUnits("3", 18),
    });

    // The answer's reads run side by side on the pool, so one taken while the third deposit is
    // being indexed can count it in the totals but not yet in the lines: wait for both.
    const rest = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.chainCount === 3 && m.collaterals.length === 3,
      { what: "three deposits" },
    );
    // wstETH $3 500 (haircut 15 %), USDC $2 500 (2 %), 3 UNI-V2 at $2 000 (30 %).
    expect(rest.totals.collateralUsd).toBe(usd(3_500n + 2_500n + 6_000n).toString());
    expect(rest.totals.adjustedUsd).toBe(usd(2_975n + 2_450n + 4_200n).toString());
    expect(rest.collaterals.map((c) => [c.chainId, c.symbol, c.balance])).toEqual([
      [net.hub.chain.chainId, "UNI-V2", parseUnits("3", 18).toString()],
      [vaultA.chain.chainId, "wstETH", parseUnits("1", 18).toString()],
      [vaultB.chain.chainId, "USDC", "2500000000"],
    ]);

    const gql = await graphqlQuery<{
      accountMargins: { items: { collateralUsd: string; chainCount: number }[] };
    }>(
      net.indexer.url,
      "query ($a: String!) { accountMargins(where: { account: $a }) { items { collateralUsd chainCount } } }",
      { a: trader.address.toLowerCase() },
    );
    expect(gql.accountMargins.items).toEqual([{ collateralUsd: rest.totals.collateralUsd, chainCount: 3 }]);
    const { rows } = await assertAggregateMatchesRows(net.indexer.url, trader.address);
    expect(rows.balances.map((b) => b.seq)).toEqual([1n, 1n, 1n]);
  });

  test("credited by the hub, with a position: a price change moves value and health exactly as on the hub", async () => {
    const trader = net.accounts.traders[0]!;
    const relayerKey = net.accounts.relayer.privateKey;
    const credits = [
      [net.vaults[0], "wstETH"],
      [net.vaults[1], "USDC"],
      [net.hub, "UNI-V2"],
    ] as const;
    for (const [chain, symbol] of credits) {
      const entries = [{ account: trader.address, token: token(chain, symbol) }];
      await creditHub({
        vaultChain: chain,
        hubChain: net.hub,
        entries,
        attesterKeys: net.attesterKeys,
        relayerKey,
      });
    }
    await writeAndWait(onHub(trader.privateKey), {
      address: net.hub.chain.contracts.perpMarkets[0] ?? "0x",
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [-3n * WAD],
    });
    const before = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.uncreditedUsd === "0" && m.totals.maintenanceUsd !== "0",
      { what: "credits and the short position" },
    );
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader.address);

    await writeAndWait(onHub(net.accounts.deployer.privateKey), {
      address: net.devnet.manifest.devnet.feeds["UNI-V2"] ?? "0x",
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [1_000n * 10n ** 8n],
    });
    const after = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.collateralUsd !== before.totals.collateralUsd,
      { what: "the UNI-V2 price drop" },
    );
    // 3 UNI-V2 lose $1 000 each.
    expect(BigInt(String(before.totals.collateralUsd)) - BigInt(String(after.totals.collateralUsd))).toBe(
      usd(3_000n),
    );
    expect(BigInt(String(after.health.healthFactor))).toBeLessThan(
      BigInt(String(before.health.healthFactor)),
    );
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader.address);
  });

  test("GET /accounts/at-risk lists accounts below a health, lowest first, priced at the newest answer", async () => {
    const trader = net.accounts.traders[0]!.address.toLowerCase();
    type AtRisk = { accounts: { account: string; healthFactor: string; vaultHealthFactor: string }[] };
    const wad = (x: bigint) => `${x / WAD}.${(x % WAD).toString().padStart(18, "0")}`;
    const atRisk = async (query: string) =>
      (await getJson<AtRisk>(`${net.indexer.url}/accounts/at-risk?${query}`)).body;
    const health = BigInt(String((await marginOf(trader as Hex)).health.creditedHealthFactor));

    const listed = await atRisk(`healthBelow=${wad(health + 1n)}`);
    expect(listed.accounts.map((a) => [a.account, a.healthFactor])).toContainEqual([
      trader,
      health.toString(),
    ]);
    const healths = listed.accounts.map((a) => BigInt(a.healthFactor));
    expect(healths).toEqual([...healths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(healths.every((h) => h <= health)).toBe(true);
    expect((await atRisk(`healthBelow=${wad(health)}`)).accounts.map((a) => a.account)).not.toContain(trader);
    expect((await atRisk(`healthBelow=${wad(health + 1n)}&limit=1`)).accounts).toHaveLength(1);
    const byVault = await atRisk(`healthBelow=1000000&basis=vault`);
    expect(byVault.accounts.find((a) => a.account === trader)?.healthFactor).toBe(
      (await marginOf(trader as Hex)).health.healthFactor,
    );

    // A price move shows in the list at once: nothing per holder was rewritten.
    await writeAndWait(onHub(net.accounts.deployer.privateKey), {
      address: net.devnet.manifest.devnet.feeds["UNI-V2"] ?? "0x",
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [1_500n * 10n ** 8n],
    });
    const moved = await pollUntil(
      () => atRisk("healthBelow=1000000"),
      (a) => a.accounts.some((x) => x.account === trader && BigInt(x.healthFactor) > health),
      { what: "the trader's health after the UNI-V2 rise" },
    );
    const rest = await marginOf(trader as Hex);
    expect(moved.accounts.find((a) => a.account === trader)?.healthFactor).toBe(
      rest.health.creditedHealthFactor,
    );
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader as Hex);
  });

  test("a tick copies the answer onto every collateral and market on its feed; a collateral moved to another feed follows it", async () => {
    const feeds = net.devnet.manifest.devnet.feeds;
    const hubAddress = net.hub.chain.contracts.hub ?? "0x";
    const deployer = onHub(net.accounts.deployer.privateKey);
    const rowsOf = async (query: string) => {
      const { stdout } = await promisify(execFile)("psql", [database.url, "-At", "-F", " ", "-c", query]);
      return stdout.trim().split("\n");
    };
    const answersOn = (feed: Address | undefined) =>
      rowsOf(
        `SELECT answer FROM "${SCHEMA}".collateral WHERE feed = '${feed?.toLowerCase()}' ORDER BY chain_id`,
      );
    const setAnswer = (feed: Address | undefined, answer: bigint) =>
      writeAndWait(deployer, {
        address: feed ?? "0x",
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [answer],
      });

    // USDC is configured on several chains with one feed; the perp has its own.
    const perpFeed = await net.hub.publicClient.readContract({
      address: net.hub.chain.contracts.perpMarkets[0] ?? "0x",
      abi: perpMarketAbi,
      functionName: "feed",
    });
    await setAnswer(feeds.USDC, 99_000_000n);
    await setAnswer(perpFeed, 2_900n * 10n ** 8n);
    const usdcRows = await pollUntil(
      () => answersOn(feeds.USDC),
      (rows) => rows.length >= 2 && rows.every((a) => a === "99000000"),
      { what: "every USDC collateral at the new answer" },
    );
    expect(usdcRows.length).toBeGreaterThanOrEqual(2);
    // The devnet has two markets (ETH-PERP, BTC-PERP), each on its own feed: only this one moves.
    const perpAddress = (net.hub.chain.contracts.perpMarkets[0] ?? "0x").toLowerCase();
    await pollUntil(
      () => rowsOf(`SELECT answer FROM "${SCHEMA}".perp_market WHERE address = '${perpAddress}'`),
      (rows) => rows.length === 1 && rows[0] === String(2_900n * 10n ** 8n),
      { what: "the perp market at the new answer" },
    );

    // The hub moves UNI-V2 onto the wstETH feed: the UNI-V2 feed no longer prices it, wstETH's does.
    const hubChainId = BigInt(net.hub.chain.chainId);
    const uni = token(net.hub, "UNI-V2");
    const original = await net.hub.publicClient.readContract({
      address: hubAddress,
      abi: marginHubAbi,
      functionName: "collateralConfig",
      args: [hubChainId, uni],
    });
    const setFeed = (feed: Address) =>
      asTimelockOwner(net.hub, net.accounts.deployer.privateKey, {
        address: hubAddress,
        abi: marginHubAbi,
        functionName: "setCollateral",
        args: [hubChainId, uni, { ...original, feed }],
      });
    const uniRow = () =>
      rowsOf(
        `SELECT feed || ' ' || answer FROM "${SCHEMA}".collateral WHERE chain_id = ${hubChainId} AND token = '${uni.toLowerCase()}'`,
      );
    try {
      await setFeed(feeds.wstETH ?? "0x");
      await setAnswer(feeds["UNI-V2"], 1_234n * 10n ** 8n);
      await setAnswer(feeds.wstETH, 3_456n * 10n ** 8n);
      await pollUntil(uniRow, (rows) => rows[0] === `${feeds.wstETH?.toLowerCase()} ${3_456n * 10n ** 8n}`, {
        what: "UNI-V2 priced by the wstETH feed",
      });
      await assertCreditedMatchesHub(net.indexer.url, net.hub, net.accounts.traders[0]!.address);
    } finally {
      await setFeed(original.feed);
    }
    await pollUntil(uniRow, (rows) => rows[0] === `${original.feed.toLowerCase()} ${1_234n * 10n ** 8n}`, {
      what: "UNI-V2 back on its own feed, at that feed's newest answer",
    });
    await assertCreditedMatchesHub(net.indexer.url, net.hub, net.accounts.traders[0]!.address);
  });

  test("GraphQL's margin views give the REST answer, also per chain", async () => {
    const trader = net.accounts.traders[0]!;
    const vaultB = net.vaults[1];
    for (const chainId of [null, vaultB.chain.chainId]) {
      const { rest, gql } = await readMarginBothWays(net.indexer.url, trader.address, chainId);
      expect([rest.chainId, gql.positions.length]).toEqual([chainId, 1]);
    }
  });

  test("withdrawal states follow the contracts: requested → approved → released", async () => {
    const trader = net.accounts.traders[0]!;
    const vaultB = net.vaults[1];
    const relayerKey = net.accounts.relayer.privateKey;
    const receipt = await writeAndWait(
      { publicClient: vaultB.publicClient, walletClient: vaultB.walletFor(trader.privateKey) },
      {
        address: vaultB.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [token(vaultB, "USDC"), parseUnits("500", 6)],
      },
    );
    const [requested] = parseEventLogs({
      abi: collateralVaultAbi,
      logs: receipt.logs,
      eventName: "WithdrawalRequested",
    });
    const guid = lowerHex(requested?.args.guid ?? "0x");
    type Withdrawal = { status: string; commandGuid: string | null; settledAmount: string | null };
    const withdrawalOf = () =>
      graphqlQuery<{ withdrawal: Withdrawal | null }>(
        net.indexer.url,
        "query ($g: String!) { withdrawal(requestGuid: $g) { status commandGuid settledAmount } }",
        { g: guid },
      ).then((d) => d.withdrawal);
    await pollUntil(withdrawalOf, (w) => w?.status === "requested", { what: "the request" });

    const request = await getJson<{ packet: Hex }>(`${net.indexer.url}/messages/${guid}`);
    await relayPacket({
      packet: request.body.packet,
      destination: net.hub,
      attesterKeys: net.attesterKeys,
      relayerKey,
    });
    const approved = await pollUntil(withdrawalOf, (w) => w?.status === "approved", { what: "the approval" });
    const command = await getJson<{ packet: Hex; kind: string }>(
      `${net.indexer.url}/messages/${approved?.commandGuid}`,
    );
    expect(command.body.kind).toBe("approve_withdrawal");
    await relayPacket({
      packet: command.body.packet,
      destination: vaultB,
      attesterKeys: net.attesterKeys,
      relayerKey,
    });
    const released = await pollUntil(withdrawalOf, (w) => w?.status === "released", { what: "the release" });
    expect(released?.settledAmount).toBe("500000000");
    const margin = await marginOf(trader.address);
    expect(margin.collaterals.find((c) => c.chainId === vaultB.chain.chainId)).toMatchObject({
      balance: "2000000000",
      pending: "0",
    });
    await assertAggregateMatchesRows(net.indexer.url, trader.address);
  });

  test("a second indexer that backfills the same chains tells the same margin", async () => {
    // 64 blocks on every chain: everything so far is historical for Ponder (30 blocks) and final
    // for the config's depth, so the new indexer's whole sync is a backfill.
    const chains = [net.hub, ...net.vaults];
    await Promise.all(chains.map((chain) => chain.testClient.mine({ blocks: 64 })));
    const heads = await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber()));
    const schema = `${SCHEMA}_b`;
    const second = await startIndexer({
      configPath: net.devnet.manifestPath,
      database: { kind: "postgres", url: database.url },
      schema,
    });
    try {
      const count = async (where: string) => {
        const { stdout } = await promisify(execFile)("psql", [
          database.url,
          "-At",
          "-c",
          `SELECT count(*) FROM "${schema}".${where}`,
        ]);
        return Number(stdout.trim());
      };
      expect(await count("collateral_balance")).toBeGreaterThanOrEqual(3);
      await pollUntil(
        () => getJson<Record<string, { id: number; block: { number: number } }>>(`${second.url}/status`),
        ({ body }) =>
          chains.every((chain, i) =>
            Object.values(body).some(
              (c) => c.id === chain.chain.chainId && BigInt(c.block.number) >= (heads[i] ?? 0n),
            ),
          ),
        { what: "the second indexer at the heads" },
      );
      // Both indexers tell the same margin.
      const trader = net.accounts.traders[0]!.address;
      const marginAt = (url: string) =>
        getJson<MarginAnswer>(`${url}/accounts/${trader}/margin`).then((r) => r.body);
      await pollUntil(
        async () => [await marginAt(net.indexer.url), await marginAt(second.url)] as const,
        ([a, b]) => isDeepStrictEqual(a, b),
        { what: "the same margin from both indexers" },
      );
    } finally {
      await second.stop();
      await dropPostgresSchema(database.url, schema);
    }
  });

  test("REST answers 400 naming the bad parameter, 404 for an unknown guid", async () => {
    const cases: [string, number, string][] = [
      ["/accounts/nope/margin", 400, "address"],
      [`/accounts/0x${"ab".repeat(19)}/margin`, 400, "address"],
      [`/accounts/${net.accounts.traders[0]!.address}/margin?chainId=999`, 400, "chainId"],
      [`/accounts/${net.accounts.traders[0]!.address}/margin?chainId=abc`, 400, "chainId"],
      ["/messages/0x1234", 400, "guid"],
      [`/messages/0x${"00".repeat(32)}`, 404, "guid"],
      ["/routes?chainId=1", 400, "chainId"],
      ["/accounts/at-risk?healthBelow=abc", 400, "healthBelow"],
      ["/accounts/at-risk?healthBelow=-1", 400, "healthBelow"],
      ["/accounts/at-risk?limit=0", 400, "limit"],
      ["/accounts/at-risk?limit=5000", 400, "limit"],
      ["/accounts/at-risk?basis=hub", 400, "basis"],
    ];
    for (const [path, status, parameter] of cases) {
      const answer = await getJson<{ error: string; parameter: string }>(`${net.indexer.url}${path}`);
      expect([path, answer.status, answer.body.parameter]).toEqual([path, status, parameter]);
      expect(answer.body.error.length).toBeGreaterThan(0);
    }
  });
});
