import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  parseTransaction,
  TransactionNotFoundError,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { ConfigError } from "../../shared/errors/BaseError.js";
import { classifyDeliveryError } from "./classifyDeliveryError.js";
import {
  DeliveryRetryError,
  DeliveryRevertedError,
  NonceTakenError,
  TransactionStuckError,
} from "./errors.js";
import { findSentReceipt } from "./findSentReceipt.js";

/**
 * A contract call to send, with the contract's full ABI so that a revert decodes by name
 * (`simulateContract`'s `request` carries only the function's ABI item: pass the call you
 * simulated, e.g. `buildDeliveryCall`'s result, or `{ ...request, abi }`). Sent by the wallet's account.
 */
export type DeliveryRequest = {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[] | undefined;
  value?: bigint | undefined;
};

/**
 * Transactions sent for one delivery: one nonce, every (fee-bumped) hash, oldest first, and the
 * newest one signed (raw, to broadcast again; fees as decimal strings, as job data is JSON).
 */
export type SentTransactions = { nonce: number; hashes: Hex[]; last?: SignedAttempt | undefined };

/** One signed transaction of a delivery, recorded before it is broadcast. */
export type SignedAttempt = { raw: Hex; maxFeePerGas: string; maxPriorityFeePerGas: string };

/** Parameters of {@link sendWithReplacement}. */
export type SendWithReplacementParameters = {
  /** A public client of the destination chain. */
  publicClient: PublicClient;
  /** Signs and sends; its account is the relayer's (one worker per chain and account). */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  /** The call to send (simulated already), with the contract's full ABI. */
  request: DeliveryRequest;
  /** How long one transaction may stay unmined before its fee is bumped. */
  receiptTimeoutMs: number;
  /** Fee increase of each replacement in percent (at least 10 is applied). */
  feeBumpPercent: number;
  /** Replacements before giving up with {@link TransactionStuckError}. */
  maxFeeBumps: number;
  /** What an earlier attempt of this job sent (`DeliverJobData.sent`), to resume instead of sending twice. */
  previous?: SentTransactions | undefined;
  /**
   * Called with every hash so far after each transaction is signed and before it is broadcast
   * (the worker stores it with `job.updateData`): a crash after the node accepted it leaves a trace.
   */
  onSent: (sent: SentTransactions) => Promise<void>;
  /**
   * Called after the node accepted a transaction (for logs and metrics); `again` when a resumed
   * job broadcast its recorded transaction a second time because the node had lost it.
   */
  onBroadcast?: ((sent: SentTransactions, again?: boolean) => void) | undefined;
  /** How often receipts are polled (default: the public client's polling interval, at most a quarter of the timeout). */
  pollingIntervalMs?: number | undefined;
  /**
   * Runs the nonce read and first send of a fresh delivery exclusively (the worker's lock for this
   * chain and account), so deliveries may overlap while each takes its own nonce. Default: no lock
   * (then only one delivery per chain and account may run at a time).
   */
  exclusive?: (<T>(fn: () => Promise<T>) => Promise<T>) | undefined;
};

/** EIP-1559 fees of one transaction. */
type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
/** A transaction of an earlier attempt still pending: its fees (to outbid) and gas limit. */
type InFlight = Fees & { gas: bigint };

/** Headroom over the gas estimate (state may change a little before inclusion). */
const GAS_HEADROOM_PERCENT = 120n;
/** Nodes reject a replacement that raises fees by less than this. */
const MIN_BUMP_PERCENT = 10;
/** Send errors of a replacement that mean "the nonce is taken or still held": keep waiting instead. */
const TOLERATED_REPLACEMENT_ERRORS = new Set(["NonceTooLow", "ReplacementUnderpriced", "AlreadyKnown"]);

