import { Redis } from "ioredis";
import type { RpcProxy } from "../../test/kit/rpcProxy.js";
import { randomInt } from "../../test/kit/seededRandom.js";

/** The faults the soak injects, one at a time. */
export const FAULT_KINDS = ["kill", "flush", "rpc", "attester"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One injected fault: its kind and when it began and was cleared (ms since the epoch). */
export type FaultWindow = { kind: FaultKind; from: number; to: number };

/** What the fault injector acts on. */
export type FaultTargets = {
  /** SIGKILLs the relayer child process and starts a new one (resolves once it runs). */
  killRelayer: () => Promise<void>;
  /** The private Redis the relayer uses. */
  redisUrl: string;
  /** The RPC proxies in front of every chain the relayer reads and sends through. */
  proxies: readonly RpcProxy[];
  /** Stops attester `index` and starts it again on the same port. */
  stopAttester: (index: number) => Promise<void>;
  startAttester: (index: number) => Promise<void>;
  attesters: number;
};

/** Parameters of {@link runFaults}. */
export type RunFaultsParameters = {
  targets: FaultTargets;
  random: () => number;
  /** Stop injecting (the current fault is cleared first). */
  signal: AbortSignal;
  /** Pause before the first fault and between faults, in ms (a random value in the range). */
  pauseMs: readonly [number, number];
  /** How long an RPC fault period or an attester outage lasts, in ms. */
  periodMs: number;
  progress: (line: string) => void;
};

/**
 * Injects random faults one after another until `signal` aborts: a relayer SIGKILL + restart, a
 * Redis FLUSHALL, an RPC fault period (every proxy drops 10 % and delays 10 % of requests), or one
 * attester down for a while. Each fault is cleared before the next one starts.
 *
 * @param parameters targets, random source, pacing
 * @returns the faults injected, in order, each with its window (a kill's ends when the new relayer runs)
 */
export async function runFaults(parameters: RunFaultsParameters): Promise<FaultWindow[]> {
  const { targets, random, signal } = parameters;
  const injected: FaultWindow[] = [];
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  // Every kind once (in a random order), then random ones: a short soak still sees each.
  const order = [...FAULT_KINDS].sort(() => random() - 0.5);
  while (!signal.aborted) {
    await sleep(randomInt(random, parameters.pauseMs[0], parameters.pauseMs[1]));
    if (signal.aborted) break;
    const kind = order.shift() ?? FAULT_KINDS[randomInt(random, 0, FAULT_KINDS.length - 1)] ?? "kill";
    const from = Date.now();
    parameters.progress(`fault ${injected.length + 1}: ${kind}`);
    if (kind === "kill") await targets.killRelayer();
    if (kind === "flush") {
      const admin = new Redis(targets.redisUrl, { maxRetriesPerRequest: 1 });
      await admin.flushall().finally(() => admin.disconnect());
    }
    if (kind === "rpc") {
      for (const proxy of targets.proxies) proxy.setFaulty(true);
      await sleep(parameters.periodMs);
      for (const proxy of targets.proxies) proxy.setFaulty(false);
    }
    if (kind === "attester") {
      const index = randomInt(random, 0, targets.attesters - 1);
      await targets.stopAttester(index);
      await sleep(parameters.periodMs);
      await targets.startAttester(index);
    }
    injected.push({ kind, from, to: Date.now() });
  }
  return injected;
}
