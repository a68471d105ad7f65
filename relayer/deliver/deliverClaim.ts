import type { Account, Chain, Hex, PublicClient, TransactionReceipt, Transport, WalletClient } from "viem";
import type { Config, RelayerConfig } from "../../shared/config/schema.js";
import { BaseError } from "../../shared/errors/BaseError.js";
import type { Claim, DeliverJobResult } from "../types.js";
import { buildDeliveryCall } from "./buildDeliveryCall.js";
import { checkDeliverable } from "./checkDeliverable.js";
import { classifyDeliveryError } from "./classifyDeliveryError.js";
import { ClientChainMismatchError, DeliveryRetryError, DeliveryRevertedError } from "./errors.js";
import { findSentReceipt } from "./findSentReceipt.js";
import { isDelivered } from "./isDelivered.js";
import { parseClaim } from "./parseClaim.js";
import {
  type DeliveryRequest,
  type SendWithReplacementParameters,
  type SentTransactions,
  sendWithReplacement,
} from "./sendWithReplacement.js";

/** Parameters of {@link deliverClaim}. */
export type DeliverClaimParameters = {
  config: Config;
  /** A public client of the claim's destination chain. */
  publicClient: PublicClient;
  /** The relayer's wallet on the destination chain (one worker per chain and account). */
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  claim: Claim;
  /** The quorum's 65-byte signatures, sorted by signer and concatenated. */
  signatures: Hex;
  /** What an earlier attempt of this job sent (`DeliverJobData.sent`). */
  previous?: SentTransactions | undefined;
  /** Called with the nonce, every hash and the signed transaction before each broadcast: store it with `job.updateData`. */
  onSent: (sent: SentTransactions) => Promise<void>;
  /** Called after the node accepted a transaction (logs). */
  onBroadcast?: SendWithReplacementParameters["onBroadcast"];
  /** Overrides of `config.relayer`'s receipt timeout and fee-bump policy. */
  settings?: Partial<Pick<RelayerConfig, "receiptTimeoutMs" | "feeBumpPercent" | "maxFeeBumps">> | undefined;
  /** How often receipts are polled (default: the public client's polling interval). */
  pollingIntervalMs?: number | undefined;
  /** The per-chain send lock (see `sendWithReplacement`); needed when deliveries overlap. */
  exclusive?: SendWithReplacementParameters["exclusive"];
};

/**
 * Delivers an attested claim on its destination chain, as a checklist:
 *
 * 1. an earlier attempt's transaction (`previous`) mined successfully → `delivered` with it
 *    (still pending → it is resumed in step 5; reverted, or its nonce taken → start afresh);
 * 2. applied on the destination already (`isDelivered`) → `already`, no transaction;
 * 3. an ordered packet waits for the earlier ones (`checkDeliverable`);
 * 4. simulate the call (`buildDeliveryCall`): an "already applied" revert → `already`, a passing
 *    condition → {@link DeliveryRetryError}, anything else → {@link DeliveryRevertedError};
 * 5. sign, record the hash (`onSent`), broadcast, wait, bump fees while stuck (`sendWithReplacement`);
 *    a revert because another relayer delivered first → `already`.
 *
 * Every error it throws is a crossmargin error with a `reason` (see `errors.ts`): retryable ones
 * mean "try the job again later", the others belong in the dead-letter queue.
 *
 * @param parameters config, destination clients, claim, signatures, previous attempt, `onSent`
 * @returns `{ status: "delivered", txHash, blockNumber, gasUsed }` (decimal strings) or `{ status: "already" }`
 * @throws {NotYetDeliverableError} when an earlier packet of the path must land first
 * @throws {DeliveryRetryError} / {@link TransactionStuckError} / {@link NonceTakenError} (retryable)
 * @throws {DeliveryRevertedError} / {@link InvalidClaimError} / {@link ClientChainMismatchError} (not retryable)
 * @example
 * const result = await deliverClaim({
 *   config, publicClient, walletClient, claim: job.data.claim, signatures: job.data.signatures,
 *   previous: job.data.sent, onSent: (sent) => job.updateData({ ...job.data, sent }),
 * });
 */
