import fc from "fast-check";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartAnvilReturnType, startAnvil } from "../../test/kit/anvil.js";
import { type CallOutcome, type ContractRevert, callOutcome } from "../../test/kit/contractRevert.js";
import { deploy } from "../../test/kit/deploy.js";
import { marginMathHarnessAbi, marginMathHarnessBytecode } from "../abis/generated.js";
import { MarginMathOverflowError } from "./errors.js";
import {
  applyBps,
  concentrationBps,
  healthFactor,
  lossOf,
  notional,
  perpRequirement,
  pnl,
  priceToWad,
  value,
} from "./marginMath.js";
import { MAX_INT256, MAX_UINT256, MIN_INT256 } from "./uint256.js";

/**
 * Parity of `shared/margin/marginMath.ts` with `contracts/src/libraries/MarginMath.sol` through
 * `MarginMathHarness` on a real anvil (`eth_call`): for every function and any inputs, the same
 * result, or both revert — `MarginMathOverflowError` where the Solidity panics with 0x11
 * (checked arithmetic, `10 **`, `Math.mulDiv`) or reverts with `SafeCastOverflowedUintToInt`.
 * `accountMargin` against a deployed `MarginHub` is in `accountMargin.parity.test.ts`.
 */

const RUNS = 200;

let anvil: StartAnvilReturnType;
let harness: Address;

beforeAll(async () => {
  anvil = await startAnvil();
  harness = (await deploy(anvil, { abi: marginMathHarnessAbi, bytecode: marginMathHarnessBytecode })).address;
});
afterAll(async () => {
  await anvil?.stop();
});

type HarnessFunction = Extract<(typeof marginMathHarnessAbi)[number], { type: "function" }>["name"];

/** `eth_call` of a harness function, reverts decoded. */
function onChain(functionName: HarnessFunction, args: readonly unknown[]): Promise<CallOutcome<unknown>> {
  return callOutcome(() =>
    anvil.publicClient.readContract({
      address: harness,
      abi: marginMathHarnessAbi,
      functionName,
      // The harness ABI is typed per function; each property below passes that function's arguments.
      args: args as never,
    }),
  );
}

/** The Solidity revert a `MarginMathOverflowError` stands for. */
function expectedRevert(error: MarginMathOverflowError): ContractRevert {
  if (error.operation === "toInt256") return { errorName: "SafeCastOverflowedUintToInt", args: [] };
  return { errorName: "Panic", args: [0x11n] };
}

/** A revert as compared: SafeCast's argument is the value cast, which the TS error does not carry. */
function comparable(outcome: CallOutcome<unknown>): CallOutcome<unknown> {
  if (outcome.ok || outcome.revert.errorName !== "SafeCastOverflowedUintToInt") return outcome;
  return { ok: false, revert: { errorName: outcome.revert.errorName, args: [] } };
}

/** Runs the TS twin: its value, or the revert its `MarginMathOverflowError` stands for (anything else fails the test). */
function inTs(compute: () => unknown): CallOutcome<unknown> {
  try {
    return { ok: true, value: compute() };
  } catch (error) {
    if (error instanceof MarginMathOverflowError) return { ok: false, revert: expectedRevert(error) };
    throw error;
  }
}

async function expectParity(
  functionName: HarnessFunction,
  args: readonly unknown[],
  compute: () => unknown,
): Promise<CallOutcome<unknown>> {
  const ts = inTs(compute);
  const solidity = comparable(await onChain(functionName, args));
  expect(solidity, `${functionName}(${args.map(String).join(", ")})`).toEqual(ts);
  return ts;
}

// ------------------------------------------------------------------ arbitraries

const U128 = 2n ** 128n - 1n;
const U255 = 2n ** 255n;

/** Token amounts: mostly up to 2^128 − 1, with the uint256 extremes. */
const amount = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: U128 }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_UINT256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, U128, U255, MAX_UINT256) },
);
/** Feed answers: realistic, anything up to 2^255, and the edges. */
const price = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 30n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: U255 }) },
  { weight: 1, arbitrary: fc.constantFrom(1n, U128, U255) },
);
/** Token decimals, weighted to 6 and 18; now and then any uint8 (10 ** (d − 18) overflows past 95). */
const tokenDecimals = fc.oneof(
  { weight: 4, arbitrary: fc.constant(6) },
  { weight: 4, arbitrary: fc.constant(18) },
  { weight: 4, arbitrary: fc.constantFrom(0, 8, 24, 36) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const feedDecimals = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(8, 18) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);
const bps = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 10_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 10_000) },
);
/** Signed sizes (int256), with the extremes. */
const size = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: MIN_INT256, max: MAX_INT256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, -1n, MIN_INT256, MAX_INT256) },
);
/** Prices and USD amounts with 18 decimals, including values past int256 (pnl's SafeCast). */
const wad = fc.oneof(
  { weight: 5, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_UINT256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, MAX_INT256, U255, MAX_UINT256) },
);
const usd = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 40n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_UINT256 }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, MAX_UINT256) },
);

// ------------------------------------------------------------------ properties

/**
 * Asserts the property over `RUNS` runs, then that results and reverts were both compared as
 * often as the inputs make them likely (`minReverts` 0 where the function cannot revert).
 */
