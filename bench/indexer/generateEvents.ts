import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
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
import { bulkDepositorAbi, bulkDepositorBytecode } from "../../shared/abis/generated.js";
import { defineLocalChain } from "../../shared/chains/defineLocalChain.js";
import type { ChainConfig } from "../../shared/config/schema.js";

/**
 * Anvil's default account 9 (public test key, unused by the devnet's roles): deploys the
 * `BulkDepositor`s and sends every generating transaction. Same key and nonce 0 on every chain,
 * so the `BulkDepositor` has the same address everywhere.
 */
const GENERATOR_KEY: Hex = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";
/** Transactions sent before waiting for their receipts. */
const WINDOW = 16;
/** Gas limit headroom over the estimate of a chain's first batch (later batches cost the same or less), capped at the block gas limit. */
const GAS_HEADROOM_PERCENT = 130n;
/** Wait this long for a receipt before mining a block by hand. */
const NUDGE_AFTER_MS = 3_000;
/** Blocks mined by hand for one transaction before giving up. */
const MAX_NUDGES = 10;
/** Fee cap: anvil's base fee stays near 1 gwei; the account holds 10,000 ETH. */
const MAX_FEE = parseGwei("50");

/** One vault chain's share of the events. */
export type ChainPlan = {
  chain: ChainConfig;
  /** Global index of this chain's first account (accounts are `deriveAccount(salt, index)`). */
  firstAccount: number;
  /** Deposits, one per account, to accounts `firstAccount` … `firstAccount + deposits − 1`. */
  deposits: number;
  /** Withdrawal requests by the `BulkDepositor` itself (each emits two events). */
  withdrawalRequests: number;
};

/** Parameters of {@link generateEvents}. */
export type GenerateEventsParameters = {
  /** Chains and their shares; generated in parallel. */
  plans: readonly ChainPlan[];
  /** The account family (`BENCH_SALT`). */
  salt: Hex;
  /** Deposits per transaction (`depositMany` batch size). */
  depositsPerTx: number;
  /** Withdrawal requests per transaction (`requestMany` batch size). */
  requestsPerTx: number;
  /** One line per window of transactions. */
  progress: (line: string) => void;
};

/** What was generated on one chain, counted from the receipts. */
export type ChainEvents = {
  chainId: number;
  deposits: number;
  withdrawalRequests: number;
  /** Logs emitted by the vault (Deposited, WithdrawalRequested, PacketSent). */
  vaultEvents: number;
  transactions: number;
  /** Gas of one full deposit batch, per deposit. */
  gasPerDeposit: bigint;
  firstBlock: bigint;
  lastBlock: bigint;
  bulkDepositor: Address;
};

/** Return type of {@link generateEvents}. */
export type GenerateEventsReturnType = { chains: ChainEvents[]; vaultEvents: number; seconds: number };

type Batch =
  | { functionName: "depositMany"; args: readonly [Address, Hex, bigint, bigint, bigint]; events: number }
  | { functionName: "requestMany"; args: readonly [Address, bigint, bigint]; events: number };

/**
 * Generates vault events on running devnet chains: deploys a `BulkDepositor` per chain, then sends
 * `depositMany` batches (one `Deposited` per account, the accounts distinct, the tokens the
 * chain's plain ERC-20 collaterals in turn) and `requestMany` batches (a `WithdrawalRequested` and
 * a `PacketSent` per request). Every receipt is checked for success and its vault logs counted.
 *
 * @param parameters per-chain plans, the account family, batch sizes and progress
 * @returns the events per chain (counted from receipts) and the wall time
 * @throws when a transaction reverts or a chain has no plain ERC-20 collateral
 * @example
 * await generateEvents({ plans, salt: BENCH_SALT, depositsPerTx: 250, requestsPerTx: 100, progress: console.log });
 */
