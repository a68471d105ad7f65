import { type Address, isAddress } from "viem";

/** A 400 answer: what is wrong and which parameter. */
export type BadRequest = { error: string; parameter: string };

/** A parsed parameter, or why it was rejected. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; bad: BadRequest };

const GUID = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses an account address path parameter (any case; EIP-55 checked when mixed case).
 *
 * @param value the raw parameter
 * @param parameter its name, reported back in the error
 * @returns the lowercase address, or a 400 naming the parameter
 * @example
 * parseAddress("nope", "address"); // { ok: false, bad: { error: "expected an address (0x + 40 hex digits), got \"nope\"", parameter: "address" } }
 */
export function parseAddress(value: string | undefined, parameter: string): Parsed<Address> {
  if (value === undefined || !isAddress(value, { strict: true })) {
    return bad(
      parameter,
      `expected an address (0x + 40 hex digits, valid EIP-55 checksum if mixed case)`,
      value,
    );
  }
  return { ok: true, value: value.toLowerCase() as Address }; // isAddress checked it; lowercasing keeps it one
}

/**
 * Parses a packet guid path parameter.
 *
 * @param value the raw parameter
 * @param parameter its name, reported back in the error
 * @returns the lowercase guid, or a 400 naming the parameter
 */
export function parseGuid(value: string | undefined, parameter: string): Parsed<`0x${string}`> {
  if (value === undefined || !GUID.test(value))
    return bad(parameter, "expected a guid (0x + 64 hex digits)", value);
  return { ok: true, value: value.toLowerCase() as `0x${string}` }; // matched 0x + hex just above
}

/**
 * Parses an optional chain id query parameter against the chains the indexer knows.
 *
 * @param value the raw parameter (undefined or empty: no filter)
 * @param parameter its name, reported back in the error
 * @param known the configured chain ids
 * @returns the chain id (or undefined for no filter), or a 400 naming the parameter
 */
export function parseChainFilter(
  value: string | undefined,
  parameter: string,
  known: ReadonlySet<number>,
): Parsed<number | undefined> {
  if (value === undefined || value === "") return { ok: true, value: undefined };
  const ids = [...known].sort((a, b) => a - b).join(", ");
  if (!DECIMAL.test(value)) return bad(parameter, `expected a chain id (one of ${ids})`, value);
  const chainId = Number(value);
  if (!known.has(chainId)) return bad(parameter, `unknown chain (expected one of ${ids})`, value);
  return { ok: true, value: chainId };
}

function bad(parameter: string, expected: string, value: string | undefined): { ok: false; bad: BadRequest } {
  const got =
    value === undefined
      ? ""
      : `, got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
  return { ok: false, bad: { error: `${expected}${got}`, parameter } };
}
