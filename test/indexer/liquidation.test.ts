import { type Address, type Hex, parseEventLogs, parseUnits } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { MarginAnswer } from "../../indexer/lib/api/marginAnswer.js";
import { lowerHex } from "../../indexer/lib/indexerConfig.js";
import {
  collateralVaultAbi,
  marginHubAbi,
  mockErc20Abi,
  mockPriceFeedAbi,
  perpMarketAbi,
} from "../../shared/abis/generated.js";
import { assertCreditedMatchesHub } from "../kit/assertMargins.js";
import { creditHub } from "../kit/creditHub.js";
import { depositCollateral } from "../kit/depositCollateral.js";
import { getJson, graphqlQuery } from "../kit/indexerApi.js";
import { pollUntil } from "../kit/pollUntil.js";
import { relayPacket } from "../kit/relayPacket.js";
import { type IndexedDevnet, startIndexedDevnet } from "../kit/startIndexedDevnet.js";
import { writeAndWait } from "../kit/writeAndWait.js";

// Ports of this file only: 24545–24547. PGlite in a temp directory.
const BASE_PORT = 24545;
const WAD = 10n ** 18n;

let net: IndexedDevnet;
let failed = false;

beforeAll(async () => {
  net = await startIndexedDevnet({ basePort: BASE_PORT, schema: `cm_liq_${process.pid}` });
});

afterEach((context) => {
  if (context.task.result?.state === "fail") failed = true;
});

afterAll(async () => {
  if (failed && net !== undefined) console.error(`ponder logs:\n${net.indexer.logs().slice(-20_000)}`);
  await net?.stop();
});

const marginOf = (account: Address) =>
  getJson<MarginAnswer>(`${net.indexer.url}/accounts/${account}/margin`).then((r) => r.body);
const onHub = (key: Hex) => ({ publicClient: net.hub.publicClient, walletClient: net.hub.walletFor(key) });

type Seizure = {
  guid: string;
  status: string;
  amount: string | null;
  appliedAmount: string | null;
  chainId: number;
};

