import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePostgres } from "drizzle-orm/node-postgres";
import { getTableConfig, type PgTable } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  accountMargin,
  collateral,
  collateralBalance,
  hubCredit,
  indexerState,
  perpMarket,
  position,
  price,
  withdrawal,
} from "../../ponder.schema.js";
import { createMarginReader } from "./createMarginReader.js";
import { accountSlots } from "./readAccountMarginRows.js";

/*
 * The margin reader on real databases (PGlite, and Postgres at 127.0.0.1:5432 in a schema of its
 * own): calls made in the same turn are read by one statement, and each gets exactly the answer
 * it gets alone.
 */

const TABLES: PgTable[] = [
  indexerState,
  collateral,
  price,
  perpMarket,
  accountMargin,
  collateralBalance,
  hubCredit,
  position,
  withdrawal,
];
const TOKEN: Address = "0x00000000000000000000000000000000000000aa";
const FEED: Address = "0x00000000000000000000000000000000000000fe";
const CHAIN = 31338;
const A: Address = "0x000000000000000000000000000000000000000a";
const B: Address = "0x000000000000000000000000000000000000000b";
const C: Address = "0x000000000000000000000000000000000000000c";
const NOBODY: Address = "0x00000000000000000000000000000000000000ff";
const CHAIN_NAMES = new Map([[CHAIN, "vault-a"]]);

/** `CREATE TABLE` from the Ponder table's own columns (what the statement reads needs no index). */
function createTableSql(table: PgTable): string {
  const { name, columns } = getTableConfig(table);
  const definitions = columns.map((c) => `"${c.name}" ${c.getSQLType()}${c.notNull ? " NOT NULL" : ""}`);
  return `CREATE TABLE "${name}" (${definitions.join(", ")});`;
}

type Db = ReturnType<typeof drizzlePglite> | ReturnType<typeof drizzlePostgres>;

async function seed(db: Db): Promise<void> {
  const e18 = 10n ** 18n;
  await db.insert(indexerState).values({ id: 0, riskStamp: "s-1", heldKeys: "", marginErrors: false });
  await db.insert(collateral).values({
    chainId: CHAIN,
    token: TOKEN,
    symbol: "USDC",
    feed: FEED,
    feedDecimals: 8,
    heartbeat: 3600,
    tokenDecimals: 18,
    haircutBps: 1_000,
    liquidationThresholdBps: 9_500,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    registeredBlock: 1n,
    registeredLogIndex: 0,
  });
  await db.insert(price).values({
    feed: FEED,
    answer: 100_000_000n,
    decimals: 8,
    roundId: 1n,
    updatedAt: 1n,
    blockNumber: 1n,
    timestamp: 1n,
    source: "event",
  });
  for (const [i, account] of ([A, B, C] as const).entries()) {
    const balance = BigInt(i + 1) * 100n * e18;
    await db.insert(collateralBalance).values({
      account,
      chainId: CHAIN,
      token: TOKEN,
      vault: "0x0000000000000000000000000000000000000001",
      balance,
      pending: 0n,
      seq: 1n,
      inboundNonce: 0n,
      sourceBlock: 10n + BigInt(i),
      sourceTimestamp: 1_000n,
      sourceTxHash: `0x${"11".repeat(32)}`,
      final: i === 0,
    });
  }
  await db.insert(withdrawal).values({
    requestGuid: `0x${"22".repeat(32)}`,
    chainId: CHAIN,
    account: B,
    token: TOKEN,
    amount: 5n * e18,
    status: "requested",
    requestBlock: 12n,
    requestTimestamp: 1_001n,
  });
}

