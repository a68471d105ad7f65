import fc from "fast-check";
import { type Address, bytesToHex, getAddress, numberToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS, anvilKey, type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { attestBalanceBatch } from "../../test/kit/attestBalanceBatch.js";
import { type CallOutcome, callOutcome } from "../../test/kit/contractRevert.js";
import { deploy } from "../../test/kit/deploy.js";
import { deployHub } from "../../test/kit/deployHub.js";
import { writeAndWait } from "../../test/kit/writeAndWait.js";
import {
  marginHubAbi,
  mockPriceFeedAbi,
  mockPriceFeedBytecode,
  perpMarketAbi,
  perpMarketBytecode,
} from "../abis/generated.js";
import type { BalanceLeaf } from "../merkle/balanceLeaf.js";
import { fullBatchProof } from "../merkle/fullBatchProof.js";
import {
  accountMargin,
  collateralWeights,
  countedAmount,
  isHealthy,
  isLiquidatable,
  type MarginCollateral,
  type MarginConcentration,
  type MarginCredit,
  type MarginRequirement,
} from "./accountMargin.js";
import { MarginMathOverflowError } from "./errors.js";
import { lossOf, perpRequirement, pnl, priceToWad } from "./marginMath.js";

/**
 * Parity of `shared/margin/accountMargin.ts` with a deployed `MarginHub.accountMargin` on a real
 * anvil: random collaterals (MockPriceFeeds with random answers and decimals, random valid risk
 * configs) on random vault chains, credited through real quorum-signed BALANCE_BATCHes built with
 * `shared/merkle` + `shared/codec` + `shared/eip712`; then with a `PerpMarket` position.
 */

let anvil: StartAnvilReturnType;
const ATTESTER_KEYS = ANVIL_KEYS.slice(1, 4);
/** The account whose margin is compared (it trades on the perp market too). */
const TRADER = privateKeyToAccount(anvilKey(5));

beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => {
  await anvil?.stop();
});

// ------------------------------------------------------------------ cases

/** One collateral of a case: where it lives, its feed, its risk config and the trader's credit. */
type CollateralCase = {
  chain: number;
  token: Address;
  feedDecimals: number;
  answer: bigint;
  heartbeat: number;
  tokenDecimals: number;
  haircutBps: number;
  liquidationThresholdBps: number;
  liquidationBonusBps: number;
  capPerAccount: bigint;
  /** `setConcentration` after `setCollateral`; undefined: off (never set). */
  concentration: MarginConcentration | undefined;
  /** undefined: no leaf at all (never credited). */
  credit: bigint | undefined;
};
type MarginCase = { chainIds: number[]; collaterals: CollateralCase[]; strayCredit: bigint | undefined };

const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));
const decimalsOf = (six: number, eighteen: number, others: readonly number[]) =>
  fc.oneof(
    { weight: six, arbitrary: fc.constant(6) },
    { weight: eighteen, arbitrary: fc.constant(18) },
    { weight: 2, arbitrary: fc.constantFrom(...others) },
  );
/** HubRisk.isValidConcentration: scale > 0, lower ≤ upper, haircut + upper < 10000. */
const concentrationFor = (haircutBps: number): fc.Arbitrary<MarginConcentration> =>
  fc.integer({ min: 0, max: 9_999 - haircutBps }).chain((upperBps) =>
    fc.record({
      scale: fc.oneof(
        { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 30n }) },
        { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 128n - 1n }) },
      ),
      scalarBps: fc.integer({ min: 0, max: 65_535 }),
      lowerBps: fc.integer({ min: 0, max: upperBps }),
      upperBps: fc.constant(upperBps),
    }),
  );
const risk = fc.integer({ min: 0, max: 9_999 }).chain((haircutBps) =>
  fc.record({
    haircutBps: fc.constant(haircutBps),
    // HubRisk.isValid: 10000 − haircut ≤ threshold ≤ 10000.
    liquidationThresholdBps: fc.integer({ min: 10_000 - haircutBps, max: 10_000 }),
    liquidationBonusBps: fc.integer({ min: 0, max: 5_000 }),
    concentration: fc.option(concentrationFor(haircutBps), { nil: undefined, freq: 3 }),
  }),
);
const collateralCase: fc.Arbitrary<CollateralCase> = fc
  .record({
    chain: fc.nat(),
    token: address,
    feedDecimals: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(8, 18) },
      { weight: 1, arbitrary: fc.constantFrom(0, 6, 24) },
    ),
    answer: fc.oneof(
      { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 30n }) },
      { weight: 1, arbitrary: fc.constantFrom(0n, -1n, -(10n ** 8n)) }, // values the collateral at 0
      { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 255n - 1n }) }, // may overflow: both revert
    ),
    heartbeat: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
    tokenDecimals: decimalsOf(3, 3, [0, 8, 24, 36]),
    risk,
    capPerAccount: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0n) },
      { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 24n }) },
      { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 128n - 1n }) },
    ),
    credit: fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant(0n) },
      { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 30n }) },
      { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 2n ** 128n - 1n }) },
    ),
  })
  .map(({ risk: r, ...c }) => ({ ...c, ...r }));
