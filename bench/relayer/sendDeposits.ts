import { type Address, encodeFunctionData, type Hex, parseGwei } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { collateralVaultAbi } from "../../shared/abis/generated.js";
import { type BenchChain, FUNDER_KEY } from "./startBenchNet.js";

/** One `depositFor` the funder makes. */
export type DepositOrder = { account: Address; token: Address; amount: bigint };

/** Parameters of {@link sendDeposits}. */
export type SendDepositsParameters = {
  orders: readonly DepositOrder[];
  /** Gas limit of every deposit transaction. */
  gas: bigint;
  /** Transactions in flight at once (default 32). */
  concurrency?: number;
};

/** Return type of {@link sendDeposits}. */
export type SendDepositsReturnType = {
  hashes: Hex[];
  /** Wall-clock times (ms) of the first send and of the last send's answer. */
  firstSentAt: number;
  lastSentAt: number;
  /** The funder's nonce after the last transaction (it is mined once `latest` reaches it). */
  nextNonce: number;
};

/** Fee cap well above the base fee anvil reaches under the burst (it starts near 1 gwei). */
const MAX_FEE = parseGwei("100");
const TIP = parseGwei("1");

/**
 * Sends the funder's `depositFor` transactions as fast as the node takes them: every transaction
 * is signed first, with explicit consecutive nonces, then sent raw with a window of requests in
 * flight and no waiting for receipts.
 *
 * @param chain the vault chain
 * @param parameters deposits, gas limit, concurrency
 * @returns the hashes, the send times and the next nonce
 */
export async function sendDeposits(
  chain: BenchChain,
  parameters: SendDepositsParameters,
): Promise<SendDepositsReturnType> {
  const account = privateKeyToAccount(FUNDER_KEY);
  const first = await chain.client.getTransactionCount({ address: account.address, blockTag: "pending" });
  const vault = chain.config.contracts.vault;
  const signed = await Promise.all(
    parameters.orders.map((order, i) =>
      account.signTransaction({
        chainId: chain.config.chainId,
        type: "eip1559",
        nonce: first + i,
        gas: parameters.gas,
        maxFeePerGas: MAX_FEE,
        maxPriorityFeePerGas: TIP,
        to: vault,
        data: encodeFunctionData({
          abi: collateralVaultAbi,
          functionName: "depositFor",
          args: [order.account, order.token, order.amount],
        }),
      }),
    ),
  );
  const hashes: Hex[] = new Array(signed.length);
  const firstSentAt = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < signed.length) {
      const index = next++;
      const raw = signed[index] as Hex; // index < signed.length
      hashes[index] = await chain.client.request({ method: "eth_sendRawTransaction", params: [raw] });
    }
  };
  await Promise.all(Array.from({ length: parameters.concurrency ?? 32 }, worker));
  return { hashes, firstSentAt, lastSentAt: Date.now(), nextNonce: first + signed.length };
}

/**
 * Waits until every transaction the funder sent is mined (its `latest` nonce reaches `nextNonce`).
 *
 * @param chain the vault chain
 * @param nextNonce the funder's nonce after its last transaction
 * @param timeoutMs give up after this long
 */
export async function waitForFunderNonce(
  chain: BenchChain,
  nextNonce: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const address = privateKeyToAccount(FUNDER_KEY).address;
  for (;;) {
    const mined = await chain.client.getTransactionCount({ address, blockTag: "latest" });
    if (mined >= nextNonce) return;
    if (Date.now() > deadline) {
      throw new Error(
        `chain ${chain.config.chainId}: only ${mined}/${nextNonce} of the funder's transactions mined in time`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
