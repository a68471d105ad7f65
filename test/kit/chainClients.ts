import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { ChainConfig } from "../../shared/config/schema.js";

/** viem clients for one devnet chain. */
export type ChainClients = {
  chain: ChainConfig;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** A wallet client signing with `key` (pass it with `publicClient` to `writeAndWait`). */
  walletFor: (key: Hex) => WalletClient<Transport, Chain, Account>;
};

/** Receipts are polled this often: anvil automines. */
const POLLING_MS = 25;

/**
 * viem clients (public, anvil test client, wallets by key) for a chain of the config, for tests
 * that drive the devnet.
 *
 * @param chain the chain's config entry
 * @returns the clients
 * @example
 * const hub = chainClients(hubChain(devnet.config));
 * await writeAndWait({ publicClient: hub.publicClient, walletClient: hub.walletFor(key) }, { … });
 */
export function chainClients(chain: ChainConfig): ChainClients {
  const viemChain = defineLocalChain(chain);
  const transport = http(chain.rpcUrl, { retryCount: 0 });
  return {
    chain,
    // cacheTime 0: a block number read right after a write is the chain's, not one cached before it mined.
    publicClient: createPublicClient({
      chain: viemChain,
      transport,
      pollingInterval: POLLING_MS,
      cacheTime: 0,
    }),
    testClient: createTestClient({ chain: viemChain, transport, mode: "anvil", pollingInterval: POLLING_MS }),
    walletFor: (key) =>
      createWalletClient({
        chain: viemChain,
        transport,
        account: privateKeyToAccount(key),
        pollingInterval: POLLING_MS,
      }),
  };
}

/**
 * The address of a configured token on the chain.
 *
 * @param clients the chain's clients
 * @param symbol the token's symbol in the config
 * @returns its address
 * @throws {Error} when the chain does not list it
 */
export function tokenAddress(clients: ChainClients, symbol: string): Address {
  const token = clients.chain.tokens[symbol];
  if (token === undefined) throw new Error(`chain ${clients.chain.chainId} lists no ${symbol}`);
  return token.address;
}
