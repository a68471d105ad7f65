import { describe, expect, it } from "vitest";
import { formatWad, parseShocks } from "./parseShocks.js";
import { stressAnswer } from "./stressAnswer.js";

const E17 = 10n ** 17n;

describe("parseShocks", () => {
  it("reads numbers and decimal strings exactly as 18-decimal fixed point", () => {
    const parsed = parseShocks({ shocks: { wstETH: -0.3, "ETH-PERP": "0.25", USDC: 1e-7, x: "-1.5e-1" } });
    expect(parsed).toEqual({
      ok: true,
      value: new Map([
        ["wstETH", -3n * E17],
        ["ETH-PERP", 25n * 10n ** 16n],
        ["USDC", 10n ** 11n],
        ["x", -15n * 10n ** 16n],
      ]),
    });
  });
  it.each([
    [undefined, "body", 'expected a JSON object such as {"shocks": {"wstETH": -0.3}}, got nothing'],
    [[1], "body", 'expected a JSON object such as {"shocks": {"wstETH": -0.3}}, got [1]'],
    [
      {},
      "shocks",
      'expected an object of relative price moves by symbol, e.g. {"wstETH": -0.3}, got nothing',
    ],
    [{ shocks: {} }, "shocks", "expected at least one shock, got {}"],
  ])("refuses the body %j naming %s", (body, parameter, error) => {
    expect(parseShocks(body)).toEqual({ ok: false, bad: { parameter, error } });
  });
  it.each([
    [-1, "-1"],
    [-2, "-2"],
    [101, "101"],
    ["abc", '"abc"'],
    [null, "null"],
    [true, "true"],
    ["0.1234567890123456789", '"0.1234567890123456789"'],
    ["", '""'],
  ])("refuses the shock %j naming it", (value, got) => {
    const parsed = parseShocks({ shocks: { wstETH: value } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.bad.parameter).toBe("shocks.wstETH");
    expect(parsed.bad.error).toMatch(/^expected a relative move above -1 and at most 100 /);
    expect(parsed.bad.error.endsWith(`got ${got}`)).toBe(true);
  });
  it("accepts the bounds' neighbours", () => {
    expect(parseShocks({ shocks: { a: "-0.999999999999999999", b: 100 } }).ok).toBe(true);
  });
  it("formats fixed point back", () => {
    expect(formatWad(-3n * E17)).toBe("-0.3");
    expect(formatWad(5n * 10n ** 18n)).toBe("5");
  });
});

describe("stressAnswer's symbols", () => {
  const feedA = "0x00000000000000000000000000000000000000f1" as const;
  const collateral = (symbol: string, chainId: number, feed: `0x${string}`) => ({
    chainId,
    token: `0x00000000000000000000000000000000000000${chainId}${chainId}` as `0x${string}`,
    symbol,
    feed,
    feedDecimals: 8,
    heartbeat: 86_400,
    tokenDecimals: 6,
    haircutBps: 200,
    liquidationThresholdBps: 9_900,
    liquidationBonusBps: 500,
    capPerAccount: 0n,
    concentrationScale: 0n,
    concentrationScalarBps: 0,
    concentrationLowerBps: 0,
    concentrationUpperBps: 0,
    answer: 10n ** 8n,
    registeredBlock: 1n,
    registeredLogIndex: chainId,
  });
  const rows = {
    collaterals: [collateral("USDC", 11, feedA), collateral("USDT", 22, feedA)],
    markets: [],
    positions: [],
    credits: [],
    closeFactor: undefined,
  };
  const run = (shocks: Record<string, bigint>) =>
    stressAnswer({ rows, shocks: new Map(Object.entries(shocks)), chainNames: new Map(), limit: 10 });
  it("names an unknown symbol and lists the known ones", () => {
    expect(run({ DAI: -E17 })).toEqual({
      ok: false,
      bad: {
        parameter: "shocks.DAI",
        error: 'unknown collateral or market symbol (expected one of USDC, USDT), got "DAI"',
      },
    });
  });
  it("refuses two different moves of one feed, and accepts the same move twice", () => {
    const conflict = run({ USDC: -E17, USDT: -2n * E17 });
    expect(conflict.ok).toBe(false);
    if (!conflict.ok) expect(conflict.bad.error).toContain("USDT and USDC share the price feed");
    const same = run({ USDC: -E17, USDT: -E17 });
    expect(same.ok && same.value.prices).toEqual([
      { feed: feedA, shock: "-0.1", answer: "100000000", shockedAnswer: "90000000", decimals: 8 },
    ]);
  });
});
