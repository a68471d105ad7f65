import type { Config } from "../../shared/config/schema.js";
import { ATTEST_QUEUE, DEAD_LETTER_QUEUE, deliverQueueName, RECONCILE_QUEUE } from "../jobIds.js";

/**
 * Every queue the relayer uses under a config: `attest`, one `deliver-<chainId>` per configured
 * chain (ascending), `reconcile`, `dead-letter`.
 *
 * @param config the parsed config
 * @returns the queue names, in pipeline order
 */
export function relayerQueueNames(config: Pick<Config, "chains">): string[] {
  const chainIds = Object.values(config.chains)
    .map((chain) => chain.chainId)
    .sort((a, b) => a - b);
  return [ATTEST_QUEUE, ...chainIds.map(deliverQueueName), RECONCILE_QUEUE, DEAD_LETTER_QUEUE];
}