const marginCase: fc.Arbitrary<MarginCase> = fc
  .record({
    chainIds: fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 3 }),
    collaterals: fc.uniqueArray(collateralCase, { minLength: 1, maxLength: 6, selector: (c) => c.token }),
    strayCredit: fc.option(fc.bigInt({ min: 1n, max: 10n ** 30n }), { nil: undefined }),
  })
  .map((c) => ({
    ...c,
    collaterals: c.collaterals.map((col) => ({
      ...col,
      chain: c.chainIds[col.chain % c.chainIds.length] ?? 1,
    })),
  }));

// ------------------------------------------------------------------ on-chain setup

/** A hub with the case's vaults and collaterals, the trader credited by one signed batch per chain. */
type HubSetup = { hub: Address; collaterals: MarginCollateral[]; credits: MarginCredit[] };

const vaultOf = (chainId: number): Address =>
  getAddress(numberToHex(0xba11_0000_0000n + BigInt(chainId), { size: 20 }));
const STRAY_TOKEN = getAddress("0x00000000000000000000000000000000000057a7");
const PERP_COLLATERAL = getAddress("0x00000000000000000000000000000000000c0ffe");

async function setUpHub(c: MarginCase): Promise<HubSetup> {
  const hub = (await deployHub(anvil, { attesterKeys: ATTESTER_KEYS, threshold: 2 })).address;
  const write = (functionName: "setVault" | "setCollateral" | "setConcentration", args: readonly unknown[]) =>
    // Typed per function by the callers below.
    writeAndWait(anvil, { address: hub, abi: marginHubAbi, functionName, args: args as never });
  for (const chainId of c.chainIds) await write("setVault", [chainId, vaultOf(chainId)]);

  const collaterals: MarginCollateral[] = [];
  for (const col of c.collaterals) {
    const feed = await deploy(anvil, {
      abi: mockPriceFeedAbi,
      bytecode: mockPriceFeedBytecode,
      args: [col.feedDecimals, col.answer, "FEED / USD"],
    });
    const config = {
      tokenDecimals: col.tokenDecimals,
      haircutBps: col.haircutBps,
      liquidationThresholdBps: col.liquidationThresholdBps,
      capPerAccount: col.capPerAccount,
    };
    await write("setCollateral", [
      BigInt(col.chain),
      col.token,
      {
        ...config,
        feed: feed.address,
        heartbeat: col.heartbeat,
        liquidationBonusBps: col.liquidationBonusBps,
      },
    ]);
    if (col.concentration !== undefined)
      await write("setConcentration", [BigInt(col.chain), col.token, col.concentration]);
    collaterals.push({
      chainId: col.chain,
      token: col.token,
      config: { ...config, concentration: col.concentration },
      feedDecimals: col.feedDecimals,
      price: col.answer,
    });
  }

  const credits: MarginCredit[] = c.collaterals.flatMap((col) =>
    col.credit === undefined ? [] : [{ chainId: col.chain, token: col.token, balance: col.credit }],
  );
  const firstChain = c.chainIds[0] ?? 1;
  if (c.strayCredit !== undefined) {
    credits.push({ chainId: firstChain, token: STRAY_TOKEN, balance: c.strayCredit }); // not a registered collateral
  }
  for (const [index, chainId] of c.chainIds.entries()) {
    await credit(
      hub,
      chainId,
      index,
      credits.filter((cr) => cr.chainId === chainId),
    );
  }
  return { hub, collaterals, credits };
}

/** Credits the trader on one chain through a real quorum-signed full batch. */
async function credit(hub: Address, chainId: number, index: number, credits: readonly MarginCredit[]) {
  if (credits.length === 0) return;
  const block = await anvil.publicClient.getBlock();
  const leaves: BalanceLeaf[] = credits.map((cr) => ({
    chainId: BigInt(chainId),
    vault: vaultOf(chainId),
    account: TRADER.address,
    token: cr.token,
    balance: cr.balance,
    seq: 1n,
    inboundNonce: 0n,
    sourceBlock: block.number,
  }));
  const batch = await attestBalanceBatch({
    hub,
    hubChainId: anvil.chainId,
    srcEid: chainId,
    vault: vaultOf(chainId),
    leaves,
    sourceBlock: block.number,
    sourceTimestamp: block.timestamp,
    index,
    signerKeys: ATTESTER_KEYS.slice(0, 2),
  });
  const proof = fullBatchProof(batch.tree);
  await writeAndWait(anvil, {
    address: hub,
    abi: marginHubAbi,
    functionName: "submitBatch",
    args: [batch.packet, batch.signatures, proof.leaves, proof.proof, proof.proofFlags],
  });
}