/**
 * Sends a contract call and waits for it to be mined, replacing it with higher fees while it is
 * stuck.
 *
 * - With `previous` (the job is retried after a crash or a timeout), first looks for a receipt of
 *   any earlier hash (→ returned); if the account's nonce moved past `previous.nonce` without one
 *   of ours, throws {@link NonceTakenError} (retryable: the job re-checks `isDelivered` and sends
 *   again); if an earlier transaction is still pending, replaces it (same nonce, bumped fees).
 * - Each attempt is signed locally, its hash recorded with `onSent`, then broadcast
 *   (`eth_sendRawTransaction`): sign → record → broadcast. On resume, a recorded transaction the
 *   node no longer holds is broadcast again as signed while its nonce is still free.
 * - Otherwise takes the nonce from the chain (`getTransactionCount`, blockTag `pending`). The gas
 *   estimate and fees come first; the nonce read and first send run inside `exclusive` (the
 *   worker's per-chain lock, held for those two calls and the record), so several
 *   deliveries of one account can be in flight; two relayer processes must use different keys,
 *   or accept "nonce too low" retries.
 * - Fees from `estimateFeesPerGas` (EIP-1559); `onSent` gets the hash before the broadcast.
 * - After `receiptTimeoutMs` without a receipt, re-sends the same call with the same nonce and
 *   both fee caps raised by `feeBumpPercent` (at least +10%, and at least the current estimate),
 *   calls `onSent` with all hashes, up to `maxFeeBumps` times; then throws {@link TransactionStuckError}.
 * - A reverted receipt is explained by simulating the call again at its block: an "already
 *   applied" revert throws {@link DeliveryRevertedError} with `outcome: "already"`, a passing
 *   condition {@link DeliveryRetryError}, anything else {@link DeliveryRevertedError}.
 *
 * @param parameters clients, call, timeouts, fee policy, previous attempt, `onSent`
 * @returns the successful receipt (of whichever of the hashes mined)
 * @throws {TransactionStuckError} when no attempt mined in time
 * @throws {NonceTakenError} when the nonce was used by a transaction that is not ours
 * @throws {DeliveryRevertedError} / {@link DeliveryRetryError} when the mined transaction reverted
 * @throws {ConfigError} when a timeout or fee setting is out of range
 */
export async function sendWithReplacement(
  parameters: SendWithReplacementParameters,
): Promise<TransactionReceipt> {
  checkSettings(parameters);
  const { publicClient, walletClient, request } = parameters;
  const account = walletClient.account;
  const data = encodeFunctionData({
    abi: request.abi,
    functionName: request.functionName,
    args: request.args,
  });
  const hashes: Hex[] = [...(parameters.previous?.hashes ?? [])];

  const pollingIntervalMs =
    parameters.pollingIntervalMs ??
    Math.min(publicClient.pollingInterval, Math.max(50, Math.floor(parameters.receiptTimeoutMs / 4)));
  // Decoded like the simulation, so a revert here (someone delivered meanwhile) is classified by
  // name. Against `latest`: the pending state may already hold our earlier attempt, and a call
  // estimated on top of itself can come out too low.
  const gasFor = async (inFlight: InFlight | undefined): Promise<bigint> => {
    const estimate = await publicClient.estimateContractGas({
      address: request.address,
      abi: request.abi,
      functionName: request.functionName,
      args: request.args,
      value: request.value,
      account,
      blockTag: "latest",
    });
    const headroom = (estimate * GAS_HEADROOM_PERCENT) / 100n;
    // A replacement keeps at least the gas limit of the transaction it replaces.
    return inFlight !== undefined && inFlight.gas > headroom ? inFlight.gas : headroom;
  };
  // Sign → record → broadcast: the job knows the hash before the node can.
  const send = async (nonce: number, gas: bigint, fees: Fees, isReplacement: boolean) => {
    const raw = await signAttempt({ ...parameters, to: request.address, data, gas, nonce, fees });
    hashes.push(keccak256(raw));
    const sent: SentTransactions = {
      nonce,
      hashes: [...hashes],
      last: {
        raw,
        maxFeePerGas: fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
      },
    };
    await parameters.onSent(sent);
    if (await broadcast(walletClient, raw, isReplacement)) parameters.onBroadcast?.(sent);
  };

  let nonce: number;
  let gas: bigint;
  let fees: Fees;
  if (parameters.previous === undefined) {
    // A fresh delivery: gas and fees first (neither depends on the nonce), then take the next
    // nonce and send inside `exclusive` (the worker's per-chain lock), so several deliveries of one
    // account can be in flight at once, each with its own nonce, and the lock is held for two calls.
    const exclusive = parameters.exclusive ?? (<T>(fn: () => Promise<T>) => fn());
    [gas, fees] = await Promise.all([gasFor(undefined), currentFees(publicClient)]);
    nonce = await exclusive(async () => {
      const next = await publicClient.getTransactionCount({ address: account.address, blockTag: "pending" });
      await send(next, gas, fees, false);
      return next;
    });
  } else {
    const resumed = await resume(publicClient, walletClient, parameters.previous);
    if ("receipt" in resumed) return settle(parameters, resumed.receipt);
    nonce = resumed.nonce;
    if ("rebroadcast" in resumed) {
      // The recorded transaction is in the node again: wait for it like a fresh send.
      ({ gas } = resumed.rebroadcast);
      fees = resumed.rebroadcast;
      parameters.onBroadcast?.(parameters.previous, true);
    } else {
      gas = await gasFor(resumed.inFlight);
      fees =
        resumed.inFlight === undefined
          ? await currentFees(publicClient)
          : await bumped(parameters, resumed.inFlight);
      await send(nonce, gas, fees, resumed.inFlight !== undefined);
    }
  }
  for (let bumps = 0; ; bumps++) {
    const receipt = await waitForAny(
      publicClient,
      account.address,
      { nonce, hashes },
      {
        timeoutMs: parameters.receiptTimeoutMs,
        pollingIntervalMs,
      },
    );
    if (receipt !== undefined) return settle(parameters, receipt);
    if (bumps >= parameters.maxFeeBumps)
      throw new TransactionStuckError(nonce, hashes, parameters.receiptTimeoutMs);
    fees = await bumped(parameters, fees);
    await send(nonce, gas, fees, true);
  }
}

