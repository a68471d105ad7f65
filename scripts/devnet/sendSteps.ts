import {
  type Abi,
  createPublicClient,
  decodeErrorResult,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  BaseError as ViemBaseError,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetAccount } from "./accounts.js";
import { devnetChain } from "./devnetChain.js";
import { DeployError } from "./errors.js";
import type { AddressBook, Step } from "./planDeployment.js";

/** Parameters of {@link sendSteps}. */
export type SendStepsParameters = {
  chainId: number;
  rpcUrl: string;
  /** The chain's steps in nonce order (from `planDeployment`). */
  steps: Step[];
  /** Every planned address, all chains. */
  book: AddressBook;
  /** Sender of every step (the deployer; the plan's nonces are its nonces). */
  account: DevnetAccount;
  /** How often to poll for receipts. */
  pollingIntervalMs: number;
};

/** What {@link sendSteps} did. */
export type SendStepsReturnType = {
  /** Block of the first mined step (where indexing of this chain can start). */
  firstBlock: bigint;
  /** Transactions sent. */
  transactions: number;
};

/** Priority fee of every devnet transaction. */
const PRIORITY_FEE = 1_000_000_000n;

/**
 * Sends one chain's deployment, one level at a time: each level's gas is estimated against the
 * mined result of the levels below, then all of its transactions go out at once with explicit
 * nonces (no waiting between them), and only the level's last receipt is awaited (a sender's
 * transactions are mined in nonce order). Every receipt is then checked, and every deployment's
 * address compared with the plan.
 *
 * @param params the chain, its steps, the address book and the sender
 * @returns the first block used and the number of transactions
 * @throws DeployError naming the step that failed (with the decoded revert when there is one)
 * @example
 * await sendSteps({ chainId, rpcUrl, steps: plan.steps.get(chainId)!, book: plan.book, account, pollingIntervalMs: 100 });
 */
export async function sendSteps(params: SendStepsParameters): Promise<SendStepsReturnType> {
  const client = createPublicClient({
    chain: devnetChain(params.chainId, params.rpcUrl),
    transport: http(params.rpcUrl, { batch: true }),
    pollingInterval: params.pollingIntervalMs,
  });
  const levels = [...new Set(params.steps.map((step) => step.level))].sort((a, b) => a - b);
  let firstBlock: bigint | undefined;
  for (const level of levels) {
    const steps = params.steps.filter((step) => step.level === level);
    const receipts = await sendLevel(client, params, steps);
    for (const receipt of receipts) {
      if (firstBlock === undefined || receipt.blockNumber < firstBlock) firstBlock = receipt.blockNumber;
    }
  }
  return { firstBlock: firstBlock ?? 0n, transactions: params.steps.length };
}

async function sendLevel(
  client: PublicClient,
  params: SendStepsParameters,
  steps: Step[],
): Promise<TransactionReceipt[]> {
  const signer = privateKeyToAccount(params.account.privateKey);
  const block = await client.getBlock();
  const maxFeePerGas = (block.baseFeePerGas ?? PRIORITY_FEE) * 2n + PRIORITY_FEE;
  const prepared = await Promise.all(
    steps.map(async (step) => {
      const to = step.to?.(params.book);
      const data = step.data(params.book);
      const gas = await client
        .estimateGas({ account: params.account.address, to, data })
        .catch((error: unknown) => {
          throw new DeployError(params.chainId, step.label, revertReason(error, step.abi));
        });
      // Margin over the estimate: steps of one level are estimated before their siblings are mined.
      return { step, to, data, gas: (gas * 5n) / 4n + 25_000n };
    }),
  );
  const serializedTxs = await Promise.all(
    prepared.map(async ({ step, to, data, gas }) => {
      const serialized = await signer.signTransaction({
        chainId: params.chainId,
        type: "eip1559",
        nonce: step.nonce,
        gas,
        maxFeePerGas,
        maxPriorityFeePerGas: PRIORITY_FEE,
        ...(to === undefined ? {} : { to }),
        data,
      });
      return { step, serialized };
    }),
  );
  // Submitted one by one in nonce order (without waiting for receipts): with automine, anvil
  // may leave a transaction that arrived before its predecessor queued until the next one comes,
  // so concurrent submission sometimes stranded the last transaction of a round.
  const hashes: Hex[] = [];
  for (const { step, serialized } of serializedTxs) {
    hashes.push(
      await client.sendRawTransaction({ serializedTransaction: serialized }).catch((error: unknown) => {
        throw new DeployError(params.chainId, step.label, shortMessage(error));
      }),
    );
  }
  const last = hashes[hashes.length - 1];
  if (last === undefined) return [];
  await client.waitForTransactionReceipt({
    hash: last,
    pollingInterval: params.pollingIntervalMs,
    timeout: 60_000,
  });
  const receipts = await Promise.all(hashes.map((hash) => client.getTransactionReceipt({ hash })));
  for (const [index, receipt] of receipts.entries()) checkReceipt(params, prepared[index]!.step, receipt);
  return receipts;
}

function checkReceipt(params: SendStepsParameters, step: Step, receipt: TransactionReceipt): void {
  if (receipt.status !== "success") {
    const where = `transaction ${receipt.transactionHash} reverted in block ${receipt.blockNumber}`;
    throw new DeployError(params.chainId, step.label, where);
  }
  if (step.deploys === undefined) return;
  const planned = params.book.get(params.chainId)?.get(step.deploys);
  if (receipt.contractAddress?.toLowerCase() !== planned?.toLowerCase()) {
    throw new DeployError(
      params.chainId,
      step.label,
      `deployed at ${receipt.contractAddress} instead of the planned ${planned} (did something else use the deployer's nonces?)`,
    );
  }
}

/** The custom error a simulation reverted with, decoded with the step's ABI when possible. */
function revertReason(error: unknown, abi: Abi): string {
  const data = revertData(error);
  if (data !== undefined && data !== "0x") {
    try {
      const decoded = decodeErrorResult({ abi, data });
      const args = (decoded.args ?? []).map((arg) => String(arg)).join(", ");
      return `reverted with ${decoded.errorName}(${args})`;
    } catch {
      return `reverted with data ${data}`;
    }
  }
  return shortMessage(error);
}

function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const found = error.walk((cause) => typeof cause === "object" && cause !== null && "data" in cause);
  if (typeof found !== "object" || found === null || !("data" in found)) return undefined;
  const data = found.data;
  if (typeof data === "string" && data.startsWith("0x")) return data as Hex; // checked: a 0x-prefixed string
  if (typeof data === "object" && data !== null && "data" in data && typeof data.data === "string") {
    return data.data as Hex; // RPC error objects nest the revert data one level down
  }
  return undefined;
}

/** viem's one-line summary and details, without the request body its full message carries. */
function shortMessage(error: unknown): string {
  if (error instanceof ViemBaseError) {
    const details = error.details && error.details !== error.shortMessage ? ` (${error.details})` : "";
    const hint = error.details?.includes("CreateContractSizeLimit")
      ? "; its runtime code is over EIP-170's 24,576 bytes (see `cd contracts && npx forge build --sizes`)"
      : "";
    return `${error.shortMessage}${details}${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}
