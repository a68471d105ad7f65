import type { Queue } from "bullmq";
import type { QueueDepth } from "./metrics.js";
import { QUEUE_JOB_STATES } from "./metrics.js";

/**
 * Job counts of each queue by state (every state of {@link QUEUE_JOB_STATES}, zeros included),
 * read in parallel: the source to give `metrics.setQueueDepthSource`.
 *
 * @param queues the relayer's queues
 * @returns one entry per queue, in the order given
 * @example
 * metrics.setQueueDepthSource(() => getQueueDepths(queues));
 */
export async function getQueueDepths(queues: readonly Queue[]): Promise<QueueDepth[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const counts = await queue.getJobCounts(...QUEUE_JOB_STATES);
      const complete: Record<string, number> = {};
      for (const state of QUEUE_JOB_STATES) complete[state] = counts[state] ?? 0;
      return { queue: queue.name, counts: complete };
    }),
  );
}
