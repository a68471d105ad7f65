import { createHash } from "node:crypto";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { isLoopback } from "../ops/isLoopback.js";

/** Who may ask the attester to sign, how often, and how much at once. */
export type AttesterAccess = {
  /** Client name by the SHA-256 (hex) of its bearer token; empty: no authentication (loopback only). */
  clients: ReadonlyMap<string, string>;
  /** Requests per client per minute. */
  ratePerMinute: number;
  /** Leaves one balance batch may carry. */
  maxLeaves: number;
};

/** Defaults: a relayer's rounds stay far below; one batch of the largest `batchMaxLeaves` (2,000) fits. */
export const DEFAULT_ATTESTER_RATE_PER_MINUTE = 600;
export const DEFAULT_ATTESTER_MAX_LEAVES = 2_000;

/**
 * The attester server's access rules from the environment: `ATTESTER_CLIENT_TOKENS`
 * (`name=token,…`, one per relayer; each request then needs `Authorization: Bearer <token>`),
 * `ATTESTER_RATE_LIMIT` (requests per client per minute, default 600) and `ATTESTER_MAX_LEAVES`
 * (default 2000). Without tokens the server may only listen on a loopback address.
 *
 * @param env the environment
 * @param host the address the server will listen on
 * @returns the access rules
 * @throws {ConfigError} naming the variable that is wrong, or the host when it would be open to the network
 */
export function attesterAccessFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  host: string,
): AttesterAccess {
  const clients = new Map<string, string>();
  for (const entry of (env.ATTESTER_CLIENT_TOKENS ?? "").split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const at = entry.indexOf("=");
    const name = entry.slice(0, at);
    const token = entry.slice(at + 1);
    if (at <= 0 || token.length < 16)
      throw new ConfigError("Bad ATTESTER_CLIENT_TOKENS.", [
        {
          path: "ATTESTER_CLIENT_TOKENS",
          message: `expected name=token pairs separated by commas, each token at least 16 characters; got an entry starting ${JSON.stringify(entry.slice(0, Math.max(at, 0) + 1))}`,
        },
      ]);
    clients.set(tokenHash(token), name);
  }
  const ratePerMinute = positiveInt(env, "ATTESTER_RATE_LIMIT", DEFAULT_ATTESTER_RATE_PER_MINUTE);
  const maxLeaves = positiveInt(env, "ATTESTER_MAX_LEAVES", DEFAULT_ATTESTER_MAX_LEAVES);
  if (clients.size === 0 && !isLoopback(host))
    throw new ConfigError(`--host ${host} would let anyone on the network ask this attester to sign.`, [
      {
        path: "ATTESTER_CLIENT_TOKENS",
        message: "expected tokens for the relayers (name=token,…) to listen beyond loopback",
      },
    ]);
  return { clients, ratePerMinute, maxLeaves };
}

/** The key a token is known by (tokens are never kept in clear, nor compared byte by byte). */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function positiveInt(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new ConfigError(`Bad ${name}.`, [
      { path: name, message: `expected a positive integer, got ${JSON.stringify(raw)}` },
    ]);
  return Number(raw);
}
