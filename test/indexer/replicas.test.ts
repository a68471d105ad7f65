import { execFile } from "node:child_process";
import { isDeepStrictEqual, promisify } from "node:util";
import { type Address, type Hex, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MarginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import { type StartIndexerReturnType, startIndexer } from "../../scripts/devnet/startIndexer.js";
import { mockPriceFeedAbi, perpMarketAbi } from "../../shared/abis/generated.js";
import { tokenAddress } from "../kit/chainClients.js";
import { type CreateDatabaseReturnType, createDatabase } from "../kit/createDatabase.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { getJson, graphqlQuery } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { readAccountRows } from "../kit/readAccountRows.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 32545–32547. Postgres: trust auth on 127.0.0.1:5432 (`$TEST_DATABASE_URL`), where the file creates its own database.
const BASE_PORT = 32_545;
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
/** This file's own database (see `createDatabase`: Ponder's log store is keyed by chain id, which devnets reuse). */
let database: CreateDatabaseReturnType;
const SCHEMA = `cm_rep_${process.pid}_${Date.now() % 100_000}`;
const VIEWS = `${SCHEMA}_views`;
const WAD = 10n ** 18n;

let net: IndexedDevnet;
let replicas: StartIndexerReturnType[] = [];
let failed = false;

// One writer (`ponder start --views-schema`) and two `ponder serve` replicas of its views schema.
beforeAll(async () => {
  database = await createDatabase({ adminUrl: ADMIN_URL, name: `cm_rep_${process.pid}` });
  net = await startIndexedDevnet({
    basePort: BASE_PORT,
    postgresUrl: database.url,
    schema: SCHEMA,
    viewsSchema: VIEWS,
  });
  const started = await Promise.allSettled(
    [0, 1].map(() =>
      startIndexer({
        command: "serve",
        configPath: net.devnet.manifestPath,
        database: { kind: "postgres", url: database.url },
        schema: VIEWS,
      }),
    ),
  );
  replicas = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const rejected = started.find((s) => s.status === "rejected");
  if (rejected !== undefined) throw rejected.reason;
}, 240_000);

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) {
    console.error(`writer logs:\n${net.indexer.logs().slice(-20_000)}`);
    for (const replica of replicas) console.error(`replica logs:\n${replica.logs().slice(-5_000)}`);
  }
  await Promise.all(replicas.map((replica) => replica.stop()));
  await net?.stop();
  await database?.drop();
});

const psql = async (query: string) => {
  const { stdout } = await promisify(execFile)("psql", [database.url, "-At", "-c", query]);
  return stdout.trim().split("\n").filter(Boolean);
};

const ACCOUNT_QUERY = `query ($a: String!) {
  accountMargins(where: { account: $a }) { items { account collateralUsd adjustedUsd liquidationUsd initialUsd maintenanceUsd healthFactor healthy liquidatable creditedCollateralUsd creditedHealthFactor uncreditedUsd chainCount computable } }
  collateralBalances(where: { account: $a }, orderBy: "chainId") { items { chainId token balance pending seq sourceBlock } }
  prices(orderBy: "feed") { items { feed answer roundId blockNumber } }
}`;

type AtRisk = { accounts: { account: Hex; healthFactor: string }[] };

/** Everything the test compares, read from one server: REST, GraphQL, SQL over HTTP and /status. */
async function readAll(url: string, account: Address) {
  return {
    margin: (await getJson<MarginAnswer>(`${url}/accounts/${account}/margin`)).body,
    atRisk: (await getJson<AtRisk>(`${url}/accounts/at-risk?healthBelow=1000`)).body,
    graphql: await graphqlQuery<unknown>(url, ACCOUNT_QUERY, { a: account.toLowerCase() }),
    sql: await readAccountRows(url, account),
    status: (await getJson<unknown>(`${url}/status`)).body,
  };
}

/**
 * Reads the writer and both replicas until `done` accepts the writer's answers and the replicas
 * give the same (they read its tables through the views; `/sql` caches until Ponder notifies).
 */
async function sameEverywhere(
  account: Address,
  done: (answers: Awaited<ReturnType<typeof readAll>>) => boolean,
) {
  const urls = [net.indexer.url, ...replicas.map((replica) => replica.url)];
  const [writer, ...rest] = await pollUntil(
    () => Promise.all(urls.map((url) => readAll(url, account))),
    ([first, ...others]) =>
      first !== undefined && done(first) && others.every((answer) => isDeepStrictEqual(answer, first)),
    { what: "the writer's answers, and the same from both replicas" },
  );
  if (writer === undefined || rest.length !== 2) throw new Error("expected a writer and two replicas");
  return writer;
}

