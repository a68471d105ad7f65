import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, parseUnits, toHex } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { SolvencyProofAnswer, SolvencyRootAnswer } from "../../indexer/lib/api/solvencyView.js";
import { collateralVaultAbi, mockPriceFeedAbi } from "../../shared/abis/generated.js";
import { EMPTY_ROOT_HASH } from "../../shared/solvency/sumTreeHash.js";
import { approveVault } from "../kit/approveVault.js";
import { tokenAddress } from "../kit/chainClients.js";
import { type CreateDatabaseReturnType, createDatabase } from "../kit/createDatabase.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { depositForMany } from "../kit/depositForMany.js";
import { deriveAccount } from "../kit/deriveAccount.js";
import { hubCollateralValues } from "../kit/hubCollateralValues.js";
import { getJson } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { runCli } from "../kit/runCli.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { waitForIndexedHeads } from "../kit/waitForIndexedHeads.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 16545–16547 (PGlite) and 16550–16552 (Postgres). Postgres: trust auth on
// 127.0.0.1:5432 (`$TEST_DATABASE_URL`), where the suite creates its own database.
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
// Accounts funded by trader 0 and credited in one batch, twice (the second batch updates each
// credit). With the three traders: 27 leaves, an odd node carried up at several levels.
const MANY = 24;
const many = Array.from({ length: MANY }, (_, i) =>
  deriveAccount(toHex(`solvency-${process.pid}`, { size: 32 }), BigInt(i)),
);

