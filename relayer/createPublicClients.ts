import { createPublicClient, http, type PublicClient, webSocket } from "viem";
import { defineLocalChain } from "../shared/chains/defineLocalChain.js";
import type { Config } from "../shared/config/schema.js";

/** Options of {@link createPublicClients}. */
export type CreatePublicClientsParameters = {
  /** Retries of a failed RPC request before the caller sees the error (viem's `retryCount`). */
  retryCount?: number;
  /** Milliseconds one RPC request may take. */
  timeoutMs?: number;
};

/**
 * One viem public client per configured chain, keyed by chain id. HTTP requests are batched
 * (JSON-RPC batches, so reading hundreds of leaves is a few round trips) and retried with
 * backoff: the relayer and the attesters must ride out a flaky RPC.
 *
 * @param config the parsed config
 * @param parameters retry and timeout
 * @returns chain id → public client
 */
export function createPublicClients(
  config: Config,
  parameters: CreatePublicClientsParameters = {},
): Map<number, PublicClient> {
  const clients = new Map<number, PublicClient>();
  for (const chain of Object.values(config.chains)) {
    const isWebSocket = chain.rpcUrl.startsWith("ws");
    const options = {
      retryCount: parameters.retryCount ?? 5,
      retryDelay: 100,
      timeout: parameters.timeoutMs ?? 10_000,
    };
    clients.set(
      chain.chainId,
      createPublicClient({
        chain: defineLocalChain(chain),
        transport: isWebSocket
          ? webSocket(chain.rpcUrl, options)
          : http(chain.rpcUrl, { ...options, batch: { batchSize: 250, wait: 0 } }),
        // Fresh reads each time: the relayer decides on chain state, never on a stale cache.
        cacheTime: 0,
        pollingInterval: Math.max(50, Math.min(1_000, Math.floor(chain.blockTimeMs / 4))),
      }),
    );
  }
  return clients;
}