async function assertParity<T>(
  inputs: fc.Arbitrary<T>,
  run: (inputs: T) => Promise<CallOutcome<unknown>>,
  minReverts: number,
  numRuns = RUNS,
): Promise<void> {
  const counts = { ok: 0, reverted: 0 };
  await fc.assert(
    fc.asyncProperty(inputs, async (input) => {
      const outcome = await run(input);
      if (outcome.ok) counts.ok++;
      else counts.reverted++;
    }),
    { numRuns },
  );
  expect(counts.ok, "runs with a result").toBeGreaterThan(numRuns / 4);
  expect(counts.reverted, "runs that revert").toBeGreaterThanOrEqual(minReverts);
}

describe("MarginMath.sol twin: same result or both revert", () => {
  it("value(amount, tokenDecimals, price, feedDecimals)", async () => {
    await assertParity(
      fc.tuple(amount, tokenDecimals, price, feedDecimals),
      ([a, td, p, fd]) => expectParity("value", [a, td, p, fd], () => value(a, td, p, fd)),
      1,
    );
  });

  it("value at realistic sizes never reverts", async () => {
    await assertParity(
      fc.tuple(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.constantFrom(0, 6, 8, 18, 24, 36),
        fc.bigInt({ min: 1n, max: 10n ** 24n }),
        fc.constantFrom(8, 18),
      ),
      ([a, td, p, fd]) => expectParity("value", [a, td, p, fd], () => value(a, td, p, fd)),
      0,
      RUNS / 2,
    );
  });

  it("applyBps(x, bps) (bps ≤ 10000: never reverts)", async () => {
    await assertParity(
      fc.tuple(usd, bps),
      ([x, b]) => expectParity("applyBps", [x, BigInt(b)], () => applyBps(x, b)),
      0,
    );
  });

  it("concentrationBps(amount, scale, scalar, lower, upper): floor, linear, cap; mulDiv's revert", async () => {
    const scale = fc.oneof(
      { weight: 1, arbitrary: fc.constant(0n) }, // off
      { weight: 6, arbitrary: fc.bigInt({ min: 1n, max: U128 }) },
      { weight: 1, arbitrary: fc.constant(1n) }, // with a huge amount and scalar: mulDiv overflows
    );
    const scalar = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 65_535 }).map(BigInt) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_UINT256 }) },
    );
    const counts = { floor: 0, linear: 0, cap: 0 };
    await assertParity(
      fc.tuple(amount, scale, scalar, bps, bps),
      async ([a, sc, k, lower, upper]) => {
        const outcome = await expectParity("concentrationBps", [a, sc, k, BigInt(lower), BigInt(upper)], () =>
          concentrationBps(a, sc, k, lower, upper),
        );
        if (outcome.ok && sc !== 0n && lower < upper) {
          const d = outcome.value as bigint;
          if (d === BigInt(lower)) counts.floor++;
          else if (d === BigInt(upper)) counts.cap++;
          else counts.linear++;
        }
        return outcome;
      },
      1,
    );
    expect(counts.floor * counts.linear * counts.cap, JSON.stringify(counts)).toBeGreaterThan(0);
  });

  it("healthFactor(liquidationUsd, maintenanceUsd)", async () => {
    const maintenance = fc.oneof({ weight: 1, arbitrary: fc.constant(0n) }, { weight: 5, arbitrary: usd });
    await assertParity(
      fc.tuple(usd, maintenance),
      ([l, m]) => expectParity("healthFactor", [l, m], () => healthFactor(l, m)),
      1,
    );
  });

  it("priceToWad(price, feedDecimals)", async () => {
    await assertParity(
      fc.tuple(price, feedDecimals),
      ([p, fd]) => expectParity("priceToWad", [p, fd], () => priceToWad(p, fd)),
      1,
    );
  });

  it("notional(size, priceWad)", async () => {
    await assertParity(
      fc.tuple(size, wad),
      ([s, p]) => expectParity("notional", [s, p], () => notional(s, p)),
      1,
    );
  });

  it("pnl(size, entryWad, priceWad): truncation towards zero, SafeCast and int256 reverts", async () => {
    let losses = 0;
    await assertParity(
      fc.tuple(size, wad, wad),
      async ([s, entry, p]) => {
        const outcome = await expectParity("pnl", [s, entry, p], () => pnl(s, entry, p));
        if (outcome.ok && typeof outcome.value === "bigint" && outcome.value < 0n) losses++;
        return outcome;
      },
      1,
    );
    expect(losses, "negative PnLs (truncated towards zero)").toBeGreaterThan(0);
  });

  it("lossOf(pnlUsd) (never reverts, int256 min included)", async () => {
    await assertParity(fc.tuple(size), ([p]) => expectParity("lossOf", [p], () => lossOf(p)), 0);
  });

  it("requirement(size, entryWad, priceWad, imBps, mmBps, debt) = perpRequirement", async () => {
    await assertParity(
      fc.tuple(size, wad, wad, bps, bps, usd),
      ([s, entry, p, im, mm, debt]) =>
        expectParity("requirement", [s, entry, p, BigInt(im), BigInt(mm), debt], () => {
          const r = perpRequirement({
            size: s,
            entryWad: entry,
            priceWad: p,
            initialMarginBps: im,
            maintenanceMarginBps: mm,
            debt,
          });
          return [r.initialUsd, r.maintenanceUsd];
        }),
      1,
    );
  });
});
