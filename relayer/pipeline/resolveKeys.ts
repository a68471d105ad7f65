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
  /** Bearer tokens for remote attesters, by lowercase address (`REMOTE_ATTESTER_TOKENS`). */
  attesterTokens?: ReadonlyMap<string, string>;
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
  const attesterTokens = remoteAttesterTokens(config, env.REMOTE_ATTESTER_TOKENS ?? "");
  return { relayer: relayer as Hex, attesters: attesters as Hex[], attesterTokens }; // both checked by checkKey
}

/** `REMOTE_ATTESTER_TOKENS` (`<address>=<token>,…`): each address one of `relayer.attesterUrls`. */
function remoteAttesterTokens(config: Config, listed: string): Map<string, string> {
  const remote = new Set(Object.keys(config.relayer.attesterUrls).map((a) => a.toLowerCase()));
  const tokens = new Map<string, string>();
  for (const entry of listed.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const at = entry.indexOf("=");
    const address = entry.slice(0, at).toLowerCase();
    if (at <= 0 || !remote.has(address) || entry.length === at + 1)
      throw new ConfigError("Bad REMOTE_ATTESTER_TOKENS.", [
        {
          path: "REMOTE_ATTESTER_TOKENS",
          message: `expected <address>=<token> pairs for addresses in relayer.attesterUrls, got an entry for ${JSON.stringify(entry.slice(0, Math.max(at, 0)))}`,
        },
      ]);
    tokens.set(address, entry.slice(at + 1));
  }
  return tokens;
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
