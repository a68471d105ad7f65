import { join } from "node:path";
import type { RelayerConfig } from "../../shared/config/schema.js";
import { clearRedisPrefix } from "../../test/kit/clearRedisPrefix.js";
import type { FundedKey } from "../../test/kit/fundedKeys.js";
import { cpuSeconds } from "../../test/kit/processTree.js";
import { readMetric } from "../../test/kit/readMetric.js";
import { type RelayerProcess, startRelayerProcess } from "../../test/kit/startRelayerProcess.js";
import type { BenchNet } from "./startBenchNet.js";
import { type BenchRelayer, deliveryReader } from "./startBenchRelayer.js";

/** Attester processes shared by every run of the scale-out benchmark. */
export type BenchAttesters = {
  /** `relayer.attesterUrls`: every attester of the set, over HTTP. */
  urls: Record<string, string>;
  pids: number[];
  stop: () => Promise<void>;
};

/**
 * Starts one `crossmargin attester` process per attester of the devnet's set (its own key, the
 * chains' RPCs), on consecutive ports from `basePort`.
 *
 * @param net the bench devnet (its manifest names the attesters and their keys)
 * @param parameters first port and a directory for the config file
 * @returns their URLs by address, their pids and `stop`
 */
export async function startBenchAttesters(
  net: BenchNet,
  parameters: { basePort: number; dir: string },
): Promise<BenchAttesters> {
  const started: RelayerProcess[] = [];
  try {
    for (const [i, attester] of net.manifest.accounts.attesters.entries())
      started.push(
        await startRelayerProcess({
          command: "attester",
          config: net.manifest,
          configPath: join(parameters.dir, `attester-${i}.json`),
          args: ["--port", String(parameters.basePort + i)],
          env: { ATTESTER_PRIVATE_KEY: attester.privateKey, LOG_LEVEL: "info", REDIS_URL: "" },
          readyTimeoutMs: 120_000,
        }),
      );
  } catch (error) {
    await Promise.all(started.map((p) => p.kill("SIGTERM")));
    throw error;
  }
  const addresses = net.manifest.accounts.attesters.map((a) => a.address);
  return {
    urls: Object.fromEntries(started.map((p, i) => [addresses[i] ?? "", p.url])),
    pids: started.map((p) => p.pid),
    stop: async () => void (await Promise.all(started.map((p) => p.kill("SIGTERM")))),
  };
}

/**
 * Starts `keys.length` `crossmargin relayer` processes on one queue prefix, each sending with its
 * own key and asking the shared attester processes, and measures the CPU of the relayers, the
 * attesters and the indexer from `/proc`.
 *
 * @param parameters the network, attesters, keys, prefix, relayer settings and a config directory
 * @returns the processes as one {@link BenchRelayer}
 */
export async function startBenchProcesses(parameters: {
  net: BenchNet;
  attesters: BenchAttesters;
  keys: readonly FundedKey[];
  prefix: string;
  settings: Partial<RelayerConfig>;
  dir: string;
}): Promise<BenchRelayer> {
  const { net, prefix } = parameters;
  const config = {
    ...net.manifest,
    relayer: {
      ...net.manifest.relayer,
      ...parameters.settings,
      queuePrefix: prefix,
      port: 0,
      attesterUrls: parameters.attesters.urls,
    },
  };
  const relayers = await Promise.all(
    parameters.keys.map((key, i) =>
      startRelayerProcess({
        config,
        configPath: join(parameters.dir, `relayer-${prefix.replace(/[{}]/g, "")}-${i}.json`),
        env: {
          RELAYER_PRIVATE_KEY: key.privateKey,
          ATTESTER_PRIVATE_KEYS: "",
          LOG_LEVEL: "info",
          REDIS_URL: "",
        },
        readyTimeoutMs: 180_000,
      }),
    ),
  );
  const reader = deliveryReader(net.config, prefix);
  const sum = async (name: string) =>
    (await Promise.all(relayers.map((r) => readMetric(r.url, name)))).reduce((a, b) => a + b, 0);
  const total = (pids: readonly number[]) => pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  return {
    prefix,
    deliveries: reader.deliveries,
    gasMetrics: async () => ({
      gas: await sum("crossmargin_gas_used_total"),
      updates: await sum("crossmargin_updates_delivered_total"),
    }),
    cpuSeconds: () => ({
      relayers: total(relayers.map((r) => r.pid)),
      attesters: total(parameters.attesters.pids),
      indexer: total([net.indexer.pid]),
    }),
    warnings: () => {
      const lines = relayers.flatMap((r) => r.logs().split("\n")).filter((l) => /"level":(40|50|60)/.test(l));
      return { count: lines.length, last: lines.slice(-200) };
    },
    stop: async () => {
      await Promise.all(relayers.map((r) => r.kill("SIGTERM")));
      await reader.close();
      await clearRedisPrefix(net.config.redisUrl, prefix);
    },
  };
}