describe("ponder serve replicas on the writer's views schema", () => {
  test("the writer publishes a view of every table and margin view in the views schema", async () => {
    const ponderNames = `SELECT table_name FROM information_schema.tables WHERE table_schema = '${SCHEMA}' AND table_name NOT LIKE '\\_reorg\\_\\_%' ORDER BY 1`;
    const published = `SELECT table_name FROM information_schema.views WHERE table_schema = '${VIEWS}' ORDER BY 1`;
    const names = await psql(ponderNames);
    expect(names).toEqual(expect.arrayContaining(["account_margin", "collateral_line", "requirement_line"]));
    expect(await psql(published)).toEqual(names);
  });

  test("a replica is Ponder's HTTP server alone: ready on the writer's progress, without a sync of its own", async () => {
    const metrics = (url: string) => fetch(`${url}/metrics`).then((r) => r.text());
    const writer = await metrics(net.indexer.url);
    expect(writer).toMatch(/^ponder_settings_info\{.*command="start".*\} 1$/m);
    expect(writer).toMatch(/^ponder_sync_is_realtime\{chain=".+"\} 1$/m);
    for (const replica of replicas) {
      expect((await fetch(`${replica.url}/ready`)).status).toBe(200);
      const text = await metrics(replica.url);
      expect(text).toMatch(/^ponder_settings_info\{.*command="serve".*\} 1$/m);
      // The gauge is declared but never set: no chain is synced here.
      expect(text).not.toMatch(/^ponder_sync_is_realtime\{/m);
    }
  });

  test("deposits, hub credits and a position: the writer and both replicas answer the same", async () => {
    const trader = net.accounts.traders[0]!;
    const [vaultA] = net.vaults;
    const deposits = [
      [vaultA, "wstETH", parseUnits("1", 18)],
      [net.hub, "UNI-V2", parseUnits("3", 18)],
    ] as const;
    for (const [chain, symbol, amount] of deposits) {
      await depositCollateral(chain, { key: trader.privateKey, token: tokenAddress(chain, symbol), amount });
      await creditHub({
        vaultChain: chain,
        hubChain: net.hub,
        entries: [{ account: trader.address, token: tokenAddress(chain, symbol) }],
        attesterKeys: net.attesterKeys,
        relayerKey: net.accounts.relayer.privateKey,
      });
    }
    await writeAndWait(
      { publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(trader.privateKey) },
      {
        address: net.hub.chain.contracts.perpMarkets[0] ?? "0x",
        abi: perpMarketAbi,
        functionName: "openPosition",
        args: [-3n * WAD],
      },
    );
    const writer = await sameEverywhere(
      trader.address,
      (a) =>
        a.margin.chainCount === 2 && a.margin.totals.uncreditedUsd === "0" && a.margin.positions.length === 1,
    );
    expect(writer.sql.balances).toHaveLength(2);
    expect(writer.sql.stored?.creditedCollateralUsd).toBe(writer.sql.stored?.collateralUsd);
  });

  test("a price move: the replicas' margin, at-risk list and /sql follow the writer", async () => {
    const trader = net.accounts.traders[0]!;
    const before = (await getJson<MarginAnswer>(`${net.indexer.url}/accounts/${trader.address}/margin`)).body;
    await writeAndWait(
      {
        publicClient: net.hub.publicClient,
        walletClient: net.hub.walletFor(net.accounts.deployer.privateKey),
      },
      {
        address: net.devnet.manifest.devnet.feeds["UNI-V2"] ?? "0x",
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [1_000n * 10n ** 8n],
      },
    );
    const writer = await sameEverywhere(
      trader.address,
      (a) => a.margin.totals.collateralUsd !== before.totals.collateralUsd,
    );
    // 3 UNI-V2 lose $1 000 each; the trader's health is far below 1000, so it is listed.
    expect(
      BigInt(String(before.totals.collateralUsd)) - BigInt(String(writer.margin.totals.collateralUsd)),
    ).toBe(3_000n * WAD);
    expect(writer.atRisk.accounts.map((a) => [a.account, a.healthFactor])).toContainEqual([
      trader.address.toLowerCase(),
      writer.margin.health.creditedHealthFactor,
    ]);
  });
});
