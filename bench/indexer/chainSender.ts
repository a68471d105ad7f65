import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseGwei,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { ChainConfig } from "../../shared/config/schema.js";

/**
 * Anvil's default account 9 (public test key, unused by the devnet's roles): sends every
 * generating transaction. Nonce 0 on every chain deploys the `BulkDepositor`, so it has the same
 * address (and its traders too) everywhere.
 */
const GENERATOR_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
/** Fee cap: anvil's base fee stays near 1 gwei; the account holds 10,000 ETH. */
const MAX_FEE = parseGwei("50");
/** Wait this long for a receipt before mining a block by hand, at most this many times. */
const NUDGE_AFTER_MS = 3_000;
const MAX_NUDGES = 10;

/** One transaction to send (a deployment without `to`). */
export type Call = { to?: Address; data: Hex };

/** Sends the generator's transactions on one chain, nonces in order. */
export type ChainSender = {
  chain: ChainConfig;
  client: PublicClient<Transport, Chain>;
  wallet: WalletClient<Transport, Chain, PrivateKeyAccount>;
  test: TestClient<"anvil", Transport, Chain>;
  /** Sends the calls in one go (consecutive nonces) and waits for every receipt; throws on a revert. */
  send: (calls: readonly Call[]) => Promise<TransactionReceipt[]>;
};

/**
 * The generator's clients and sender for a devnet chain (JSON-RPC requests batched over http).
 *
 * @param chain the chain's config entry
 * @returns clients and `send`
 */
export async function chainSender(chain: ChainConfig): Promise<ChainSender> {
  const viemChain = defineLocalChain(chain);
  // Mining after 100,000 deposits can take anvil longer than viem's default 10 s on a busy machine.
  const transport = http(chain.rpcUrl, { batch: true, timeout: 180_000 });
  const account = privateKeyToAccount(GENERATOR_KEY);
  const client = createPublicClient({ chain: viemChain, transport, pollingInterval: 20 });
  const wallet = createWalletClient({ account, chain: viemChain, transport });
  const test = createTestClient({ mode: "anvil", chain: viemChain, transport });
  let nonce = await client.getTransactionCount({ address: account.address });
  const { gasLimit } = await client.getBlock();
  const send = async (calls: readonly Call[]) => {
    const hashes: Hex[] = [];
    for (const call of calls)
      hashes.push(
        await wallet.sendTransaction({
          ...call,
          gas: gasLimit,
          nonce: nonce++,
          maxFeePerGas: MAX_FEE,
          maxPriorityFeePerGas: 0n,
        }),
      );
    return Promise.all(hashes.map((hash) => waitForReceipt(client, test, hash)));
  };
  return { chain, client, wallet, test, send };
}

/**
 * Waits for a receipt; if none comes within {@link NUDGE_AFTER_MS}, mines a block (anvil's
 * automine was seen, rarely, to leave a transaction pending when many arrive at once) and waits again.
 */
async function waitForReceipt(
  client: PublicClient<Transport, Chain>,
  test: TestClient<"anvil", Transport, Chain>,
  hash: Hex,
): Promise<TransactionReceipt> {
  for (let attempt = 1; ; attempt++) {
    try {
      const receipt = await client.waitForTransactionReceipt({
        hash,
        pollingInterval: 20,
        timeout: NUDGE_AFTER_MS,
      });
      if (receipt.status !== "success") throw new Error(`generating transaction ${hash} reverted`);
      return receipt;
    } catch (error) {
      if (!(error instanceof WaitForTransactionReceiptTimeoutError) || attempt >= MAX_NUDGES) throw error;
      await test.mine({ blocks: 1 });
    }
  }
}
