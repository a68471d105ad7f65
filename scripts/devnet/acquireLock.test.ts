import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { acquireLock, LOCK_FILE } from "./acquireLock.js";
import { DevnetLockedError } from "./errors.js";

/** A pid that certainly belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(child.stdout);
}

describe("acquireLock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "crossmargin-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("writes our pid and removes the lock on release", () => {
    const lock = acquireLock({ dir });
    expect(lock.path).toBe(join(dir, LOCK_FILE));
    expect(readFileSync(lock.path, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  test("refuses while a live process holds it, naming the pid", () => {
    const lock = acquireLock({ dir });
    expect(() => acquireLock({ dir })).toThrow(DevnetLockedError);
    expect(() => acquireLock({ dir })).toThrow(`A devnet is already running (pid ${process.pid}).`);
    expect(() => acquireLock({ dir })).toThrow(`kill ${process.pid}`);
    lock.release();
  });

  test("takes over a stale lock left by a dead process", () => {
    const stale = deadPid();
    writeFileSync(join(dir, LOCK_FILE), `${stale}\n`);
    const lock = acquireLock({ dir });
    expect(readFileSync(lock.path, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
  });

  test("takes over an unreadable lock", () => {
    writeFileSync(join(dir, LOCK_FILE), "garbage");
    const lock = acquireLock({ dir });
    expect(readFileSync(lock.path, "utf8")).toBe(`${process.pid}\n`);
    lock.release();
  });

  test("release leaves a lock that another process took over", () => {
    const lock = acquireLock({ dir });
    writeFileSync(lock.path, "1\n");
    lock.release();
    expect(readFileSync(lock.path, "utf8")).toBe("1\n");
  });

  test("leaves no scratch files behind", () => {
    const lock = acquireLock({ dir });
    expect(() => acquireLock({ dir })).toThrow(DevnetLockedError);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
