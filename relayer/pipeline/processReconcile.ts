import type { Queue } from "bullmq";
import type { PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import type { RedisClient } from "../createRedisClient.js";
import { discoverWork } from "../discovery/discoverWork.js";
import type { DiscoveryClient } from "../discovery/findPendingWork.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData } from "../types.js";
import { JOB_OPTIONS } from "./jobOptions.js";
import type { RelayerObserver } from "./relayerObserver.js";
import { reviveStranded } from "./reviveStranded.js";

/** Parameters of {@link createReconcileProcessor}. */
export type CreateReconcileProcessorParameters = {
  config: Config;
  clients: ReadonlyMap<number, PublicClient>;
  indexer: DiscoveryClient;
  redis: RedisClient;
  /** Redis key prefix (the queue prefix). */
  prefix: string;
  /** Where discovered work goes. */
  attestQueue: Pick<Queue<AttestJobData>, "addBulk" | "getJob">;
  /** Delivery queue by destination chain id and the dead letters (to bring back stranded packets). */
  deliverQueues: ReadonlyMap<number, Pick<Queue<DeliverJobData>, "getJob">>;
  deadLetters: Pick<Queue<DeadLetterJobData>, "getJob">;
  /** Holds the repeatable `reconcile` job. */
  reconcileQueue: Pick<Queue, "upsertJobScheduler">;
  observer: RelayerObserver;
  /** Started (not awaited) after each completed round: the limit keeper. */
  afterRound?: (() => void) | undefined;
};

/** Return type of {@link createReconcileProcessor}. */
export type ReconcileProcessor = {
  /** One discovery round; emits `roundCompleted`, throws when the round fails. */
  round: () => Promise<void>;
  /** One round for the live triggers: never throws (a failure emits `roundFailed`), then re-asserts the schedule. */
  triggered: () => Promise<void>;
  /** Creates (or keeps) the repeatable `reconcile` job, every `reconcileIntervalMs`. */
  ensureSchedule: () => Promise<unknown>;
};

/**
 * The `reconcile` processor: a discovery round (`discoverWork`) that adds the work it finds to
 * the `attest` queue under deterministic job ids, first bringing back the jobs of undelivered
 * packets that BullMQ gave up on (`reviveStranded`), for the repeatable job, the live triggers
 * and `relayer.reconcile()`.
 *
 * @param parameters config, clients, indexer, Redis, queues, observer
 * @returns `round`, `triggered` and `ensureSchedule`
 */
export function createReconcileProcessor(parameters: CreateReconcileProcessorParameters): ReconcileProcessor {
  const { config, clients, indexer, redis, prefix, attestQueue, reconcileQueue, observer } = parameters;
  const { deliverQueues, deadLetters } = parameters;
  const round = async (): Promise<void> => {
    const result = await discoverWork({
      config,
      clients,
      indexer,
      redis,
      prefix,
      enqueue: async (jobs) => {
        const packets = jobs.flatMap(({ jobId, data }) =>
          data.claim.kind === "balance_batch" ? [] : [{ jobId, dstChainId: data.claim.dstChainId }],
        );
        await reviveStranded({
          jobs: packets,
          attest: attestQueue,
          deliver: deliverQueues,
          deadLetters,
          observer,
        });
        await attestQueue.addBulk(
          jobs.map((job) => ({
            name: job.data.claim.kind,
            data: job.data,
            opts: { ...JOB_OPTIONS, jobId: job.jobId },
          })),
        );
      },
    });
    const { batches, leaves, packets, routes } = result;
    observer.emit({ type: "roundCompleted", at: Date.now(), batches, leaves, packets, routes });
    parameters.afterRound?.();
  };
  const ensureSchedule = () =>
    reconcileQueue.upsertJobScheduler(
      "reconcile",
      { every: config.relayer.reconcileIntervalMs },
      { name: "reconcile", opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  return {
    round,
    ensureSchedule,
    triggered: async () => {
      try {
        await round();
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        observer.emit({ type: "roundFailed", at: Date.now(), error: message ?? "", cause: error });
      }
      // Re-assert the reconcile schedule: a flushed Redis loses it, and this is idempotent.
      await ensureSchedule().catch(() => undefined);
    },
  };
}
