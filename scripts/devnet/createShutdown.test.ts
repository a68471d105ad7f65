import { describe, expect, test } from "vitest";
import { type CreateShutdownParameters, createShutdown } from "./createShutdown.js";

/** A promise settled from outside, for a stop or kill that takes as long as the test wants. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A shutdown whose stop and kill the test finishes; records every step in order. */
function setup(overrides: Partial<CreateShutdownParameters> = {}) {
  const steps: string[] = [];
  const stopped = deferred();
  const killing = deferred();
  let exit: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    exit = resolve;
  });
  const shutdown = createShutdown({
    stop: async () => {
      steps.push("stop");
      await stopped.promise;
    },
    kill: async () => {
      steps.push("kill");
      await killing.promise;
      steps.push("killed");
    },
    exit: (code) => {
      steps.push(`exit ${code}`);
      exit(code);
    },
    log: (message) => steps.push(message),
    copyWindowMs: 100,
    graceMs: 60_000,
    ...overrides,
  });
  return { ...shutdown, steps, stopped, killing, exited };
}

describe("createShutdown", () => {
  test("a signal stops everything, then exits 0 after printing stopped.", async () => {
    const s = setup();
    s.onSignal("Ctrl-C");
    expect(s.stopping()).toBe(true);
    s.stopped.resolve();
    expect(await s.exited).toBe(0);
    expect(s.steps).toEqual(["Ctrl-C; stopping…", "stop", "stopped.", "exit 0"]);
  });

  test("copies of the same Ctrl-C (npm, tsx passing it on) neither exit nor kill", async () => {
    const s = setup();
    s.onSignal("Ctrl-C");
    s.onSignal("Ctrl-C");
    s.onSignal("SIGTERM");
    await sleep(20);
    expect(s.steps).toEqual(["Ctrl-C; stopping…", "stop"]);
    s.stopped.resolve();
    expect(await s.exited).toBe(0);
    expect(s.steps).not.toContain("kill");
  });

  test("a later Ctrl-C kills what is left, and exits only once that is gone", async () => {
    const s = setup();
    s.onSignal("Ctrl-C");
    await sleep(150); // past the copy window
    s.onSignal("Ctrl-C");
    await sleep(20);
    expect(s.steps).toEqual(["Ctrl-C; stopping…", "stop", "killing what is left…", "kill"]);
    s.killing.resolve();
    expect(await s.exited).toBe(0);
    expect(s.steps.slice(-3)).toEqual(["killed", "stopped.", "exit 0"]);
  });

  test("a stop that hangs past the grace period is killed", async () => {
    const s = setup({ graceMs: 50 });
    void s.shutdown(1, "a chain died");
    s.killing.resolve();
    expect(await s.exited).toBe(1);
    expect(s.steps).toEqual([
      "a chain died; stopping…",
      "stop",
      "killing what is left…",
      "kill",
      "killed",
      "stopped.",
      "exit 1",
    ]);
  });

  test("a failing stop still ends in stopped. and one exit", async () => {
    const s = setup({
      stop: async () => {
        throw new Error("boom");
      },
    });
    void s.shutdown(1, "the indexer died");
    void s.shutdown(0, "Ctrl-C");
    expect(await s.exited).toBe(1);
    expect(s.steps).toEqual([
      "the indexer died; stopping…",
      "stopping failed: Error: boom",
      "stopped.",
      "exit 1",
    ]);
  });
});
