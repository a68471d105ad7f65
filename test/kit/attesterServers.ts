import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import {
  type StartAttesterServerReturnType,
  startAttesterServer,
} from "../../relayer/attester/attesterServer.js";
import type { Config } from "../../shared/config/schema.js";

/** Attester servers of a test, each stoppable and restartable on its own port. */
export type AttesterServers = {
  /** `relayer.attesterUrls`: each attester's address → its server's URL. */
  urls: Record<Address, string>;
  start: (index: number) => Promise<void>;
  stop: (index: number) => Promise<void>;
  startAll: () => Promise<void>;
  stopAll: () => Promise<void>;
};

/**
 * One `crossmargin attester` server per key (in this process), on the given ports; `stop(i)` and
 * `start(i)` take one down and bring it back on the same port (an attester outage).
 *
 * @param parameters the config, the attesters' keys and addresses, one port each, the logger
 * @returns the servers' URLs and their controls (nothing is started until `startAll` or `start`)
 */
export function attesterServers(parameters: {
  config: Config;
  attesters: readonly { address: Address; privateKey: Hex }[];
  ports: readonly number[];
  logger: Logger;
}): AttesterServers {
  const { config, attesters, ports, logger } = parameters;
  const running = new Map<number, StartAttesterServerReturnType>();
  const start = async (index: number) => {
    const attester = attesters[index];
    const port = ports[index];
    if (attester === undefined || port === undefined) throw new Error(`no attester or port ${index}`);
    running.set(index, await startAttesterServer({ config, privateKey: attester.privateKey, port, logger }));
  };
  const stop = async (index: number) => {
    await running.get(index)?.stop();
    running.delete(index);
  };
  return {
    urls: Object.fromEntries(attesters.map((a, i) => [a.address, `http://127.0.0.1:${ports[i]}`])),
    start,
    stop,
    startAll: async () => void (await Promise.all(attesters.map((_, i) => start(i)))),
    stopAll: async () => void (await Promise.all(attesters.map((_, i) => stop(i)))),
  };
}
