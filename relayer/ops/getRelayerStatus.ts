import type { Job, Queue } from "bullmq";
import type { Config } from "../../shared/config/schema.js";
import { DEAD_LETTER_QUEUE } from "../jobIds.js";
import { getIndexerRoutes, type IndexerRoute } from "./getIndexerRoutes.js";
import { getQueueDepths } from "./getQueueDepths.js";
import type { QueueDepth } from "./metrics.js";
import { openRelayerQueues, type RedisConnection } from "./openRelayerQueues.js";
import { readDeadLetter } from "./readDeadLetter.js";

// `formatRelayerStatus` lives in its own file (one operation per file); re-exported here because
// callers reach for both together.
export { formatRelayerStatus } from "./formatRelayerStatus.js";

/** How many dead letters the status lists. */
export const DEAD_LETTERS_SHOWN = 20;

/** One route's relay progress, from the indexer. */
export type RouteStatus = {
  /** `"<srcChainId>-><dstChainId>"`. */
  route: string;
  srcChainId: number;
  dstChainId: number;
  /** Messages seen at the source and not yet at the destination. */
  inFlight: number;
  /** Age of the oldest of them, in seconds (`null` when none). */
  oldestInFlightAgeSeconds: number | null;
  /** The route's lag: the oldest in-flight age, 0 when nothing is in flight. */
  lagSeconds: number;
  /** Messages delivered so far. */
  delivered: number;
  /** The latest delivery, if any. */
  lastDelivered: {
    guid: string;
    kind: string;
    /** Destination block time, seconds since epoch. */
    timestamp: number | null;
    /** Seconds since then. */
    ageSeconds: number | null;
    txHash: string | null;
    /** Source block time → destination block time, seconds. */
    latencySeconds: number | null;
  } | null;
};

/** The indexer's side of the status: its routes, or why they could not be read. */
export type IndexerStatus =
  | { reachable: true; url: string; routes: RouteStatus[] }
  | { reachable: false; url: string | undefined; error: string };

/** One dead letter, as the status lists it. */
export type DeadLetterSummary = {
  /** The original job's id (what `crossmargin retry` takes). */
  jobId: string;
  /** The original job's queue. */
  queue: string;
  /** The dead letter's own id in the `dead-letter` queue. */
  deadLetterId: string;
  /** The error's name. */
  reason: string;
  message: string;
  /** When the job failed for good (ms since epoch). */
  failedAt: number;
  /** What the work was (`balance_batch`, `approve_withdrawal`, …), when the letter says. */
  kind: string | undefined;
  /** Its route, `"<srcChainId>-><dstChainId>"`, when the letter says. */
  route: string | undefined;
  /** The chain the work was going to, with its configured name when the config lists it. */
  destination: { chainId: number; name: string | undefined } | undefined;
};

/** Everything `crossmargin status` shows. */
export type RelayerStatus = {
  /** When the status was taken (ms since epoch). */
  at: number;
  /** BullMQ prefix of the queues read. */
  prefix: string;
  /** Redis read (password redacted). */
  redis: string;
  indexer: IndexerStatus;
  /** Job counts by state of every relayer queue, in pipeline order. */
  queues: QueueDepth[];
  deadLetters: {
    /** Dead letters in the queue, all states together. */
    total: number;
    /** The latest {@link DEAD_LETTERS_SHOWN}, newest first. */
    latest: DeadLetterSummary[];
  };
};

/** Parameters of {@link getRelayerStatus}. */
export type GetRelayerStatusParameters = {
  /** The parsed config (chains, `relayer.queuePrefix`, `redisUrl`, `apiUrl`). */
  config: Config;
  /** Redis to read (default `config.redisUrl`). */
  connection?: RedisConnection | undefined;
  /** The indexer's base URL (default `config.apiUrl`). */
  apiUrl?: string | undefined;
  /** Time limit of each Redis connection attempt and of the indexer request (default 5 s). */
  timeoutMs?: number | undefined;
  /** Now, in ms since epoch (default `Date.now()`). */
  now?: number | undefined;
};

/**
 * Takes the relayer's status: per route from the indexer's `GET /routes` (in flight, oldest age,
 * deliveries), every queue's job counts, and the latest dead letters. An unreachable indexer is
 * reported in `indexer`, not thrown.
 *
 * @param parameters config, Redis, indexer URL
 * @returns the status
 * @throws {RedisUnavailableError} when Redis does not answer (the queues are the point of the status)
 * @example
 * console.log(formatRelayerStatus(await getRelayerStatus({ config: loadConfig() })));
 */