// ------------------------------------------------------------------ comparing

/** The TS margin, or the Panic(0x11) the hub reverts with where the TS overflows. */
function tsMargin(setup: HubSetup, requirements: readonly MarginRequirement[]): CallOutcome<unknown> {
  try {
    return {
      ok: true,
      value: accountMargin({ credits: setup.credits, collaterals: setup.collaterals, requirements }),
    };
  } catch (error) {
    if (error instanceof MarginMathOverflowError)
      return { ok: false, revert: { errorName: "Panic", args: [0x11n] } };
    throw error;
  }
}

/** Compares the hub's `accountMargin`, `collateralValue` and `health` with the TS; returns the TS margin. */
async function expectSameMargin(setup: HubSetup, requirements: readonly MarginRequirement[]) {
  const read = (functionName: "accountMargin" | "collateralValue" | "health") =>
    callOutcome(() =>
      anvil.publicClient.readContract({
        address: setup.hub,
        abi: marginHubAbi,
        functionName,
        args: [TRADER.address],
      }),
    );
  const ts = tsMargin(setup, requirements);
  expect(await read("accountMargin")).toEqual(ts);
  if (!ts.ok) return undefined;
  const margin = ts.value as ReturnType<typeof accountMargin>; // tsMargin's value is accountMargin's result
  expect(await read("collateralValue")).toEqual({
    ok: true,
    value: [margin.collateralUsd, margin.adjustedUsd],
  });
  expect(await read("health")).toEqual({ ok: true, value: margin.healthFactor });
  return margin;
}

/** How many of the setup's credited collaterals carry a non-zero concentration discount. */
function discountedCollaterals(setup: HubSetup): number {
  return setup.collaterals.filter((col) => {
    const credit = setup.credits.find((c) => c.chainId === col.chainId && c.token === col.token)?.balance;
    return (
      credit !== undefined &&
      credit !== 0n &&
      collateralWeights(col.config, countedAmount(col.config, credit)).discountBps > 0n
    );
  }).length;
}

describe("accountMargin against MarginHub.accountMargin (no consumers)", () => {
  it("random collaterals, feeds, configs and credits: the same Margin struct, or both revert", async () => {
    let compared = 0;
    let discounted = 0;
    await fc.assert(
      fc.asyncProperty(marginCase, async (c) => {
        const setup = await setUpHub(c);
        const keys = await anvil.publicClient.readContract({
          address: setup.hub,
          abi: marginHubAbi,
          functionName: "collaterals",
        });
        expect(keys).toEqual(
          setup.collaterals.map((col) => ({ chainId: BigInt(col.chainId), token: col.token })),
        );
        const margin = await expectSameMargin(setup, []);
        if (margin !== undefined) {
          compared++;
          discounted += discountedCollaterals(setup);
          expect(margin.healthFactor).toBe(2n ** 256n - 1n); // no consumer, no requirement
        }
      }),
      { numRuns: 25 },
    );
    expect(compared).toBeGreaterThanOrEqual(5); // most cases value without overflowing
    expect(discounted, "credited collaterals with a concentration discount").toBeGreaterThanOrEqual(3);
  });
});

