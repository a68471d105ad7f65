import { randomBytes } from "node:crypto";
import { clearRedisPrefix } from "./clearRedisPrefix.js";

/** Redis used by the ops tests. */
export const TEST_REDIS_URL = "redis://127.0.0.1:6379";

/** A unique BullMQ prefix for one test, and a way to delete everything stored under it. */
export type TestRedisPrefix = {
  /** e.g. `t-ops-1f2e3d4c5b6a` (valid as `relayer.queuePrefix`). */
  prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
};

/**
 * Test helper: a fresh queue prefix so tests never share Redis state, and its cleanup.
 *
 * @returns the prefix and its cleanup
 */
export function createTestRedisPrefix(): TestRedisPrefix {
  const prefix = `t-ops-${randomBytes(6).toString("hex")}`;
  return {
    prefix,
    cleanup: () => clearRedisPrefix(TEST_REDIS_URL, prefix),
  };
}
