import { execFile } from "node:child_process";
import { isDeepStrictEqual, promisify } from "node:util";
import { type Address, type Hex, parseEventLogs, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { AccountMarginView } from "../../indexer/lib/api/accountMarginView.js";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import { dropPostgresSchema, startIndexer } from "../../scripts/devnet/startIndexer.js";
import { collateralVaultAbi, mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { assertAggregateMatchesRows, assertCreditedMatchesHub } from "../kit/assertMargins.js";
import { tokenAddress } from "../kit/chainClients.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { getJson, graphqlQuery, readMarginBothWays } from "../kit/indexerApi.js";
import { MARGIN_QUERY } from "../kit/marginQuery.js";
import { pollUntil } from "../kit/pollUntil.js";
import { relayPacket } from "../kit/relayPacket.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 22545–22547. Postgres: trust auth on 127.0.0.1:5432, database `test`.
const BASE_PORT = 22545;
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
const SCHEMA = `cm_pg_${process.pid}_${Date.now() % 100_000}`;
const WAD = 10n ** 18n;
const usd = (dollars: bigint) => dollars * WAD;

let net: IndexedDevnet;
let failed = false;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, postgresUrl: POSTGRES_URL, schema: SCHEMA });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

const token = tokenAddress;
const marginOf = (account: Address) =>
  getJson<AccountMarginView>(`${net.indexer.url}/accounts/${account}/margin`).then((r) => r.body);
const onHub = (key: Hex) => ({ publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(key) });

describe("indexer on Postgres against the devnet", () => {
  test("the tables live in this run's Postgres schema", async () => {
    const { stdout } = await promisify(execFile)("psql", [
      POSTGRES_URL,
      "-At",
      "-c",
      `SELECT count(*) FROM information_schema.tables WHERE table_schema = '${SCHEMA}' AND table_name IN ('collateral_balance', 'account_margin', 'relay_message', 'withdrawal')`,
    ]);
    expect(stdout.trim()).toBe("4");
  });

  test("once the backfill has ended, the indexer has vacuumed and analyzed its tables (and says so)", async () => {
    // last_vacuum and last_analyze record only a VACUUM or ANALYZE command, never autovacuum's.
    const { stdout } = await pollUntil(
      () =>
        promisify(execFile)("psql", [
          POSTGRES_URL,
          "-At",
          "-c",
          `SELECT relname FROM pg_stat_user_tables WHERE schemaname = '${SCHEMA}' AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL AND relname IN ('collateral_balance', 'account_margin', '_ponder_meta') ORDER BY relname`,
        ]),
      (result) => result.stdout.trim().split("\n").length === 3,
      { timeoutMs: 30_000, what: "the indexer's VACUUM (ANALYZE) after the backfill" },
    );
    expect(stdout.trim().split("\n")).toEqual(["_ponder_meta", "account_margin", "collateral_balance"]);
    expect(net.indexer.logs()).toContain("Vacuumed and analyzed the indexer's tables after the backfill");
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

    const rest = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.chainCount === 3,
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

    const gql = await graphqlQuery<{ accountMargin: { collateralUsd: string; chainCount: number } }>(
      net.indexer.url,
      "query ($a: String!) { accountMargin(account: $a) { collateralUsd chainCount } }",
      { a: trader.address.toLowerCase() },
    );
    expect(gql.accountMargin).toEqual({ collateralUsd: rest.totals.collateralUsd, chainCount: 3 });
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
      address: net.hub.chain.contracts.perpMarket ?? "0x",
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
    expect(BigInt(before.totals.collateralUsd) - BigInt(after.totals.collateralUsd)).toBe(usd(3_000n));
    expect(BigInt(after.health.healthFactor)).toBeLessThan(BigInt(before.health.healthFactor));
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader.address);
  });

  test("GraphQL margin(account:) is the REST answer, also per chain; bad arguments name the parameter", async () => {
    const trader = net.accounts.traders[0]!;
    const vaultB = net.vaults[1];
    for (const chainId of [null, vaultB.chain.chainId]) {
      const { rest, gql } = await readMarginBothWays(net.indexer.url, trader.address, chainId);
      expect([rest.chainId, gql.positions.length]).toEqual([chainId, 1]);
    }
    // Both were answered ahead of Ponder's Hono stack (indexer/lib/api/nodeRoutes.ts).
    expect(net.indexer.logs()).toContain('"msg":"Serving routes ahead of Hono"');
    const bad = async (variables: Record<string, unknown>) => {
      const response = await fetch(`${net.indexer.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: MARGIN_QUERY, variables }),
      });
      const body = (await response.json()) as {
        errors: { message: string; extensions: { parameter: string } }[];
      };
      return [response.status, body.errors[0]?.extensions.parameter, body.errors[0]?.message];
    };
    expect(await bad({ account: "nope" })).toEqual([
      200,
      "account",
      expect.stringContaining("expected an address"),
    ]);
    expect(await bad({ account: trader.address, chainId: 999 })).toEqual([
      200,
      "chainId",
      expect.stringContaining("unknown chain"),
    ]);
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

  test("a second indexer backfills the same chains: its rows are final as written, none rewritten to mark them", async () => {
    // 64 blocks on every chain: everything so far is historical for Ponder (30 blocks) and final
    // for the config's depth, so the new indexer's whole sync is a backfill.
    const chains = [net.hub, ...net.vaults];
    await Promise.all(chains.map((chain) => chain.testClient.mine({ blocks: 64 })));
    const heads = await Promise.all(chains.map((chain) => chain.publicClient.getBlockNumber()));
    const schema = `${SCHEMA}_b`;
    const second = await startIndexer({
      configPath: net.devnet.manifestPath,
      database: { kind: "postgres", url: POSTGRES_URL },
      schema,
    });
    try {
      const count = async (where: string) => {
        const { stdout } = await promisify(execFile)("psql", [
          POSTGRES_URL,
          "-At",
          "-c",
          `SELECT count(*) FROM "${schema}".${where}`,
        ]);
        return Number(stdout.trim());
      };
      expect(await count("collateral_balance")).toBeGreaterThanOrEqual(3);
      // Right at /ready, before any live Finality block could mark them.
      expect(await count("collateral_balance WHERE NOT final")).toBe(0);
      expect(await count("relay_message WHERE source_block IS NOT NULL AND NOT source_final")).toBe(0);
      // The first live Finality block found nothing to mark: Ponder's reorg table, which records
      // every live write, holds no row of collateral_balance (the old rewrite put every row there).
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
      expect(await count("_reorg__collateral_balance")).toBe(0);
      // Both indexers tell the same margin (the first once its Finality handler saw the new blocks).
      // Not `lastChange`: chains are indexed independently, so which chain's event came last differs.
      const trader = net.accounts.traders[0]!.address;
      const marginAt = (url: string) =>
        getJson<AccountMarginView>(`${url}/accounts/${trader}/margin`).then((r) => ({
          ...r.body,
          lastChange: null,
        }));
      await pollUntil(
        async () => [await marginAt(net.indexer.url), await marginAt(second.url)] as const,
        ([a, b]) => isDeepStrictEqual(a, b),
        { what: "the same margin from both indexers" },
      );
    } finally {
      await second.stop();
      await dropPostgresSchema(POSTGRES_URL, schema);
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
    ];
    for (const [path, status, parameter] of cases) {
      const answer = await getJson<{ error: string; parameter: string }>(`${net.indexer.url}${path}`);
      expect([path, answer.status, answer.body.parameter]).toEqual([path, status, parameter]);
      expect(answer.body.error.length).toBeGreaterThan(0);
    }
  });
});