type SignParameters = SendWithReplacementParameters & {
  to: Address;
  data: Hex;
  gas: bigint;
  nonce: number;
  fees: Fees;
};

/** Signs one attempt with the wallet's local account; returns the serialized transaction. */
async function signAttempt(parameters: SignParameters): Promise<Hex> {
  const { walletClient, publicClient } = parameters;
  const account = walletClient.account;
  if (account.signTransaction === undefined)
    throw new ConfigError("Invalid relayer wallet.", [
      {
        path: "walletClient.account",
        message: `expected a local account that signs transactions (privateKeyToAccount), got a "${account.type}" account`,
      },
    ]);
  const chain = walletClient.chain;
  return account.signTransaction(
    {
      chainId: chain?.id ?? (await publicClient.getChainId()),
      to: parameters.to,
      data: parameters.data,
      value: parameters.request.value,
      gas: parameters.gas,
      nonce: parameters.nonce,
      type: "eip1559",
      maxFeePerGas: parameters.fees.maxFeePerGas,
      maxPriorityFeePerGas: parameters.fees.maxPriorityFeePerGas,
    },
    { serializer: chain?.serializers?.transaction },
  );
}

/**
 * Broadcasts a signed transaction; `false` when `tolerate` is set and the node refuses it because
 * the nonce is taken or held (an earlier attempt mined or is pending: waiting finds out which).
 */
async function broadcast(
  walletClient: SendWithReplacementParameters["walletClient"],
  raw: Hex,
  tolerate: boolean,
): Promise<boolean> {
  try {
    await walletClient.sendRawTransaction({ serializedTransaction: raw });
    return true;
  } catch (error) {
    if (tolerate && TOLERATED_REPLACEMENT_ERRORS.has(classifyDeliveryError(error).reason)) return false;
    throw error;
  }
}

/** Where a retried job stands: one of its transactions mined, or the nonce to use and the fees to beat. */
async function resume(
  publicClient: PublicClient,
  walletClient: SendWithReplacementParameters["walletClient"],
  previous: SentTransactions,
): Promise<
  | { receipt: TransactionReceipt }
  | { nonce: number; rebroadcast: InFlight }
  | { nonce: number; inFlight: InFlight | undefined }
> {
  const address = walletClient.account.address;
  // Read the nonce before the receipts: a receipt that lands in between is then still found.
  const latest = await publicClient.getTransactionCount({ address, blockTag: "latest" });
  const receipt = await findSentReceipt(publicClient, previous.hashes);
  if (receipt !== undefined) return { receipt };
  if (latest > previous.nonce) throw new NonceTakenError(previous.nonce, previous.hashes);
  const pending = await publicClient.getTransactionCount({ address, blockTag: "pending" });
  if (pending <= previous.nonce) {
    // Nothing pending at that nonce (never broadcast, or dropped): the recorded transaction again
    // while its nonce is next, else (or if the node refuses it) send afresh.
    const again = pending === previous.nonce ? await rebroadcast(walletClient, previous) : undefined;
    if (again !== undefined) return { nonce: previous.nonce, rebroadcast: again };
    return { nonce: pending, inFlight: undefined };
  }
  for (const hash of [...previous.hashes].reverse()) {
    const tx = await publicClient.getTransaction({ hash }).catch((error: unknown) => {
      if (error instanceof TransactionNotFoundError) return undefined;
      throw error;
    });
    if (tx?.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined) {
      return {
        nonce: previous.nonce,
        inFlight: {
          maxFeePerGas: tx.maxFeePerGas,
          maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
          gas: tx.gas,
        },
      };
    }
  }
  return { nonce: previous.nonce, inFlight: undefined };
}

