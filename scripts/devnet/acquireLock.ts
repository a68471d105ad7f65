import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DevnetLockedError } from "./errors.js";

/** Parameters of {@link acquireLock}. */
export type AcquireLockParameters = {
  /** The devnet directory (created if missing); the lock is `<dir>/dev.lock`. */
  dir: string;
  /** Pid written into the lock (default: this process). */
  pid?: number;
};

/** A held devnet lock. */
export type AcquireLockReturnType = {
  /** Path of the lock file. */
  path: string;
  /** Removes the lock if it still holds our pid (synchronous, so it also works in an `exit` handler). */
  release: () => void;
};

/** Name of the lock file inside the devnet directory. */
export const LOCK_FILE = "dev.lock";

/**
 * Takes the devnet lock: `<dir>/dev.lock` holding the owner's pid. The file appears atomically
 * with its content (written aside, then hard-linked into place), so a reader never sees it empty.
 * A lock whose pid is dead is stale and taken over.
 *
 * @param params the devnet directory and the pid to record
 * @returns the lock path and a `release` function
 * @throws DevnetLockedError when a live process holds the lock
 * @example
 * const lock = acquireLock({ dir: ".devnet" });
 * try { … } finally { lock.release(); }
 */
export function acquireLock(params: AcquireLockParameters): AcquireLockReturnType {
  const pid = params.pid ?? process.pid;
  mkdirSync(params.dir, { recursive: true });
  const path = join(params.dir, LOCK_FILE);
  const scratch = `${path}.${pid}.${Date.now()}.tmp`;
  writeFileSync(scratch, `${pid}\n`);
  try {
    // Two attempts: the second one follows the removal of a stale lock.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(scratch, path);
        return { path, release: () => releaseLock(path, pid) };
      } catch (error) {
        if (!isErrno(error, "EEXIST")) throw error;
      }
      const holder = readLockPid(path);
      if (holder !== undefined && isAlive(holder)) throw new DevnetLockedError(holder, path);
      removeIfExists(path);
    }
    const holder = readLockPid(path) ?? 0;
    throw new DevnetLockedError(holder, path);
  } finally {
    removeIfExists(scratch);
  }
}

/**
 * Reads the pid recorded in a lock file.
 *
 * @param path the lock file
 * @returns the pid, or `undefined` when the file is missing or does not hold a pid
 */
export function readLockPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

function releaseLock(path: string, pid: number): void {
  if (readLockPid(path) === pid) removeIfExists(path);
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}

function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