export async function getRelayerStatus(parameters: GetRelayerStatusParameters): Promise<RelayerStatus> {
  const { config } = parameters;
  const at = parameters.now ?? Date.now();
  const apiUrl = parameters.apiUrl ?? config.apiUrl;
  const indexerPromise = readIndexer(apiUrl, parameters.timeoutMs, at);
  const relayer = await openRelayerQueues({
    config,
    connection: parameters.connection,
    timeoutMs: parameters.timeoutMs,
  });
  try {
    const queues = await getQueueDepths([...relayer.queues.values()]);
    const deadLetterQueue = relayer.queues.get(DEAD_LETTER_QUEUE)!;
    const deadCounts = queues.find((q) => q.queue === DEAD_LETTER_QUEUE)?.counts ?? {};
    return {
      at,
      prefix: relayer.prefix,
      redis: relayer.redis,
      indexer: await indexerPromise,
      queues,
      deadLetters: {
        total: Object.values(deadCounts).reduce((sum, n) => sum + n, 0),
        latest: await latestDeadLetters(deadLetterQueue, DEAD_LETTERS_SHOWN, config),
      },
    };
  } finally {
    await relayer.close();
  }
}

async function readIndexer(apiUrl: string | undefined, timeoutMs: number | undefined, at: number) {
  if (apiUrl === undefined)
    return {
      reachable: false,
      url: undefined,
      error: "no indexer URL configured (set `apiUrl` in the config or API_URL)",
    } satisfies IndexerStatus;
  try {
    const routes = await getIndexerRoutes({ apiUrl, timeoutMs });
    return {
      reachable: true,
      url: apiUrl,
      routes: routes.map((r) => toRouteStatus(r, at)),
    } satisfies IndexerStatus;
  } catch (error) {
    return {
      reachable: false,
      url: apiUrl,
      error:
        error instanceof Error ? error.message.replaceAll("\n\n", " ").replaceAll("\n", " ") : String(error),
    } satisfies IndexerStatus;
  }
}

function toRouteStatus(route: IndexerRoute, at: number): RouteStatus {
  const last = route.lastDelivered;
  const timestamp = last === null || last.timestamp === null ? null : Number(last.timestamp);
  return {
    route: route.route,
    srcChainId: route.srcEid,
    dstChainId: route.dstEid,
    inFlight: route.inFlight,
    oldestInFlightAgeSeconds: route.oldestInFlightAgeSeconds,
    lagSeconds: route.oldestInFlightAgeSeconds ?? 0,
    delivered: route.delivered,
    lastDelivered:
      last === null
        ? null
        : {
            guid: last.guid,
            kind: last.kind,
            timestamp,
            ageSeconds: timestamp === null ? null : Math.max(0, Math.round(at / 1000 - timestamp)),
            txHash: last.txHash,
            latencySeconds: last.latencySeconds,
          },
  };
}

/** Every state a dead letter can sit in (normally `waiting`: nothing consumes the queue). */
const DEAD_LETTER_STATES = ["waiting", "prioritized", "delayed", "active", "completed", "failed"] as const;

async function latestDeadLetters(
  queue: Queue,
  count: number,
  config: Pick<Config, "chains">,
): Promise<DeadLetterSummary[]> {
  // The newest `count` of each state (newest first), then the newest `count` of them all.
  const jobs = (
    await Promise.all(DEAD_LETTER_STATES.map((state) => queue.getJobs([state], 0, count - 1, false)))
  ).flat();
  const summaries = jobs
    .filter((job): job is Job => job !== undefined && job !== null)
    .map((job) => summarize(job, config));
  return summaries.sort((a, b) => b.failedAt - a.failedAt).slice(0, count);
}

function summarize(job: Job, config: Pick<Config, "chains">): DeadLetterSummary {
  const read = readDeadLetter(job.data);
  const data = read.data;
  const claim = claimOf(read.ok ? read.data.data : undefined);
  const dst = claim?.dstChainId;
  return {
    jobId: data.jobId ?? job.id ?? "?",
    queue: data.queue ?? "?",
    deadLetterId: job.id ?? "?",
    reason: data.reason ?? "?",
    message: read.ok ? read.data.message : `malformed dead letter: ${read.problem}`,
    failedAt: data.failedAt ?? job.timestamp,
    kind: claim?.kind,
    route: claim?.srcChainId === undefined || dst === undefined ? undefined : `${claim.srcChainId}->${dst}`,
    destination: dst === undefined ? undefined : { chainId: dst, name: config.chains[String(dst)]?.name },
  };
}

/** The kind and chains of the claim a dead letter carries, as far as they are readable. */
function claimOf(data: unknown): { kind?: string; srcChainId?: number; dstChainId?: number } | undefined {
  if (typeof data !== "object" || data === null || !("claim" in data)) return undefined;
  const claim: unknown = data.claim;
  if (typeof claim !== "object" || claim === null) return undefined;
  const field = (name: string) => (name in claim ? (claim as Record<string, unknown>)[name] : undefined);
  const kind = field("kind");
  const src = field("srcChainId");
  const dst = field("dstChainId");
  return {
    ...(typeof kind === "string" ? { kind } : {}),
    ...(typeof src === "number" ? { srcChainId: src } : {}),
    ...(typeof dst === "number" ? { dstChainId: dst } : {}),
  };
}
