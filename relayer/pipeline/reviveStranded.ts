import type { Job, Queue } from "bullmq";
import { ATTEST_QUEUE, deliverQueueName } from "../jobIds.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData } from "../types.js";
import type { RelayerObserver } from "./relayerObserver.js";

/** Parameters of {@link reviveStranded}. */
export type ReviveStrandedParameters = {
  /** Undelivered packets' attest jobs about to be added (their ids are the packets'). */
  jobs: readonly { jobId: string; dstChainId: number }[];
  attest: Pick<Queue<AttestJobData>, "getJob">;
  /** Delivery queue by destination chain id. */
  deliver: ReadonlyMap<number, Pick<Queue<DeliverJobData>, "getJob">>;
  deadLetters: Pick<Queue<DeadLetterJobData>, "getJob">;
  observer: RelayerObserver;
};

/**
 * Brings back the jobs of packets the indexer still shows undelivered when BullMQ has given up
 * on them without a dead letter: a job that stalls more than once (its worker killed twice while
 * it ran) goes to `failed`, where its deterministic id makes discovery's re-add a no-op for the
 * week failed jobs are kept. A failed delivery or attestation is retried; an attestation
 * completed without a delivery job (lost from Redis) is removed so that the caller's add starts
 * over. A dead-lettered job waits for an operator (`crossmargin retry`). Retrying is safe:
 * delivery checks on chain first whether the packet was applied.
 *
 * @param parameters the packets' jobs, the queues, the observer
 * @returns how many jobs were brought back
 */
export async function reviveStranded(parameters: ReviveStrandedParameters): Promise<number> {
  const { attest, deliver, deadLetters, observer } = parameters;
  let revived = 0;
  const retryFailed = async (queue: string, job: Job) => {
    if ((await deadLetters.getJob(`${queue}-${job.id}`)) !== undefined) return 0;
    await job.retry("failed");
    observer.emit({ type: "jobRevived", queue, jobId: job.id ?? "", reason: job.failedReason });
    return 1;
  };
  for (const { jobId, dstChainId } of parameters.jobs) {
    const delivery = await deliver.get(dstChainId)?.getJob(jobId);
    if (delivery !== undefined) {
      if ((await delivery.getState()) === "failed")
        revived += await retryFailed(deliverQueueName(dstChainId), delivery);
      continue;
    }
    const attestation = await attest.getJob(jobId);
    if (attestation === undefined) continue;
    const state = await attestation.getState();
    if (state === "failed") revived += await retryFailed(ATTEST_QUEUE, attestation);
    else if (state === "completed") {
      await attestation.remove();
      observer.emit({
        type: "jobRevived",
        queue: ATTEST_QUEUE,
        jobId,
        reason: "attested without a delivery job",
      });
      revived += 1;
    }
  }
  return revived;
}