/** Broadcasts the recorded signed transaction again; its fees and gas, or `undefined` when the node refuses it. */
async function rebroadcast(
  walletClient: SendWithReplacementParameters["walletClient"],
  previous: SentTransactions,
): Promise<InFlight | undefined> {
  const raw = previous.last?.raw;
  if (raw === undefined || keccak256(raw) !== previous.hashes.at(-1)) return undefined;
  const tx = parseTransaction(raw);
  if (tx.maxFeePerGas === undefined || tx.maxPriorityFeePerGas === undefined || tx.gas === undefined)
    return undefined;
  const accepted = await broadcast(walletClient, raw, true).catch(() => false);
  return accepted
    ? { maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, gas: tx.gas }
    : undefined;
}

/**
 * Polls the receipts of `sent.hashes` until one exists or `timeoutMs` passes.
 *
 * @returns the receipt, or `undefined` on timeout
 * @throws {NonceTakenError} when the nonce was consumed by a transaction that is not ours
 */
async function waitForAny(
  publicClient: PublicClient,
  address: Address,
  sent: SentTransactions,
  timing: { timeoutMs: number; pollingIntervalMs: number },
): Promise<TransactionReceipt | undefined> {
  const deadline = Date.now() + timing.timeoutMs;
  for (;;) {
    const latest = await publicClient.getTransactionCount({ address, blockTag: "latest" });
    const receipt = await findSentReceipt(publicClient, sent.hashes);
    if (receipt !== undefined) return receipt;
    if (latest > sent.nonce) throw new NonceTakenError(sent.nonce, sent.hashes);
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(timing.pollingIntervalMs, left));
  }
}

/** A successful receipt is returned; a reverted one is explained by replaying the call at its block. */
async function settle(
  parameters: SendWithReplacementParameters,
  receipt: TransactionReceipt,
): Promise<TransactionReceipt> {
  if (receipt.status === "success") return receipt;
  const { publicClient, walletClient, request } = parameters;
  const txHash = receipt.transactionHash;
  try {
    await publicClient.simulateContract({
      address: request.address,
      abi: request.abi,
      functionName: request.functionName,
      args: request.args,
      value: request.value,
      account: walletClient.account,
      blockNumber: receipt.blockNumber,
    });
  } catch (error) {
    const classified = classifyDeliveryError(error);
    if (classified.outcome === "retry") throw new DeliveryRetryError({ ...classified, txHash, cause: error });
    throw new DeliveryRevertedError({ ...classified, outcome: classified.outcome, txHash, cause: error });
  }
  throw new DeliveryRetryError({
    reason: "TransactionReverted",
    message: `transaction ${txHash} reverted in block ${receipt.blockNumber}, but the call succeeds when replayed there (out of gas?)`,
    txHash,
  });
}

async function currentFees(publicClient: PublicClient): Promise<Fees> {
  const { maxFeePerGas, maxPriorityFeePerGas } = await publicClient.estimateFeesPerGas();
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** Both caps raised by the bump percentage (at least +10% and +1 wei), and at least the current estimate. */
async function bumped(parameters: SendWithReplacementParameters, previous: Fees): Promise<Fees> {
  const now = await currentFees(parameters.publicClient);
  const percent = BigInt(Math.max(MIN_BUMP_PERCENT, Math.ceil(parameters.feeBumpPercent)));
  const raise = (value: bigint) => {
    const raised = (value * (100n + percent) + 99n) / 100n;
    return raised > value ? raised : value + 1n;
  };
  const maxPriorityFeePerGas = max(raise(previous.maxPriorityFeePerGas), now.maxPriorityFeePerGas);
  const maxFeePerGas = max(max(raise(previous.maxFeePerGas), now.maxFeePerGas), maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

function checkSettings(parameters: SendWithReplacementParameters): void {
  const issues = [];
  if (!Number.isFinite(parameters.receiptTimeoutMs) || parameters.receiptTimeoutMs <= 0)
    issues.push({
      path: "relayer.receiptTimeoutMs",
      message: `expected a positive number of milliseconds, got ${parameters.receiptTimeoutMs}`,
    });
  if (!Number.isFinite(parameters.feeBumpPercent) || parameters.feeBumpPercent < 0)
    issues.push({
      path: "relayer.feeBumpPercent",
      message: `expected a non-negative percentage, got ${parameters.feeBumpPercent}`,
    });
  if (!Number.isInteger(parameters.maxFeeBumps) || parameters.maxFeeBumps < 0)
    issues.push({
      path: "relayer.maxFeeBumps",
      message: `expected a non-negative integer, got ${parameters.maxFeeBumps}`,
    });
  if (issues.length > 0) throw new ConfigError("Invalid delivery settings.", issues);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