describe("accountMargin against MarginHub.accountMargin with a PerpMarket position", () => {
  const perpCase = fc.record({
    risk: fc
      .integer({ min: 0, max: 5_000 })
      .chain((haircutBps) =>
        fc.tuple(fc.constant(haircutBps), fc.integer({ min: 10_000 - haircutBps, max: 10_000 })),
      ),
    /** Collateral above what opening needs, in bps of the initial requirement. */
    slackBps: fc.integer({ min: 0, max: 20_000 }),
    margins: fc
      .integer({ min: 1, max: 10_000 })
      .chain((im) => fc.tuple(fc.constant(im), fc.integer({ min: 1, max: im }))),
    openPrice: fc.bigInt({ min: 10n ** 6n, max: 10n ** 13n }), // $0.01 … $100k, 8 decimals
    movedPrice: fc.bigInt({ min: 10n ** 6n, max: 10n ** 13n }),
    size: fc.bigInt({ min: 1n, max: 10n ** 24n }).chain((s) => fc.constantFrom(s, -s)), // up to a million units, long or short
  });

  it("open, move the price, close: requirements from perpRequirement, debt from lossOf(pnl)", async () => {
    const afterMove = { liquidatable: 0, safe: 0 };
    await fc.assert(
      fc.asyncProperty(
        perpCase,
        async ({ risk: [haircutBps, thresholdBps], slackBps, margins, openPrice, movedPrice, size }) => {
          const [im, mm] = margins;
          const entryWad = priceToWad(openPrice, 8);
          const requirement = (priceWad: bigint, debt: bigint) =>
            perpRequirement({
              size,
              entryWad,
              priceWad,
              initialMarginBps: im,
              maintenanceMarginBps: mm,
              debt,
            });
          // The collateral is worth its credit in USD (18 decimals at $1.00): enough to open, plus the slack.
          const initial = requirement(entryWad, 0n).initialUsd;
          const needed = (initial * 10_000n + BigInt(9_999 - haircutBps)) / BigInt(10_000 - haircutBps);
          const setup = await setUpHub({
            chainIds: [10],
            collaterals: [
              {
                chain: 10,
                token: PERP_COLLATERAL,
                feedDecimals: 8,
                answer: 10n ** 8n,
                heartbeat: 86_400,
                tokenDecimals: 18,
                haircutBps,
                liquidationThresholdBps: thresholdBps,
                liquidationBonusBps: 0,
                capPerAccount: 0n,
                concentration: undefined,
                credit: needed + (initial * BigInt(slackBps)) / 10_000n + 1n,
              },
            ],
            strayCredit: undefined,
          });
          const feed = (
            await deploy(anvil, {
              abi: mockPriceFeedAbi,
              bytecode: mockPriceFeedBytecode,
              args: [8, openPrice, "ETH / USD"],
            })
          ).address;
          const perp = (
            await deploy(anvil, {
              abi: perpMarketAbi,
              bytecode: perpMarketBytecode,
              args: [anvil.walletClient.account.address, setup.hub, feed, 86_400, im, mm, "ETH-USD"],
            })
          ).address;
          await writeAndWait(anvil, {
            address: setup.hub,
            abi: marginHubAbi,
            functionName: "addConsumer",
            args: [perp],
          });
          await writeAndWait(anvil, {
            address: perp,
            abi: perpMarketAbi,
            functionName: "openPosition",
            args: [size],
            account: TRADER,
          });

          await expectHealthParity(setup, [requirement(entryWad, 0n)]);

          await writeAndWait(anvil, {
            address: feed,
            abi: mockPriceFeedAbi,
            functionName: "setAnswer",
            args: [movedPrice],
          });
          const movedWad = priceToWad(movedPrice, 8);
          const moved = await expectHealthParity(setup, [requirement(movedWad, 0n)]);
          if (moved.liquidatable) afterMove.liquidatable++;
          else afterMove.safe++;

          await writeAndWait(anvil, {
            address: perp,
            abi: perpMarketAbi,
            functionName: "closePosition",
            account: TRADER,
            args: [],
          });
          const debt = lossOf(pnl(size, entryWad, movedWad));
          expect(
            await anvil.publicClient.readContract({
              address: perp,
              abi: perpMarketAbi,
              functionName: "debt",
              args: [TRADER.address],
            }),
          ).toBe(debt);
          await expectHealthParity(setup, [{ initialUsd: debt, maintenanceUsd: debt }]);
        },
      ),
      { numRuns: 15 },
    );
    // Both sides of the maintenance check were compared (a price move against a thin margin liquidates).
    expect(afterMove.liquidatable).toBeGreaterThan(0);
    expect(afterMove.safe).toBeGreaterThan(0);
  });
});

/** `expectSameMargin`, plus the hub's strict checks against `isHealthy` / `isLiquidatable`. */
async function expectHealthParity(setup: HubSetup, requirements: readonly MarginRequirement[]) {
  const margin = await expectSameMargin(setup, requirements);
  if (margin === undefined) throw new Error("a perp case must not overflow");
  const liquidatable = await anvil.publicClient.readContract({
    address: setup.hub,
    abi: marginHubAbi,
    functionName: "isLiquidatable",
    args: [TRADER.address],
  });
  expect(liquidatable).toBe(margin.maintenanceUsd !== 0n && isLiquidatable(margin));
  const initial = await callOutcome(() =>
    anvil.publicClient.readContract({
      address: setup.hub,
      abi: marginHubAbi,
      functionName: "requireInitialMargin",
      args: [TRADER.address],
    }),
  );
  expect(initial).toEqual(
    margin.initialUsd === 0n || isHealthy(margin)
      ? { ok: true, value: undefined }
      : {
          ok: false,
          revert: {
            errorName: "MarginHub_InsufficientMargin",
            args: [TRADER.address, margin.adjustedUsd, margin.initialUsd],
          },
        },
  );
  return { margin, liquidatable };
}