function describeOn(kind: string, open: () => Promise<{ db: Db; close: () => Promise<void> }>) {
  describe(`createMarginReader on ${kind}`, () => {
    let db: Db;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ db, close } = await open());
      await seed(db);
    });

    afterAll(async () => {
      await close?.();
    });

    test("calls in the same turn are read by one statement, and each gets its own answer", async () => {
      const batches: number[] = [];
      const reader = createMarginReader(db, CHAIN_NAMES, { onBatch: (n) => batches.push(n) });
      const together = await Promise.all([
        reader({ account: A }),
        reader({ account: B }),
        reader({ account: C, chainId: CHAIN }),
        reader({ account: B }),
        reader({ account: NOBODY }),
      ]);
      expect(batches).toEqual([5]);
      const alone = [];
      for (const call of [{ account: A }, { account: B }, { account: C, chainId: CHAIN }, { account: B }])
        alone.push(await reader(call));
      alone.push(await reader({ account: NOBODY }));
      expect(batches).toEqual([5, 1, 1, 1, 1, 1]);
      expect(together).toEqual(alone);
      // Each answer is its own account's: balances 100, 200, 300; B's withdrawal is B's alone.
      expect(together.map((view) => view.account)).toEqual([A, B, C, B, NOBODY]);
      expect(together.map((view) => view.collaterals.map((line) => line.balance))).toEqual([
        ["100000000000000000000"],
        ["200000000000000000000"],
        ["300000000000000000000"],
        ["200000000000000000000"],
        [],
      ]);
      expect(together.map((view) => view.pendingWithdrawals.length)).toEqual([0, 1, 0, 1, 0]);
    });

    test("a batch is cut at maxBatchSize", async () => {
      const batches: number[] = [];
      const reader = createMarginReader(db, CHAIN_NAMES, {
        maxBatchSize: 2,
        onBatch: (n) => batches.push(n),
      });
      await Promise.all([A, B, C].map((account) => reader({ account })));
      expect(batches).toEqual([2, 1]);
    });

    test("an account that is not a lowercase address fails its batch with the value named", async () => {
      const reader = createMarginReader(db, CHAIN_NAMES);
      const calls = [reader({ account: A }), reader({ account: "0xABC" as Address })];
      for (const call of calls)
        await expect(call).rejects.toThrow(/accounts: expected lowercase 0x addresses, got "0xABC"/);
      // The reader goes on serving.
      expect((await reader({ account: A })).account).toBe(A);
    });
  });
}

describeOn("PGlite", async () => {
  const client = new PGlite();
  await client.exec(TABLES.map(createTableSql).join("\n"));
  return { db: drizzlePglite(client), close: () => client.close() };
});

/** A node-postgres pool (as Ponder's API has) whose connections see only a schema of their own. */
async function openPostgres(maxConnections: number): Promise<{ db: Db; close: () => Promise<void> }> {
  const schema = `margin_reader_${process.pid}_${Date.now()}_${maxConnections}`;
  const connectionString = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
  const db = drizzlePostgres({
    connection: { connectionString, options: `-c search_path=${schema}`, max: maxConnections },
  });
  await db.execute(sql.raw(`CREATE SCHEMA "${schema}"; ${TABLES.map(createTableSql).join("\n")}`));
  return {
    db,
    close: async () => {
      await db.execute(sql.raw(`DROP SCHEMA "${schema}" CASCADE`));
      // The node-postgres Pool drizzle made.
      await db.$client.end();
    },
  };
}

describeOn("Postgres", () => openPostgres(4));

test("a statement has a power of two of account slots, the fewest that hold the batch", () => {
  expect([1, 2, 3, 4, 5, 8, 9, 33, 64, 65].map(accountSlots)).toEqual([1, 2, 4, 4, 8, 8, 16, 64, 64, 128]);
});

describe("createMarginReader on Postgres: planning", () => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    // One connection, so that its prepared statements can be looked at from the test.
    ({ db, close } = await openPostgres(1));
    await seed(db);
  });

  afterAll(async () => {
    await close?.();
  });

  test("each statement is planned for its first executions only, then runs a generic plan", async () => {
    const reader = createMarginReader(db, CHAIN_NAMES);
    // Ten batches of 1 and ten of 3 (the 3 are read by the statement with 4 slots).
    for (let i = 0; i < 10; i++) {
      await reader({ account: A });
      await Promise.all([A, B, C].map((account) => reader({ account })));
    }
    const prepared = await db.execute(
      sql.raw(`SELECT name, generic_plans::int AS generic, custom_plans::int AS custom
        FROM pg_prepared_statements WHERE name LIKE 'crossmargin_account_margins%' ORDER BY name`),
    );
    // Postgres tries 5 custom plans, then keeps the generic plan when it costs no more.
    expect(prepared.rows).toEqual([
      { name: "crossmargin_account_margins_1", generic: 5, custom: 5 },
      { name: "crossmargin_account_margins_4", generic: 5, custom: 5 },
    ]);
  });
});
