import { type Address, encodePacked, type Hex, keccak256 } from "viem";
import { ConfigError } from "../../../shared/errors/BaseError.js";

/** The environment variable holding the solvency salt secret (32 bytes of hex). */
export const SOLVENCY_SECRET_ENV = "CROSSMARGIN_SOLVENCY_SECRET";
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * The secret the leaf salts derive from: `$CROSSMARGIN_SOLVENCY_SECRET`, the same on every
 * replica (each answers the same tree). Unset: 32 zero bytes, and the salts hide nothing (anyone
 * can recompute them), which only matters where the credits are not public anyway.
 *
 * @param env the environment
 * @returns the secret and whether one was configured
 * @throws {ConfigError} when the variable is set but not 0x + 64 hex digits
 */
export function solvencySecret(env: Readonly<Record<string, string | undefined>>): {
  secret: Hex;
  configured: boolean;
} {
  const value = env[SOLVENCY_SECRET_ENV];
  if (value === undefined || value === "") return { secret: `0x${"00".repeat(32)}`, configured: false };
  if (!BYTES32.test(value))
    throw new ConfigError("Invalid solvency secret.", [
      { path: SOLVENCY_SECRET_ENV, message: "expected 32 bytes of hex (0x + 64 hex digits)" },
    ]);
  return { secret: value.toLowerCase() as Hex, configured: true }; // matched 0x + hex just above
}

/**
 * An account's leaf salt in the report at `block`: `keccak256(abi.encodePacked(bytes32 secret,
 * address account, uint64 block))`. A new salt per report: a leaf hash does not show whether the
 * account's value changed between two reports.
 *
 * @param parameters the secret, the account (lowercase) and the hub block
 * @returns the salt
 */
export function solvencySalt(parameters: { secret: Hex; account: Address; block: bigint }): Hex {
  return keccak256(
    encodePacked(["bytes32", "address", "uint64"], [parameters.secret, parameters.account, parameters.block]),
  );
}
