import { type Account, type Chain, createWalletClient, http, type Transport, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { Config } from "../../shared/config/schema.js";
import type { RelayerKeys } from "./resolveKeys.js";

/** A wallet client with the relayer's account. */
export type RelayerWallet = WalletClient<Transport, Chain, Account>;

/**
 * One wallet client per configured chain, all with the relayer's key (`keys.relayer`).
 *
 * @param config the parsed config
 * @param keys the relayer's keys
 * @returns chain id → wallet client
 */
export function createWallets(config: Config, keys: RelayerKeys): Map<number, RelayerWallet> {
  const account = privateKeyToAccount(keys.relayer);
  return new Map(
    Object.values(config.chains).map((chain) => [
      chain.chainId,
      createWalletClient({
        account,
        chain: defineLocalChain(chain),
        transport: http(chain.rpcUrl, { retryCount: 3 }),
      }),
    ]),
  );
}