export async function generateEvents(
  parameters: GenerateEventsParameters,
): Promise<GenerateEventsReturnType> {
  const started = performance.now();
  const chains = await Promise.all(
    parameters.plans.map((plan) => generateOnChain(plan, parameters, started)),
  );
  const vaultEvents = chains.reduce((sum, chain) => sum + chain.vaultEvents, 0);
  return { chains, vaultEvents, seconds: (performance.now() - started) / 1000 };
}

async function generateOnChain(
  plan: ChainPlan,
  parameters: GenerateEventsParameters,
  started: number,
): Promise<ChainEvents> {
  const { chain } = plan;
  const clients = chainClients(chain);
  const firstBlock = (await clients.public.getBlockNumber()) + 1n;
  const bulk = await deployBulkDepositor(clients, chain);
  const batches = planBatches(plan, parameters);
  const first = batches[0];
  if (first === undefined) throw new Error(`nothing to generate on chain ${chain.chainId}`);
  const estimate = await clients.public.estimateGas({
    account: clients.account,
    to: bulk,
    data: encodeBatch(first),
  });
  const { gasLimit } = await clients.public.getBlock();
  const gas = {
    depositMany: min((estimate * GAS_HEADROOM_PERCENT) / 100n, gasLimit),
    requestMany: min(16_000_000n, gasLimit),
  };

  let nonce = await clients.public.getTransactionCount({ address: clients.account.address });
  const totals = { vaultEvents: 0, deposits: 0, requests: 0, lastBlock: firstBlock, gasPerDeposit: 0n };
  for (let from = 0; from < batches.length; from += WINDOW) {
    const window = batches.slice(from, from + WINDOW);
    const hashes: Hex[] = [];
    for (const batch of window) {
      const request = { to: bulk, data: encodeBatch(batch), gas: gas[batch.functionName], nonce: nonce++ };
      hashes.push(
        await clients.wallet.sendTransaction({ ...request, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: 0n }),
      );
    }
    const receipts = await Promise.all(hashes.map((hash) => waitForReceipt(clients, hash)));
    for (const [i, receipt] of receipts.entries()) count(totals, window[i]!, receipt, chain.contracts.vault);
    parameters.progress(
      `chain ${chain.chainId}: ${totals.deposits.toLocaleString("en-US")}/${plan.deposits.toLocaleString("en-US")} deposits, ${totals.requests}/${plan.withdrawalRequests} withdrawal requests (${totals.vaultEvents.toLocaleString("en-US")} vault events, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  return {
    chainId: chain.chainId,
    deposits: totals.deposits,
    withdrawalRequests: totals.requests,
    vaultEvents: totals.vaultEvents,
    transactions: batches.length,
    gasPerDeposit: totals.gasPerDeposit,
    firstBlock,
    lastBlock: totals.lastBlock,
    bulkDepositor: bulk,
  };
}

type Clients = {
  account: PrivateKeyAccount;
  public: PublicClient;
  wallet: WalletClient<Transport, Chain, PrivateKeyAccount>;
  test: TestClient;
};

function chainClients(chain: ChainConfig): Clients {
  const viemChain = defineLocalChain(chain);
  const account = privateKeyToAccount(GENERATOR_KEY);
  return {
    account,
    public: createPublicClient({ chain: viemChain, transport: http(), pollingInterval: 20 }),
    wallet: createWalletClient({ account, chain: viemChain, transport: http() }),
    test: createTestClient({ mode: "anvil", chain: viemChain, transport: http() }),
  };
}

async function deployBulkDepositor(clients: Clients, chain: ChainConfig): Promise<Address> {
  const hash = await clients.wallet.deployContract({
    abi: bulkDepositorAbi,
    bytecode: bulkDepositorBytecode,
    args: [chain.contracts.vault],
  });
  const receipt = await clients.public.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || receipt.contractAddress == null)
    throw new Error(`BulkDepositor deployment failed on chain ${chain.chainId}`);
  return receipt.contractAddress;
}

/**
 * Adds a batch's receipt to the totals, checking that the vault emitted exactly what the batch
 * asked for: one `Deposited` per deposit; per request a `WithdrawalRequested` and a `PacketSent`,
 * plus the one `Deposited` funding them.
 */
function count(
  totals: {
    vaultEvents: number;
    deposits: number;
    requests: number;
    lastBlock: bigint;
    gasPerDeposit: bigint;
  },
  batch: Batch,
  receipt: TransactionReceipt,
  vault: Address,
): void {
  const logs = receipt.logs.filter((log) => log.address.toLowerCase() === vault.toLowerCase()).length;
  const expected = batch.functionName === "depositMany" ? batch.events : 2 * batch.events + 1;
  if (logs !== expected)
    throw new Error(
      `${batch.functionName} in ${receipt.transactionHash} emitted ${logs} vault events, expected ${expected}`,
    );
  totals.vaultEvents += logs;
  if (batch.functionName === "depositMany") {
    totals.deposits += batch.events;
    if (totals.gasPerDeposit === 0n) totals.gasPerDeposit = receipt.gasUsed / BigInt(batch.events);
  } else totals.requests += batch.events;
  if (receipt.blockNumber > totals.lastBlock) totals.lastBlock = receipt.blockNumber;
}

function encodeBatch(batch: Batch): Hex {
  return batch.functionName === "depositMany"
    ? encodeFunctionData({ abi: bulkDepositorAbi, functionName: "depositMany", args: batch.args })
    : encodeFunctionData({ abi: bulkDepositorAbi, functionName: "requestMany", args: batch.args });
}

/** Splits a chain's plan into `depositMany` / `requestMany` calls. */
function planBatches(plan: ChainPlan, parameters: GenerateEventsParameters): Batch[] {
  const tokens = Object.values(plan.chain.tokens).filter((token) => token.kind !== "erc4626");
  if (tokens.length === 0) throw new Error(`chain ${plan.chain.chainId} has no plain ERC-20 collateral`);
  const batches: Batch[] = [];
  let index = 0;
  for (let done = 0; done < plan.deposits; done += parameters.depositsPerTx) {
    const count = Math.min(parameters.depositsPerTx, plan.deposits - done);
    const token = tokens[index % tokens.length]!;
    const oneToken = 10n ** BigInt(token.decimals);
    const start = BigInt(plan.firstAccount + done);
    batches.push({
      functionName: "depositMany",
      args: [token.address, parameters.salt, start, BigInt(count), oneToken],
      events: count,
    });
    index += 1;
  }
  const stable = tokens.find((token) => token.kind === "stable") ?? tokens[0]!;
  for (let done = 0; done < plan.withdrawalRequests; done += parameters.requestsPerTx) {
    const count = Math.min(parameters.requestsPerTx, plan.withdrawalRequests - done);
    batches.push({
      functionName: "requestMany",
      args: [stable.address, BigInt(count), 10n ** BigInt(stable.decimals)],
      events: count,
    });
  }
  return batches;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * Waits for a receipt; if none comes within {@link NUDGE_AFTER_MS}, mines a block (anvil's
 * automine was seen, rarely, to leave a transaction pending when many arrive at once) and waits again.
 */
async function waitForReceipt(clients: Clients, hash: Hex): Promise<TransactionReceipt> {
  for (let attempt = 1; ; attempt++) {
    try {
      const receipt = await clients.public.waitForTransactionReceipt({
        hash,
        pollingInterval: 20,
        timeout: NUDGE_AFTER_MS,
      });
      if (receipt.status !== "success") throw new Error(`generating transaction ${hash} reverted`);
      return receipt;
    } catch (error) {
      if (!(error instanceof WaitForTransactionReceiptTimeoutError) || attempt >= MAX_NUDGES) throw error;
      await clients.test.mine({ blocks: 1 });
    }
  }
}