describe.each([
  { name: "PGlite", postgres: false, basePort: 16545 },
  { name: "Postgres", postgres: true, basePort: 16550 },
])("solvency report on $name against the devnet", ({ postgres, basePort }) => {
  let net: IndexedDevnet;
  let dir: string;
  let failed = false;
  let database: CreateDatabaseReturnType | undefined;

  beforeAll(async () => {
    const schema = `cm_solvency_${process.pid}`;
    if (postgres) database = await createDatabase({ adminUrl: ADMIN_URL, name: schema });
    net = await startIndexedDevnet({
      basePort,
      schema,
      ...(database === undefined ? {} : { postgresUrl: database.url }),
    });
    dir = mkdtempSync(join(tmpdir(), "crossmargin-solvency-"));
  });

  afterEach((context) => {
    if (context.task.result?.state === "fail") failed = true;
  });

  afterAll(async () => {
    if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
    await net?.stop();
    await database?.drop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Deposits 10 + i USDC on vault A for each of `many` and credits them (and `others`) in one batch. */
  async function fundAndCreditMany(others: Address[]) {
    const [vaultA] = net.vaults;
    const payer = net.accounts.traders[0]!.privateKey;
    const token = tokenAddress(vaultA, "USDC");
    await depositForMany(vaultA, {
      payers: [payer],
      deposits: many.map((account, i) => ({
        chainId: vaultA.chain.chainId,
        account,
        token,
        amount: parseUnits(String(10 + i), 6),
      })),
    });
    await creditHub({
      vaultChain: vaultA,
      hubChain: net.hub,
      entries: [...others, ...many].map((account) => ({ account, token })),
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
  }

  const root = () => getJson<SolvencyRootAnswer>(`${net.indexer.url}/solvency`);
  const proofOf = (account: string) => getJson<SolvencyProofAnswer>(`${net.indexer.url}/solvency/${account}`);

  /** The report once every chain is indexed to its head, with the hub's own figures read at its block. */
  async function reportAtHead() {
    const heads = await waitForIndexedHeads({
      indexerUrl: net.indexer.url,
      chains: [net.hub, ...net.vaults],
    });
    const head = heads.get(net.hub.chain.chainId) ?? 0n;
    const { body } = await pollUntil(root, (r) => r.status === 200 && BigInt(r.body.block.number) >= head, {
      what: `the solvency report at hub block ${head}`,
    });
    return { report: body, hub: await hubCollateralValues(net.hub, BigInt(body.block.number)) };
  }

  /** The report's total is Σ collateralValue at its block, and its leaves are the accounts with a credit. */
  async function expectReportMatchesHub() {
    const { report, hub } = await reportAtHead();
    const total = [...hub.values()].reduce((sum, value) => sum + value, 0n);
    expect(report.total).toBe(total.toString());
    const block = await net.hub.publicClient.getBlock({ blockNumber: BigInt(report.block.number) });
    expect(report.block.hash).toBe(block.hash);
    return { report, hub };
  }

  test("before any credit: an empty tree, 404 for an account, 400 for a bad address", async () => {
    const { report, hub } = await expectReportMatchesHub();
    expect(hub.size).toBe(0);
    expect(report).toMatchObject({
      root: EMPTY_ROOT_HASH,
      total: "0",
      leafCount: 0,
      chainId: net.hub.chain.chainId,
    });
    const trader = net.accounts.traders[0]!.address;
    const missing = await proofOf(trader);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: `account ${trader.toLowerCase()} has no hub credit at block ${report.block.number}: it is not in the solvency tree`,
      parameter: "address",
    });
    const bad = await proofOf("nope");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'expected an address (0x + 40 hex digits, valid EIP-55 checksum if mixed case), got "nope"',
      parameter: "address",
    });
  });

  test("credits on three chains: the total is Σ hub.collateralValue at the block and every proof verifies with the CLI", async () => {
    const [vaultA, vaultB] = net.vaults;
    const [t0, t1, t2] = net.accounts.traders;
    const relayerKey = net.accounts.relayer.privateKey;
    const credit = (chain: typeof vaultA, entries: { account: Address; token: Address }[]) =>
      creditHub({
        vaultChain: chain,
        hubChain: net.hub,
        entries,
        attesterKeys: net.attesterKeys,
        relayerKey,
      });
    // Traders on all three chains; MANY more accounts funded by trader 0 on vault A.
    await depositCollateral(vaultA, {
      key: t0!.privateKey,
      token: tokenAddress(vaultA, "USDC"),
      amount: parseUnits("2500", 6),
    });
    await depositCollateral(vaultB, {
      key: t0!.privateKey,
      token: tokenAddress(vaultB, "wstETH"),
      amount: parseUnits("1.5", 18),
    });
    await depositCollateral(vaultB, {
      key: t1!.privateKey,
      token: tokenAddress(vaultB, "wstETH"),
      amount: parseUnits("0.25", 18),
    });
    await depositCollateral(net.hub, {
      key: t2!.privateKey,
      token: tokenAddress(net.hub, "sUSDe"),
      amount: parseUnits("777", 18),
    });
    await approveVault(vaultA, { payers: [t0!.privateKey], symbols: ["USDC"] });
    await fundAndCreditMany([t0!.address]);
    await credit(
      vaultB,
      [t0!, t1!].map((t) => ({ account: t.address, token: tokenAddress(vaultB, "wstETH") })),
    );
    await credit(net.hub, [{ account: t2!.address, token: tokenAddress(net.hub, "sUSDe") }]);

    const { report, hub } = await expectReportMatchesHub();
    const accounts = [t0!.address, t1!.address, t2!.address, ...many].map((a) => a.toLowerCase() as Address);
    expect(report.leafCount).toBe(accounts.length);
    expect([...hub.keys()].sort()).toEqual([...accounts].sort());
    expect([...hub.values()].every((value) => value > 0n)).toBe(true);

    for (const account of accounts) {
      const { status, body } = await proofOf(account);
      expect(status).toBe(200);
      // The proof is at the report's block, names the account's own value and nothing of the others'.
      expect(body).toMatchObject({
        account,
        value: hub.get(account)!.toString(),
        root: report.root,
        total: report.total,
      });
      expect(body.block).toEqual(report.block);
      expect(body.siblings.length).toBeLessThanOrEqual(Math.ceil(Math.log2(accounts.length)));
    }
    // The CLI as an auditor runs it: fetched from the API (three accounts) and from a saved file.
    for (const account of [t0!.address, t2!.address, many[MANY - 1]!]) {
      const run = await runCli([
        "verify-solvency",
        "--api",
        net.indexer.url,
        "--address",
        account,
        "--root",
        report.root,
        "--total",
        report.total,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`valid: ${account.toLowerCase()} is included`);
      expect(run.stdout).toContain(`at hub block ${report.block.number}`);
    }
    const saved = join(dir, "t1.json");
    const t1Proof = (await proofOf(t1!.address)).body;
    writeFileSync(saved, JSON.stringify(t1Proof));
    expect((await runCli(["verify-solvency", saved, "--root", report.root])).code).toBe(0);
    // The same proof with one sibling sum lowered (hiding value from the total) fails.
    const tampered = join(dir, "t1-tampered.json");
    const [first, ...rest] = t1Proof.siblings;
    writeFileSync(
      tampered,
      JSON.stringify({ ...t1Proof, siblings: [{ ...first!, sum: `${BigInt(first!.sum) - 1n}` }, ...rest] }),
    );
    const refused = await runCli(["verify-solvency", tampered, "--root", report.root]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("invalid: ");
  });

  test("a withdrawal request, new credits and a price move: the credits (not the vault balances) at the new price, Σ hub.collateralValue", async () => {
    const before = (await root()).body;
    await fundAndCreditMany([]);
    const [, vaultB] = net.vaults;
    const t1 = net.accounts.traders[1]!;
    // The vault balance drops now; the hub credit stays until the hub decides (nothing relays here).
    await writeAndWait(
      { publicClient: vaultB.publicClient, walletClient: vaultB.walletFor(t1.privateKey) },
      {
        address: vaultB.chain.contracts.vault,
        abi: collateralVaultAbi,
        functionName: "requestWithdrawal",
        args: [tokenAddress(vaultB, "wstETH"), parseUnits("0.2", 18)],
      },
    );
    await writeAndWait(
      {
        publicClient: net.hub.publicClient,
        walletClient: net.hub.walletFor(net.accounts.deployer.privateKey),
      },
      {
        address: net.devnet.manifest.devnet.feeds.wstETH ?? "0x",
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [1_234n * 10n ** 8n],
      },
    );
    const { report, hub } = await expectReportMatchesHub();
    expect(BigInt(report.block.number)).toBeGreaterThan(BigInt(before.block.number));
    expect(report.total).not.toBe(before.total);
    expect(report.root).not.toBe(before.root);
    expect(report.leafCount).toBe(before.leafCount);
    const proof = (await proofOf(t1.address)).body;
    expect(proof.value).toBe(hub.get(t1.address.toLowerCase() as Address)?.toString());
    const run = await runCli([
      "verify-solvency",
      "--api",
      net.indexer.url,
      "--address",
      t1.address,
      "--root",
      report.root,
    ]);
    expect(run.code, run.stderr).toBe(0);
  });
});