describe("liquidation on the devnet, indexed on PGlite", () => {
  test("an unhealthy account is flagged, liquidated, and its seizure followed from the hub's order to the vault", async () => {
    const trader = net.accounts.traders[2]!;
    const vaultA = net.vaults[0];
    const usdc = vaultA.chain.tokens.USDC?.address ?? "0x";
    const relayerKey = net.accounts.relayer.privateKey;
    await depositCollateral(vaultA, { key: trader.privateKey, token: usdc, amount: parseUnits("1000", 6) });
    const entries = [{ account: trader.address, token: usdc }];
    await creditHub({
      vaultChain: vaultA,
      hubChain: net.hub,
      entries,
      attesterKeys: net.attesterKeys,
      relayerKey,
    });
    const perp = net.hub.chain.contracts.perpMarkets[0] ?? "0x";
    await writeAndWait(onHub(trader.privateKey), {
      address: perp,
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [2n * WAD],
    });
    await pollUntil(
      () => marginOf(trader.address),
      (m) => m.totals.maintenanceUsd !== "0",
      { what: "the position" },
    );

    // ETH from $3 000 to $2 600: a $800 loss on 2 ETH, maintenance $260 + $800 > $990 of USDC.
    await writeAndWait(onHub(net.accounts.deployer.privateKey), {
      address: net.devnet.manifest.devnet.perpFeed,
      abi: mockPriceFeedAbi,
      functionName: "setAnswer",
      args: [2_600n * 10n ** 8n],
    });
    const unhealthy = await pollUntil(
      () => marginOf(trader.address),
      (m) => m.health.liquidatable,
      {
        what: "the account to turn liquidatable",
      },
    );
    expect(unhealthy.totals.maintenanceUsd).toBe((1_060n * WAD).toString());
    expect(BigInt(String(unhealthy.health.healthFactor))).toBeLessThan(WAD);
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader.address);

    const liquidator = net.accounts.liquidator;
    const receipt = await writeAndWait(onHub(liquidator.privateKey), {
      address: net.hub.chain.contracts.hub ?? "0x",
      abi: marginHubAbi,
      functionName: "liquidate",
      args: [trader.address],
    });
    // What is owed goes to the market's settlement address, the bonus to the liquidator: two SEIZEs.
    const orders = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "SeizeOrdered" });
    expect(orders.map((o) => o.args.recipient)).toContain(liquidator.address);
    expect(orders).toHaveLength(2);
    const [ordered] = orders;
    const [liquidated] = parseEventLogs({ abi: marginHubAbi, logs: receipt.logs, eventName: "Liquidated" });
    const guid = lowerHex(ordered?.args.guid ?? "0x");

    type Indexed = {
      liquidations: {
        items: {
          liquidator: string;
          owedUsd: string;
          seizedUsd: string;
          badDebtUsd: string;
          txHash: string;
        }[];
      };
      seizures: { items: Seizure[] };
      positions: { items: { size: string; status: string; debtUsd: string }[] };
    };
    const query = `query ($a: String!) {
      liquidations(where: { account: $a }) { items { liquidator owedUsd seizedUsd badDebtUsd txHash } }
      seizures(where: { account: $a }) { items { guid status amount appliedAmount chainId } }
      positions(where: { account: $a }) { items { size status debtUsd } }
    }`;
    const indexed = await pollUntil(
      () => graphqlQuery<Indexed>(net.indexer.url, query, { a: trader.address.toLowerCase() }),
      (d) => d.liquidations.items.length === 1 && d.seizures.items.length === 2,
      { what: "the liquidation" },
    );
    expect(indexed.liquidations.items[0]).toEqual({
      liquidator: liquidator.address.toLowerCase(),
      owedUsd: liquidated?.args.owedUsd.toString(),
      seizedUsd: liquidated?.args.seizedUsd.toString(),
      badDebtUsd: ((liquidated?.args.owedUsd ?? 0n) - (liquidated?.args.seizedUsd ?? 0n)).toString(),
      txHash: receipt.transactionHash,
    });
    expect(indexed.seizures.items.find((i) => i.guid === guid)).toEqual({
      guid,
      status: "ordered",
      amount: ordered?.args.amount.toString(),
      appliedAmount: null,
      chainId: vaultA.chain.chainId,
    });
    expect(indexed.positions.items).toEqual([{ size: "0", status: "liquidated", debtUsd: "0" }]);
    // The hub lowered the credit at once; the indexer mirrors it.
    await assertCreditedMatchesHub(net.indexer.url, net.hub, trader.address);

    const command = await getJson<{ kind: string; status: string; packet: Hex }>(
      `${net.indexer.url}/messages/${guid}`,
    );
    expect(command.body).toMatchObject({ kind: "seize", status: "observed" });
    await relayPacket({
      packet: command.body.packet,
      destination: vaultA,
      attesterKeys: net.attesterKeys,
      relayerKey,
    });
    const applied = await pollUntil(
      () =>
        graphqlQuery<{ seizure: Seizure | null }>(
          net.indexer.url,
          "query ($g: String!) { seizure(guid: $g) { guid status amount appliedAmount chainId } }",
          { g: guid },
        ),
      (d) => d.seizure?.status === "applied",
      { what: "the seizure at the vault" },
    );
    expect(applied.seizure?.appliedAmount).toBe(ordered?.args.amount.toString());
    const after = await marginOf(trader.address);
    const left = parseUnits("1000", 6) - (ordered?.args.amount ?? 0n);
    expect(after.collaterals.find((c) => c.chainId === vaultA.chain.chainId)?.balance ?? "0").toBe(
      left.toString(),
    );
    expect(after.health.liquidatable).toBe(false);
    const message = await getJson<{ status: string; appliedAmount: string }>(
      `${net.indexer.url}/messages/${guid}`,
    );
    expect(message.body).toMatchObject({
      status: "delivered",
      appliedAmount: ordered?.args.amount.toString(),
    });

    // The bonus SEIZE to a liquidator the token issuer has blocked: the vault applies it anyway and
    // records a claim; the indexer shows it until the liquidator pulls it.
    const bonus = orders.find((o) => o.args.recipient === liquidator.address);
    if (bonus === undefined) throw new Error("no bonus SEIZE");
    const onVault = (key: Hex) => ({
      publicClient: vaultA.publicClient,
      walletClient: vaultA.walletFor(key),
    });
    await writeAndWait(onVault(relayerKey), {
      address: usdc,
      abi: mockErc20Abi,
      functionName: "setBlocked",
      args: [liquidator.address, true],
    });
    const bonusCommand = await getJson<{ packet: Hex }>(
      `${net.indexer.url}/messages/${lowerHex(bonus.args.guid)}`,
    );
    await relayPacket({
      packet: bonusCommand.body.packet,
      destination: vaultA,
      attesterKeys: net.attesterKeys,
      relayerKey,
    });
    type Claims = {
      claimables: { items: { recipient: string; token: string; amount: string; claimed: string }[] };
    };
    const claimQuery = `query ($r: String!) { claimables(where: { recipient: $r }) { items { recipient token amount claimed } } }`;
    const recorded = await pollUntil(
      () => graphqlQuery<Claims>(net.indexer.url, claimQuery, { r: liquidator.address.toLowerCase() }),
      (d) => d.claimables.items.length === 1,
      { what: "the claim of the blocked liquidator" },
    );
    expect(recorded.claimables.items[0]).toEqual({
      recipient: liquidator.address.toLowerCase(),
      token: usdc.toLowerCase(),
      amount: bonus.args.amount.toString(),
      claimed: "0",
    });
    await writeAndWait(onVault(relayerKey), {
      address: usdc,
      abi: mockErc20Abi,
      functionName: "setBlocked",
      args: [liquidator.address, false],
    });
    await writeAndWait(onVault(liquidator.privateKey), {
      address: vaultA.chain.contracts.vault,
      abi: collateralVaultAbi,
      functionName: "claim",
      args: [usdc, liquidator.address],
    });
    const paid = await pollUntil(
      () => graphqlQuery<Claims>(net.indexer.url, claimQuery, { r: liquidator.address.toLowerCase() }),
      (d) => d.claimables.items[0]?.amount === "0",
      { what: "the claim paid" },
    );
    expect(paid.claimables.items[0]?.claimed).toBe(bonus.args.amount.toString());
  });
  test("with the devnet's close factor a slightly unhealthy account loses half, and a second call continues", async () => {
    const trader = net.accounts.traders[1]!;
    const vaultA = net.vaults[0];
    const usdc = vaultA.chain.tokens.USDC?.address ?? "0x";
    const hub = net.hub.chain.contracts.hub ?? "0x";
    const perp = net.hub.chain.contracts.perpMarkets[0] ?? "0x";
    const setEth = (dollars: bigint) =>
      writeAndWait(onHub(net.accounts.deployer.privateKey), {
        address: net.devnet.manifest.devnet.perpFeed,
        abi: mockPriceFeedAbi,
        functionName: "setAnswer",
        args: [dollars * 10n ** 8n],
      });
    const liquidate = () =>
      writeAndWait(onHub(net.accounts.liquidator.privateKey), {
        address: hub,
        abi: marginHubAbi,
        functionName: "liquidate",
        args: [trader.address],
      });
    const closeFactor = await net.hub.publicClient.readContract({
      address: hub,
      abi: marginHubAbi,
      functionName: "closeFactor",
    });
    expect(closeFactor).toEqual([5_000, 9_500]);
    await setEth(2_600n);
    await depositCollateral(vaultA, { key: trader.privateKey, token: usdc, amount: parseUnits("1000", 6) });
    await creditHub({
      vaultChain: vaultA,
      hubChain: net.hub,
      entries: [{ account: trader.address, token: usdc }],
      attesterKeys: net.attesterKeys,
      relayerKey: net.accounts.relayer.privateKey,
    });
    await writeAndWait(onHub(trader.privateKey), {
      address: perp,
      abi: perpMarketAbi,
      functionName: "openPosition",
      args: [2n * WAD],
    });

    // ETH $2 600 → $2 200: maintenance $220 + $800 = $1 020 against $990, health 0.97 ≥ 0.95.
    await setEth(2_200n);
    const first = await liquidate();
    const [reduced] = parseEventLogs({ abi: perpMarketAbi, logs: first.logs, eventName: "PositionReduced" });
    const [partial] = parseEventLogs({ abi: marginHubAbi, logs: first.logs, eventName: "Liquidated" });
    expect(partial?.args.closeBps).toBe(5_000);
    expect(partial?.args.owedUsd).toBe(510n * WAD); // 1 ETH: loss $400 + 5 % of $2 200
    expect(reduced?.args.remainingSize).toBe(WAD);
    type Indexed = {
      liquidations: { items: { closeBps: number; owedUsd: string }[] };
      positions: { items: { size: string; status: string; entryPriceWad: string }[] };
    };
    const query = `query ($a: String!) {
      liquidations(where: { account: $a }, orderBy: "blockNumber") { items { closeBps owedUsd } }
      positions(where: { account: $a }) { items { size status entryPriceWad } }
    }`;
    const afterFirst = await pollUntil(
      () => graphqlQuery<Indexed>(net.indexer.url, query, { a: trader.address.toLowerCase() }),
      (d) => d.liquidations.items.length === 1,
      { what: "the partial liquidation" },
    );
    expect(afterFirst.positions.items).toEqual([
      { size: WAD.toString(), status: "reduced", entryPriceWad: (2_600n * WAD).toString() },
    ]);

    // $535.5 of USDC seized (owed + 5 % bonus): health is now 0.90 < 0.95, so the rest closes.
    const second = await liquidate();
    const [full] = parseEventLogs({ abi: marginHubAbi, logs: second.logs, eventName: "Liquidated" });
    expect(full?.args.closeBps).toBe(10_000);
    const afterSecond = await pollUntil(
      () => graphqlQuery<Indexed>(net.indexer.url, query, { a: trader.address.toLowerCase() }),
      (d) => d.liquidations.items.length === 2,
      { what: "the second liquidation" },
    );
    expect(afterSecond.liquidations.items.map((l) => l.closeBps)).toEqual([5_000, 10_000]);
    expect(afterSecond.positions.items).toEqual([{ size: "0", status: "liquidated", entryPriceWad: "0" }]);
  });
});
