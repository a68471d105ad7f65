import { count, sql } from "@ponder/client";
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import type { Config } from "../../shared/config/schema.js";
import type { DiscoveryClient } from "../discovery/findPendingWork.js";
import { collateralBalance, relayMessage } from "../discovery/indexerTables.js";
import { createRoundScheduler } from "./createRoundScheduler.js";

/** Parameters of {@link startTriggers}. */
export type StartTriggersParameters = {
  config: Config;
  clients: ReadonlyMap<number, PublicClient>;
  indexer: DiscoveryClient;
  /** How long after the first trigger a round starts (the batch window: more work may join). */
  windowMs: number;
  /** One discovery round (must not throw). */
  run: () => Promise<void>;
  logger: Logger;
};

/**
 * Starts discovery rounds when something may have become relayable: the indexer's live updates
 * (a change to balances or relay messages) and every new block of any chain (which moves its
 * final block). Triggers within `windowMs` of each other share one round; rounds never overlap,
 * and a trigger during a round schedules one more (`createRoundScheduler`). A slow fallback tick runs a round every
 * `reconcileIntervalMs` even when nothing fires.
 *
 * @param parameters chains, indexer, window and the round to run
 * @returns `stop`
 */
export function startTriggers(parameters: StartTriggersParameters): { stop: () => void } {
  const { logger } = parameters;
  const rounds = createRoundScheduler({ windowMs: parameters.windowMs, run: parameters.run });
  const schedule = rounds.trigger;

  const unwatch = [...parameters.clients.entries()].map(([chainId, client]) =>
    client.watchBlockNumber({
      emitOnBegin: true,
      poll: true,
      onBlockNumber: schedule,
      onError: (error) =>
        logger.warn(
          { at: "relayer.triggers", chainId, err: error.message.split("\n")[0] },
          "block watch failed",
        ),
    }),
  );
  // Each answer changes whenever a vault balance or a message's status changes.
  const subscriptions = [
    parameters.indexer.live(
      (db) => db.select({ seqs: sql<string>`sum(${collateralBalance.seq})::text` }).from(collateralBalance),
      schedule,
      (error) =>
        logger.warn(
          { at: "relayer.triggers", err: error.message },
          "indexer live updates failed (reconcile still runs)",
        ),
    ),
    parameters.indexer.live(
      (db) =>
        db
          .select({
            n: count(),
            delivered: sql<string>`count(*) filter (where ${relayMessage.status} = 'delivered')::text`,
          })
          .from(relayMessage),
      schedule,
      () => undefined,
    ),
  ];
  const tick = setInterval(schedule, parameters.config.relayer.reconcileIntervalMs);
  schedule();
  return {
    stop: () => {
      rounds.stop();
      clearInterval(tick);
      for (const stop of unwatch) stop();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
