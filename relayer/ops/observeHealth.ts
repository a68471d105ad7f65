import type { RelayerObserver } from "../pipeline/relayerObserver.js";
import type { HealthReport } from "./createHttpServer.js";

/** Parameters of {@link observeHealth}. */
export type ObserveHealthParameters = {
  /** The relayer's Redis connection (`status` is ioredis's, `"ready"` when usable). */
  redis: { readonly status: string };
  /** Addresses of the attesters the relayer asks. */
  attesters: readonly { address: string }[];
  /** What the last periodic start-check found wrong (`watchPreflight`): an RPC down, a key out of funds, too few attesters. */
  problems?: () => readonly { path: string; message: string }[];
};

/**
 * The relayer's `/healthz` check, kept from its events: healthy while Redis is ready, the last
 * discovery round did not fail (`roundCompleted` clears a `roundFailed`) and the periodic
 * start-check finds nothing wrong (each problem is listed, naming its chain and field).
 *
 * @param observer the relayer's events
 * @param parameters Redis and the attesters (shown in the details)
 * @returns the health check for `startRelayerHttpServer`
 * @example
 * const health = observeHealth(observer, { redis, attesters });
 * await startRelayerHttpServer({ port, metrics, queues, logger, health });
 */
export function observeHealth(
  observer: RelayerObserver,
  parameters: ObserveHealthParameters,
): () => HealthReport {
  let lastDiscovery: { at: number; error?: string } = { at: 0 };
  observer.on((event) => {
    if (event.type === "roundCompleted") lastDiscovery = { at: event.at };
    if (event.type === "roundFailed") lastDiscovery = { at: event.at, error: event.error };
  });
  return () => {
    const { redis } = parameters;
    const problems = parameters.problems?.() ?? [];
    return {
      ok: redis.status === "ready" && lastDiscovery.error === undefined && problems.length === 0,
      details: {
        redis: redis.status,
        lastDiscoveryAt: lastDiscovery.at,
        lastDiscoveryError: lastDiscovery.error ?? null,
        attesters: parameters.attesters.map((a) => a.address),
        problems: problems.map((p) => `${p.path}: ${p.message}`),
      },
    };
  };
}
