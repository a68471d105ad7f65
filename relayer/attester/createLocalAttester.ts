import type { Hex, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../shared/config/schema.js";
import { ConfigError } from "../../shared/errors/BaseError.js";
import type { Claim } from "../types.js";
import { signClaim } from "./signClaim.js";
import type { Attester } from "./types.js";
import { verifyClaim } from "./verifyClaim.js";

/** Parameters of {@link createLocalAttester}. */
export type CreateLocalAttesterParameters = {
  /** The parsed config. */
  config: Config;
  /** This attester's own RPC clients, one per configured chain (see `createPublicClients`). */
  clients: Map<number, PublicClient>;
  /** The attester's private key. */
  privateKey: Hex;
};

/**
 * An in-process attester: for each claim it re-reads the chain from its own clients
 * ({@link verifyClaim}) and only then signs ({@link signClaim}).
 *
 * @param parameters config, clients and key
 * @returns the attester (its address derived from the key)
 * @throws {ConfigError} when a configured chain has no client
 * @example
 * const attester = createLocalAttester({ config, clients: createPublicClients(config), privateKey });
 * const signature = await attester.attest(claim);
 */
export function createLocalAttester(parameters: CreateLocalAttesterParameters): Attester {
  const { config, clients } = parameters;
  const missing = Object.values(config.chains).filter((chain) => !clients.has(chain.chainId));
  if (missing.length > 0) {
    throw new ConfigError(
      "The attester needs an RPC client for every configured chain.",
      missing.map((chain) => ({
        path: `chains.${chain.chainId}`,
        message: "no client given for this chain",
      })),
    );
  }
  const account = privateKeyToAccount(parameters.privateKey);
  return {
    address: account.address,
    async attest(claim: Claim): Promise<Hex> {
      await verifyClaim({ config, clients, claim });
      return signClaim({ privateKey: account, claim, config });
    },
  };
}
