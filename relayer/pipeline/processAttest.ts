import { type Job, type Queue, UnrecoverableError } from "bullmq";
import type { Attester } from "../attester/types.js";
import { routeLabel } from "../ops/metrics.js";
import type { AttestJobData, DeliverJobData, DeliverJobResult } from "../types.js";
import { gatherSignatures } from "./gatherSignatures.js";
import { JOB_OPTIONS } from "./jobOptions.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Parameters of {@link createAttestProcessor}. */
export type CreateAttestProcessorParameters = {
  attesters: readonly Attester[];
  /** Signatures needed (`config.attesters.threshold`). */
  threshold: number;
  /** How long one attester may take (`config.relayer.attestTimeoutMs`). */
  timeoutMs: number;
  /** The delivery queue of each destination chain. */
  deliverQueues: ReadonlyMap<number, Pick<Queue<DeliverJobData, DeliverJobResult>, "add">>;
  observer: RelayerObserver;
};

/** Result of an `attest` job. */
export type AttestJobResult = { attestedAt: number };

/**
 * The `attest` queue's processor: gathers a quorum of signatures over the job's claim, hands the
 * claim to its destination's delivery queue under the same job id, and emits `attested`.
 *
 * @param parameters attesters, quorum, delivery queues, observer
 * @returns the processor (wrap it with `guardProcessor`)
 * @throws from the processor: {@link QuorumNotReachedError} (retryable), {@link QuorumRefusedError}, or
 *   `UnrecoverableError` when no delivery queue serves the destination
 */
export function createAttestProcessor(
  parameters: CreateAttestProcessorParameters,
): (job: Job<AttestJobData>) => Promise<AttestJobResult> {
  const { attesters, threshold, timeoutMs, deliverQueues, observer } = parameters;
  return async (job) => {
    const { claim } = job.data;
    const signatures = await gatherSignatures({ attesters, claim, threshold, timeoutMs });
    const attestedAt = Date.now();
    const destination = deliverQueues.get(claim.dstChainId);
    if (destination === undefined)
      throw new UnrecoverableError(`no delivery queue for chain ${claim.dstChainId}`);
    const { discoveredAt, sourceTimestamp } = job.data;
    await destination.add(
      claim.kind,
      { claim, signatures, discoveredAt, sourceTimestamp, attestedAt },
      { ...JOB_OPTIONS, jobId: job.id ?? claim.guid },
    );
    observer.emit({
      type: "attested",
      route: routeLabel(claim.srcChainId, claim.dstChainId),
      kind: claim.kind,
      guid: claim.guid,
      latencySeconds: (attestedAt - discoveredAt) / 1000,
    });
    return { attestedAt };
  };
}
