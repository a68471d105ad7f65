import { Redis } from "ioredis";

/**
 * Deletes every Redis key under a BullMQ prefix (a test's queues, claims and schedulers), so a
 * test file leaves nothing behind in the shared Redis.
 *
 * @param redisUrl the Redis
 * @param prefix the queue prefix the test's relayers used
 */
export async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    await client.quit();
  }
}
