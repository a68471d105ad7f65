import {
  type Account,
  bytesToHex,
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
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { freePort } from "../../scripts/devnet/freePort.js";
import { startAnvil as startAnvilProcess } from "../../scripts/devnet/startAnvil.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";

/** Anvil's default mnemonic (a public test mnemonic; its accounts never hold value). */
export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** Private keys of anvil's ten funded default accounts (derived from {@link ANVIL_MNEMONIC}). */
export const ANVIL_KEYS: readonly Hex[] = Array.from({ length: 10 }, (_, addressIndex) => {
  const privateKey = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex }).getHdKey().privateKey;
  if (!privateKey) throw new Error(`no private key derived for anvil account ${addressIndex}`);
  return bytesToHex(privateKey);
});

/**
 * The private key of anvil's default account `index`.
 *
 * @param index 0–9
 * @returns the key
 * @throws {RangeError} outside 0–9
 */
export function anvilKey(index: number): Hex {
  const key = ANVIL_KEYS[index];
  if (key === undefined) throw new RangeError(`anvil has ten default accounts, not ${index + 1}`);
  return key;
}

/** Parameters of {@link startAnvil}. */
export type StartAnvilParameters = {
  /** Port on 127.0.0.1 (default: a free port the OS picks). */
  port?: number;
  /** Chain id (default 31337). */
  chainId?: number;
};

/** Return type of {@link startAnvil}: a running anvil (automine) and viem clients for it. */
export type StartAnvilReturnType = {
  /** `http://127.0.0.1:<port>` */
  rpcUrl: string;
  chainId: number;
  /** The viem chain of this anvil. */
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  /** Signs locally with anvil account 0. */
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Anvil cheat codes (`mine`, `increaseTime`, `impersonateAccount`, …). */
  testClient: TestClient<"anvil", Transport, Chain>;
  /** Stops the anvil process; resolves once it is gone. */
  stop: () => Promise<void>;
};

/** How often a port is tried when the OS hands out one another process grabs first. */
const PORT_ATTEMPTS = 3;
/** Receipt polling: anvil mines at once, so poll fast instead of viem's 4 s default. */
const POLLING_INTERVAL_MS = 25;

/**
 * Starts an automining anvil (through the devnet's `scripts/devnet/startAnvil.ts`) and waits
 * until it answers `eth_chainId`; tests call it in `beforeAll` and `stop()` in `afterAll`.
 *
 * @param parameters port (default: a free one) and chain id (default 31337)
 * @returns the RPC URL, viem public / wallet (anvil account 0) / test clients, and `stop`
 * @throws the devnet's `AnvilError` when anvil does not start
 * @example
 * const anvil = await startAnvil();
 * const block = await anvil.publicClient.getBlockNumber();
 * await anvil.stop();
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<StartAnvilReturnType> {
  const chainId = parameters.chainId ?? 31337;
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = parameters.port ?? (await freePort());
    try {
      const anvil = await startAnvilProcess({ chainId, port, blockTimeSeconds: 0 });
      // anvil runs in its own process group: kill it if the test worker exits without `stop()`.
      process.once("exit", anvil.kill);
      const stop = async () => {
        process.off("exit", anvil.kill);
        await anvil.stop();
      };
      return withClients(anvil.rpcUrl, chainId, stop);
    } catch (error) {
      lastError = error;
      if (parameters.port !== undefined) break; // a fixed port: retrying would not help
    }
  }
  throw lastError;
}

function withClients(rpcUrl: string, chainId: number, stop: () => Promise<void>): StartAnvilReturnType {
  const chain = defineLocalChain({ chainId, name: `anvil-${chainId}`, rpcUrl, blockTimeMs: 1 });
  const transport = http(rpcUrl, { retryCount: 0 });
  const account = privateKeyToAccount(anvilKey(0));
  return {
    rpcUrl,
    chainId,
    chain,
    // cacheTime 0: a block number read right after a write is the chain's, not one cached before it mined.
    publicClient: createPublicClient({
      chain,
      transport,
      pollingInterval: POLLING_INTERVAL_MS,
      cacheTime: 0,
    }),
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: POLLING_INTERVAL_MS }),
    testClient: createTestClient({ chain, transport, mode: "anvil", pollingInterval: POLLING_INTERVAL_MS }),
    stop,
  };
}
