import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import { AttesterKeyError } from "./errors.js";

/** The environment variable holding a remote attester's key. */
export const ATTESTER_KEY_VARIABLE = "ATTESTER_PRIVATE_KEY";

/**
 * Reads and checks the attester's key from `ATTESTER_PRIVATE_KEY`: a 32-byte hex key whose
 * address is in `config.attesters.addresses`. Error messages never contain the key.
 *
 * @param env the environment
 * @param config the parsed config
 * @returns the key and its address
 * @throws {AttesterKeyError} when missing, malformed, not a valid secp256k1 key, or not an attester's
 */
export function readAttesterKey(
  env: Readonly<Record<string, string | undefined>>,
  config: Config,
): { privateKey: Hex; address: Address } {
  const raw = env[ATTESTER_KEY_VARIABLE]?.trim();
  if (raw === undefined || raw === "") {
    throw new AttesterKeyError(
      `${ATTESTER_KEY_VARIABLE} is not set: expected the attester's private key (0x + 64 hex digits).`,
    );
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) {
    throw new AttesterKeyError(
      `${ATTESTER_KEY_VARIABLE} is not a 32-byte hex key: expected 0x + 64 hex digits, got ${raw.length} characters${raw.startsWith("0x") ? "" : " without a 0x prefix"}.`,
    );
  }
  // Checked just above: 0x + 64 hex digits.
  const privateKey = raw as Hex;
  let address: Address;
  try {
    address = privateKeyToAccount(privateKey).address;
  } catch {
    // No cause: the library's message may quote the key.
    throw new AttesterKeyError(
      `${ATTESTER_KEY_VARIABLE} is not a valid secp256k1 private key (zero or not below the curve order).`,
    );
  }
  const members = config.attesters.addresses;
  if (!members.includes(address)) {
    throw new AttesterKeyError(
      `${ATTESTER_KEY_VARIABLE} belongs to ${address}, which is not in attesters.addresses (${members.join(", ")}).`,
    );
  }
  return { privateKey, address };
}
