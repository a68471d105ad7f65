import { type Hex, isHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";

/** The keys a relayer process signs with. */
export type RelayerKeys = {
  /** Sends the delivery transactions on every chain. */
  relayer: Hex;
  /** Attesters that sign in-process (their addresses must be in `config.attesters`). */
  attesters: Hex[];
};

const KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * The relayer's keys: `RELAYER_PRIVATE_KEY` and `ATTESTER_PRIVATE_KEYS` (comma-separated) from the
 * environment; on the devnet, when they are unset, the manifest's demo accounts.
 *
 * @param config the parsed config (a devnet manifest carries `accounts`)
 * @param env the environment
 * @returns the keys
 * @throws {ConfigError} naming the variable when a key is malformed, unknown, or missing
 */
export function resolveKeys(config: Config, env: Readonly<Record<string, string | undefined>>): RelayerKeys {
  const devnet = devnetKeys(config.accounts);
  const relayer = env.RELAYER_PRIVATE_KEY || devnet.relayer;
  if (relayer === undefined) {
    throw new ConfigError("No relayer key.", [
      { path: "RELAYER_PRIVATE_KEY", message: "expected a 32-byte hex private key (0x + 64 hex digits)" },
    ]);
  }
  checkKey("RELAYER_PRIVATE_KEY", relayer);
  const listed = env.ATTESTER_PRIVATE_KEYS;
  const attesters =
    listed !== undefined && listed !== "" ? listed.split(",").map((key) => key.trim()) : devnet.attesters;
  const members = new Set(config.attesters.addresses.map((a) => a.toLowerCase()));
  attesters.forEach((key, index) => {
    checkKey(`ATTESTER_PRIVATE_KEYS[${index}]`, key);
    const address = privateKeyToAccount(key as Hex).address; // checked just above
    if (!members.has(address.toLowerCase())) {
      throw new ConfigError("An attester key is not in the attester set.", [
        {
          path: `ATTESTER_PRIVATE_KEYS[${index}]`,
          message: `expected the key of an address in attesters.addresses, got the key of ${address}`,
        },
      ]);
    }
  });
  return { relayer: relayer as Hex, attesters: attesters as Hex[] }; // both checked by checkKey
}

function checkKey(name: string, key: string): void {
  if (!KEY.test(key)) {
    throw new ConfigError(`Malformed private key in ${name}.`, [
      { path: name, message: "expected a 32-byte hex private key (0x + 64 hex digits)" },
    ]);
  }
}

/** The devnet manifest's `accounts` (relayer and attesters), when present and well formed. */
function devnetKeys(accounts: unknown): { relayer?: string; attesters: string[] } {
  if (typeof accounts !== "object" || accounts === null) return { attesters: [] };
  const record = accounts as { relayer?: { privateKey?: unknown }; attesters?: { privateKey?: unknown }[] }; // shape of DevnetAccounts, checked below
  const relayer = record.relayer?.privateKey;
  const attesters = Array.isArray(record.attesters)
    ? record.attesters.map((a) => a.privateKey).filter((k): k is string => typeof k === "string" && isHex(k))
    : [];
  return { ...(typeof relayer === "string" ? { relayer } : {}), attesters };
}
