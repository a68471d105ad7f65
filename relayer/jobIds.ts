import type { Hex } from "viem";

/*
 * Deterministic job ids: the same work always gets the same id, so enqueueing it twice is a
 * no-op. BullMQ refuses ids that contain ":" or are all digits; these never are.
 */

/** Queue of attestation jobs (shared by every route). */
export const ATTEST_QUEUE = "attest";
/** Queue of the repeatable reconcile job. */
export const RECONCILE_QUEUE = "reconcile";
/** Queue of jobs that failed for good, with their reason. */
export const DEAD_LETTER_QUEUE = "dead-letter";

/**
 * The delivery queue of one destination chain (one worker per chain keeps its nonces in order).
 *
 * @param chainId destination chain id
 * @returns e.g. `deliver-31337`
 */
export function deliverQueueName(chainId: number): string {
  return `deliver-${chainId}`;
}

/**
 * Job id of a BALANCE_BATCH: its route, source block and index within that block (which also
 * make up its packet nonce).
 *
 * @param parameters source chain, source block and batch index
 * @returns e.g. `batch-31338-120-0`
 */
export function batchJobId(parameters: { srcChainId: number; sourceBlock: bigint; index: number }): string {
  return `batch-${parameters.srcChainId}-${parameters.sourceBlock}-${parameters.index}`;
}

/**
 * Job id of a packet a contract sent (withdrawal request or hub command): its guid.
 *
 * @param guid the packet guid
 * @returns e.g. `packet-0xab…`
 */
export function packetJobId(guid: Hex): string {
  return `packet-${guid.toLowerCase()}`;
}
