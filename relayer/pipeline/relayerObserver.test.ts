import type { Job } from "bullmq";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { NonRetryableError, RetryableError } from "../../shared/errors/BaseError.js";
import type { Attester } from "../attester/types.js";
import type { AttestJobData, DeliverJobData, SentPacketClaim } from "../types.js";
import { guardProcessor } from "./guardProcessor.js";
import { createAttestProcessor } from "./processAttest.js";
import { createRelayerObserver, type RelayerEvent } from "./relayerObserver.js";

const GUID: Hex = `0x${"ab".repeat(32)}`;
const CLAIM: SentPacketClaim = {
  kind: "withdrawal_request",
  srcChainId: 31338,
  dstChainId: 31337,
  packet: "0x01",
  guid: GUID,
  nonce: "1",
  sourceBlock: "10",
};

/** A job as a processor sees it; the processors here read only `id`, `data` and `attemptsMade`. */
function fakeJob<D>(data: D, attemptsMade = 0): Job<D> {
  // A real Job needs a queue and Redis; these processors touch none of its other members.
  return { id: "packet-1", data, attemptsMade } as unknown as Job<D>;
}

function fakeAttester(address: Hex): Attester {
  return { address, attest: async () => `0x${"11".repeat(64)}1b` };
}

class FlakyRpcError extends RetryableError {
  override name = "FlakyRpcError";
}
class BadClaimError extends NonRetryableError {
  override name = "BadClaimError";
}

describe("createRelayerObserver", () => {
  it("gives every listener every event, in emit order and subscription order", () => {
    const observer = createRelayerObserver();
    const seen: string[] = [];
    observer.on((event) => seen.push(`a:${event.type}`));
    observer.on((event) => seen.push(`b:${event.type}`));
    observer.emit({ type: "started", url: "http://x", chains: [1], attesters: 1, prefix: "p" });
    observer.emit({ type: "stopped" });
    expect(seen).toEqual(["a:started", "b:started", "a:stopped", "b:stopped"]);
  });

  it("narrows events by type", () => {
    const observer = createRelayerObserver();
    const gas: bigint[] = [];
    observer.on((event) => {
      if (event.type === "delivered") gas.push(event.gasUsed);
    });
    observer.emit({
      type: "delivered",
      chainId: 31337,
      route: "31338->31337",
      kind: "balance_batch",
      guid: GUID,
      txHash: undefined,
      gasUsed: 21_000n,
      updates: 3,
      latencySeconds: 1,
      creditLatencySeconds: undefined,
    });
    expect(gas).toEqual([21_000n]);
  });

  it("stops calling a listener once unsubscribed, and only that subscription", () => {
    const observer = createRelayerObserver();
    const seen: string[] = [];
    const listener = (event: RelayerEvent) => seen.push(event.type);
    const off = observer.on(listener);
    observer.on(listener);
    off();
    off();
    observer.emit({ type: "stopped" });
    expect(seen).toEqual(["stopped"]);
  });

  it("reports a throwing listener and still runs the others; emit itself never throws", () => {
    const errors: Array<{ error: unknown; type: string }> = [];
    const observer = createRelayerObserver({
      onListenerError: (error, event) => errors.push({ error, type: event.type }),
    });
    const seen: string[] = [];
    observer.on(() => {
      throw new Error("metric broke");
    });
    observer.on((event) => seen.push(event.type));
    expect(() => observer.emit({ type: "stopped" })).not.toThrow();
    expect(seen).toEqual(["stopped"]);
    expect(errors).toEqual([{ error: new Error("metric broke"), type: "stopped" }]);
  });

  it("reports a rejected async listener instead of leaving it unhandled", async () => {
    const errors: unknown[] = [];
    const observer = createRelayerObserver({ onListenerError: (error) => errors.push(error) });
    observer.on(async () => {
      throw new Error("async broke");
    });
    observer.emit({ type: "stopped" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).toEqual([new Error("async broke")]);
  });

  it("survives an error reporter that throws too", () => {
    const observer = createRelayerObserver({
      onListenerError: () => {
        throw new Error("reporter broke");
      },
    });
    observer.on(() => {
      throw new Error("listener broke");
    });
    expect(() => observer.emit({ type: "stopped" })).not.toThrow();
  });
});

describe("a processor with a throwing listener", () => {
  it("still attests and hands the claim on, and the event reached the other listeners", async () => {
    const observer = createRelayerObserver();
    observer.on(() => {
      throw new Error("metrics broke");
    });
    const events: RelayerEvent[] = [];
    observer.on((event) => events.push(event));
    const added: Array<{ name: string; data: DeliverJobData; jobId: string | undefined }> = [];
    const process = createAttestProcessor({
      attesters: [fakeAttester("0x0000000000000000000000000000000000000001")],
      threshold: 1,
      timeoutMs: 1_000,
      deliverQueues: new Map([
        [
          31337,
          {
            add: async (name: string, data: DeliverJobData, opts?: { jobId?: string }) => {
              added.push({ name, data, jobId: opts?.jobId });
              return undefined as never; // the processor ignores the returned job
            },
          },
        ],
      ]),
      observer,
    });
    const discoveredAt = Date.now() - 2_000;
    const result = await process(fakeJob<AttestJobData>({ claim: CLAIM, discoveredAt }));

    expect(result.attestedAt).toBeGreaterThanOrEqual(discoveredAt);
    expect(added).toEqual([
      {
        name: "withdrawal_request",
        data: expect.objectContaining({ claim: CLAIM, discoveredAt, attestedAt: result.attestedAt }),
        jobId: "packet-1",
      },
    ]);
    expect(events).toEqual([
      {
        type: "attested",
        route: "31338->31337",
        kind: "withdrawal_request",
        guid: GUID,
        latencySeconds: (result.attestedAt - discoveredAt) / 1000,
      },
    ]);
  });

  it("rethrows the job's own error (not the listener's) and dead-letters only non-retryable ones", async () => {
    const observer = createRelayerObserver();
    observer.on(() => {
      throw new Error("logs broke");
    });
    const events: RelayerEvent[] = [];
    observer.on((event) => events.push(event));
    const deadLettered: string[] = [];
    const guarded = (error: Error) =>
      guardProcessor<AttestJobData, never>({
        queue: "attest",
        process: async () => {
          throw error;
        },
        deadLetter: async (_queue, _job, e) => {
          deadLettered.push(e instanceof Error ? e.name : String(e));
        },
        observer,
      });
    const job = fakeJob<AttestJobData>({ claim: CLAIM, discoveredAt: 0 }, 2);

    await expect(guarded(new FlakyRpcError("rpc down\nmore"))(job)).rejects.toBeInstanceOf(FlakyRpcError);
    expect(events).toEqual([
      {
        type: "attemptFailed",
        queue: "attest",
        jobId: "packet-1",
        attempt: 3,
        reason: "FlakyRpcError",
        error: "rpc down",
      },
    ]);
    await expect(guarded(new BadClaimError("no"))(job)).rejects.toMatchObject({ name: "UnrecoverableError" });
    expect(deadLettered).toEqual(["BadClaimError"]);
  });
});