export async function deliverClaim(parameters: DeliverClaimParameters): Promise<DeliverJobResult> {
  try {
    return await deliver(parameters);
  } catch (error) {
    const classified = classifyDeliveryError(error);
    if (classified.outcome === "already") return { status: "already" };
    if (error instanceof BaseError) throw error;
    if (classified.outcome === "retry") throw new DeliveryRetryError({ ...classified, cause: error });
    throw new DeliveryRevertedError({ ...classified, outcome: "fatal", cause: error });
  }
}

async function deliver(parameters: DeliverClaimParameters): Promise<DeliverJobResult> {
  const { config, publicClient, walletClient, claim } = parameters;
  const parsed = parseClaim(config, claim);
  await checkClientChains(parameters, parsed.target.chainId);

  const previous = await stillCurrent(parameters);
  if (previous !== undefined && "receipt" in previous) return delivered(previous.receipt);
  if (await isDelivered({ config, client: publicClient, claim })) return { status: "already" };
  await checkDeliverable({ config, client: publicClient, claim });

  // Widened to `Abi` / `string`: viem cannot infer its parameter types from a union of three calls.
  const call: DeliveryRequest = buildDeliveryCall({ config, claim, signatures: parameters.signatures });
  await publicClient.simulateContract({ ...call, account: walletClient.account });
  const settings = { ...config.relayer, ...parameters.settings };
  const receipt = await sendWithReplacement({
    publicClient,
    walletClient,
    request: call,
    receiptTimeoutMs: settings.receiptTimeoutMs,
    feeBumpPercent: settings.feeBumpPercent,
    maxFeeBumps: settings.maxFeeBumps,
    previous: previous?.sent,
    onSent: parameters.onSent,
    onBroadcast: parameters.onBroadcast,
    pollingIntervalMs: parameters.pollingIntervalMs,
    exclusive: parameters.exclusive,
  });
  return delivered(receipt);
}

/**
 * What to do with an earlier attempt's transactions: one mined successfully (→ its receipt), or
 * they are still pending (→ resume them: same nonce, bumped fees), or they are history — one
 * reverted, or their nonce went to another transaction — and the delivery starts afresh.
 */
async function stillCurrent(
  parameters: DeliverClaimParameters,
): Promise<{ receipt: TransactionReceipt } | { sent: SentTransactions } | undefined> {
  const { previous, publicClient, walletClient } = parameters;
  if (previous === undefined || previous.hashes.length === 0) return undefined;
  // The nonce first: a transaction mined between the two reads is then found by its receipt.
  const latest = await publicClient.getTransactionCount({
    address: walletClient.account.address,
    blockTag: "latest",
  });
  const mined = await findSentReceipt(publicClient, previous.hashes);
  if (mined?.status === "success") return { receipt: mined };
  if (mined !== undefined || latest > previous.nonce) return undefined;
  return { sent: previous };
}

function delivered(receipt: TransactionReceipt): DeliverJobResult {
  return {
    status: "delivered",
    txHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber.toString(),
    gasUsed: receipt.gasUsed.toString(),
  };
}

/** Refuses clients of another chain: a call to an address without code "succeeds", so this must be caught up front. */
async function checkClientChains(parameters: DeliverClaimParameters, expected: number): Promise<void> {
  const { publicClient, walletClient } = parameters;
  const publicChainId = publicClient.chain?.id ?? (await publicClient.getChainId());
  if (publicChainId !== expected) throw new ClientChainMismatchError("publicClient", expected, publicChainId);
  const walletChainId = walletClient.chain?.id ?? (await walletClient.getChainId());
  if (walletChainId !== expected) throw new ClientChainMismatchError("walletClient", expected, walletChainId);
}
