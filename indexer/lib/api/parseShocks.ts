import type { BadRequest, Parsed } from "./parseRequest.js";

const WAD = 10n ** 18n;
/** Largest rise a shock may ask for: +100 = the price × 101. */
export const MAX_SHOCK = 100;
/** Most shocks in one request. */
export const MAX_SHOCKS = 64;
const DECIMAL = /^([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * Parses the body of `POST /stress`: `{"shocks": {"<symbol>": <relative move>, …}}`, each move a
 * JSON number or a decimal string above −1 and at most {@link MAX_SHOCK}, with at most 18 decimals.
 * Which symbols exist is checked by the caller (it knows the collaterals and markets).
 *
 * @param body the parsed JSON body (undefined when there was none or it was not JSON)
 * @returns the shocks by symbol, as 18-decimal fixed point, or a 400 naming the field
 * @example
 * parseShocks({ shocks: { wstETH: -0.3 } }); // { ok: true, value: Map { "wstETH" => -300000000000000000n } }
 */
export function parseShocks(body: unknown): Parsed<Map<string, bigint>> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return bad("body", 'expected a JSON object such as {"shocks": {"wstETH": -0.3}}', describe(body));
  const shocks = (body as Record<string, unknown>).shocks;
  if (typeof shocks !== "object" || shocks === null || Array.isArray(shocks))
    return bad(
      "shocks",
      'expected an object of relative price moves by symbol, e.g. {"wstETH": -0.3}',
      describe(shocks),
    );
  const entries = Object.entries(shocks);
  if (entries.length === 0) return bad("shocks", "expected at least one shock", "{}");
  if (entries.length > MAX_SHOCKS)
    return bad("shocks", `expected at most ${MAX_SHOCKS} shocks`, `${entries.length} shocks`);
  const parsed = new Map<string, bigint>();
  for (const [symbol, raw] of entries) {
    const wad = toWad(raw);
    if (wad === undefined || wad <= -WAD || wad > BigInt(MAX_SHOCK) * WAD)
      return bad(
        `shocks.${symbol}`,
        `expected a relative move above -1 and at most ${MAX_SHOCK} (-0.3 = the price × 0.7), a number or decimal string with at most 18 decimals`,
        describe(raw),
      );
    parsed.set(symbol, wad);
  }
  return { ok: true, value: parsed };
}

/** A JSON number or decimal string as 18-decimal fixed point, exactly; undefined when not one. */
function toWad(raw: unknown): bigint | undefined {
  if (typeof raw === "number" && !Number.isFinite(raw)) return undefined;
  if (typeof raw !== "number" && typeof raw !== "string") return undefined;
  const text = String(raw).trim();
  if (text.length > 80) return undefined;
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = "0", fraction = "", exponent = "0"] = match;
  const digits = BigInt(`${whole}${fraction}`);
  // The value is digits × 10^(exponent − fraction length); as wad, × 10^18.
  const scale = 18 + Number(exponent) - fraction.length;
  if (Math.abs(scale) > 120) return digits === 0n ? 0n : undefined;
  let wad: bigint;
  if (scale >= 0) wad = digits * 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    if (digits % divisor !== 0n) return undefined; // more than 18 decimals
    wad = digits / divisor;
  }
  return sign === "-" ? -wad : wad;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function bad(parameter: string, expected: string, got: string): { ok: false; bad: BadRequest } {
  return { ok: false, bad: { error: `${expected}, got ${got}`, parameter } };
}

/**
 * An 18-decimal fixed-point number as a decimal string ("-0.3").
 *
 * @param wad the value
 * @returns its decimal text, without trailing zeros
 */
export function formatWad(wad: bigint): string {
  const sign = wad < 0n ? "-" : "";
  const abs = wad < 0n ? -wad : wad;
  const fraction = (abs % WAD).toString().padStart(18, "0").replace(/0+$/, "");
  return `${sign}${abs / WAD}${fraction === "" ? "" : `.${fraction}`}`;
}
