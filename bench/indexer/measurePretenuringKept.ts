import { loadavg } from "node:os";
import type { Hex } from "viem";
import { GRAPHQL_MARGIN, REST_MARGIN } from "./readEndpoints.js";
import type { PretenuringSide } from "./renderPretenuring.js";
import type { BackfillRun } from "./runBackfill.js";
import { waitForMaintenance, waitUntilIdle } from "./runReads.js";
import { measureEndpoints } from "./serverCosts.js";

/** Parameters of {@link measurePretenuringKept}. */
export type MeasurePretenuringKeptParameters = {
  /** A finished real-indexer run on Postgres with V8's pretenuring kept, still serving. */
  run: BackfillRun;
  salt: Hex;
  accounts: number;
  concurrency: number;
  warmup: number;
  requests: number;
  progress: (line: string) => void;
};

/**
 * The margin reads of an indexer that backfilled with V8's allocation-site pretenuring kept
 * (`CROSSMARGIN_V8_PRETENURING=on`), measured as the main read benchmark's first pass is (idle,
 * vacuumed, after a `CHECKPOINT`; per endpoint a warm-up load, then the measured one), so the two
 * compare like with like. The pretenuring decisions that cost the reads are made during the
 * backfill (an indexer restarted on a synced database shows none), so each setting needs a
 * backfill of its own.
 *
 * @param parameters the serving run, the accounts and the load
 * @returns REST and GraphQL margin, with the server's costs per request
 */
export async function measurePretenuringKept(
  parameters: MeasurePretenuringKeptParameters,
): Promise<PretenuringSide> {
  const { run, progress } = parameters;
  await waitUntilIdle(run.ponder, run.events);
  await waitForMaintenance(run);
  await run.queryValue?.("CHECKPOINT");
  progress(
    `reads (pretenuring kept): ${parameters.requests} requests per endpoint after ${parameters.warmup} warm-up, ${parameters.concurrency} at a time…`,
  );
  const { results, costs } = await measureEndpoints(
    run.ponder,
    [REST_MARGIN, GRAPHQL_MARGIN],
    parameters,
    progress,
  );
  return { eventsPerSecond: run.eventsPerSecond, results, costs, loadAverage: loadavg()[0] ?? Number.NaN };
}
