import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";

/**
 * Field schemas the config schema is built from. Each one reports a single message that says
 * what was expected; `parseConfig` appends the value received.
 */

const ADDRESS_FORMAT = /^0x[0-9a-fA-F]{40}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * An EVM address: `0x` + 40 hex digits, EIP-55 checksum enforced when mixed case; output checksummed.
 *
 * @returns a zod schema producing a checksummed {@link Address}
 */
export function addressField() {
  const expected = "expected an address (0x + 40 hex digits)";
  return z.string({ error: expected }).transform((value, ctx): Address => {
    if (!ADDRESS_FORMAT.test(value)) {
      ctx.addIssue({ code: "custom", message: expected, input: value });
      return z.NEVER;
    }
    if (!isAddress(value, { strict: true })) {
      ctx.addIssue({
        code: "custom",
        message: "expected an address with a valid EIP-55 checksum (or all lowercase)",
        input: value,
      });
      return z.NEVER;
    }
    return getAddress(value);
  });
}

/**
 * A URL whose scheme is one of `protocols`.
 *
 * @param protocols accepted schemes without the colon, e.g. `["http", "https"]`
 * @returns a zod schema producing the URL string unchanged
 */
export function urlField(protocols: readonly string[]) {
  const schemes = protocols.map((p) => `${p}://`).join(", ");
  const expected = "expected a URL";
  return z.string({ error: expected }).superRefine((value, ctx) => {
    if (!URL.canParse(value)) {
      ctx.addIssue({ code: "custom", message: expected, input: value });
      return;
    }
    const scheme = new URL(value).protocol.replace(/:$/, "");
    if (!protocols.includes(scheme)) {
      ctx.addIssue({ code: "custom", message: `expected a URL with scheme ${schemes}`, input: value });
    }
  });
}

/**
 * A JSON number that is an integer in `[min, max]`.
 *
 * @param min smallest accepted value
 * @param max largest accepted value (defaults to `Number.MAX_SAFE_INTEGER`)
 * @returns a zod schema producing a `number`
 */
export function intField(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const expected =
    max === Number.MAX_SAFE_INTEGER
      ? `expected an integer ≥ ${min}`
      : `expected an integer from ${min} to ${max}`;
  return z
    .number({ error: expected })
    .refine((n) => Number.isSafeInteger(n) && n >= min && n <= max, { error: expected });
}

/**
 * An unsigned integer of at most `bits` bits, given as a decimal string, a safe-integer number or
 * a bigint; output as `bigint`.
 *
 * @param bits width of the Solidity type it ends up in (128 for `uint128`, 256 for `uint256`)
 * @returns a zod schema producing a `bigint`
 */
export function uintField(bits: number) {
  const expected = `expected a non-negative integer as a decimal string or a number (uint${bits})`;
  const max = (1n << BigInt(bits)) - 1n;
  return z
    .union([z.string(), z.number(), z.bigint()], { error: expected })
    .transform((value, ctx): bigint => {
      const parsed = toBigInt(value);
      if (parsed === undefined) {
        ctx.addIssue({ code: "custom", message: expected, input: value });
        return z.NEVER;
      }
      if (parsed > max) {
        ctx.addIssue({ code: "custom", message: `expected at most 2^${bits} − 1`, input: value });
        return z.NEVER;
      }
      return parsed;
    });
}

function toBigInt(value: string | number | bigint): bigint | undefined {
  if (typeof value === "bigint") return value >= 0n ? value : undefined;
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  return DECIMAL.test(value) ? BigInt(value) : undefined;
}
