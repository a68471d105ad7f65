import { type ConnectionOptions, Queue } from "bullmq";
import { ATTEST_QUEUE, DEAD_LETTER_QUEUE, deliverQueueName, RECONCILE_QUEUE } from "../jobIds.js";
import type { AttestJobData, DeadLetterJobData, DeliverJobData, DeliverJobResult } from "../types.js";

/** Parameters of {@link createRelayerQueues}. */
export type CreateRelayerQueuesParameters = {
  connection: ConnectionOptions;
  /** BullMQ key prefix (`config.relayer.queuePrefix`). */
  prefix: string;
  /** Chains that get a `deliver-<chainId>` queue. */
  chainIds: readonly number[];
};

/** The queues a running relayer adds to. */
export type RelayerPipelineQueues = {
  attest: Queue<AttestJobData>;
  /** Delivery queue by destination chain id. */
  deliver: Map<number, Queue<DeliverJobData, DeliverJobResult>>;
  reconcile: Queue;
  deadLetters: Queue<DeadLetterJobData>;
  /** Every one of them, in pipeline order (Bull Board, queue depths, close). */
  all: Queue[];
};

/**
 * Opens the relayer's queues: `attest`, one `deliver-<chainId>` per chain, `reconcile` and
 * `dead-letter`, under one prefix.
 *
 * @param parameters connection, prefix, chains
 * @returns the queues, by role and all together
 */
export function createRelayerQueues(parameters: CreateRelayerQueuesParameters): RelayerPipelineQueues {
  const options = { connection: parameters.connection, prefix: parameters.prefix };
  const attest = new Queue<AttestJobData>(ATTEST_QUEUE, options);
  const deliver = new Map(
    parameters.chainIds.map((id) => [
      id,
      new Queue<DeliverJobData, DeliverJobResult>(deliverQueueName(id), options),
    ]),
  );
  const reconcile = new Queue(RECONCILE_QUEUE, options);
  const deadLetters = new Queue<DeadLetterJobData>(DEAD_LETTER_QUEUE, options);
  return {
    attest,
    deliver,
    reconcile,
    deadLetters,
    all: [attest, ...deliver.values(), reconcile, deadLetters],
  };
}
