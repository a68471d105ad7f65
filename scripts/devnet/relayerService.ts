import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import { resolveKeys } from "../../relayer/pipeline/resolveKeys.js";
import { startRelayer } from "../../relayer/pipeline/startRelayer.js";
import { parseConfig } from "../../shared/config/parseConfig.js";
import type { DevnetManifest } from "./buildManifest.js";
import type { DevService } from "./services.js";
import { hasRedisServer, REDIS_HELP, startRedis } from "./startRedis.js";
import { writeManifest } from "./writeManifest.js";

/** The relayer's HTTP port under `npm run dev` (its default; moves if taken). */
const DEV_RELAYER_PORT = 9464;

/**
 * `npm run dev`'s relayer, in-process with the three devnet attesters: Redis from `REDIS_URL`, or a
 * private `redis-server` it starts when one is on PATH (else it stops with how to get one). Its
 * queues use a prefix of their own for each run (written to the manifest, so `crossmargin status`
 * finds them); its pino JSON logs go to `<devnet dir>/relayer.log`.
 */
export const relayerService: DevService = {
  name: "relayer",
  async start(devnet, log) {
    let redisUrl = process.env.REDIS_URL;
    let stopRedis: (() => Promise<void>) | undefined;
    let killRedis: (() => Promise<void>) | undefined;
    let redisExited: Promise<unknown> | undefined;
    if (redisUrl === undefined || redisUrl === "") {
      if (!hasRedisServer()) throw new Error(`No Redis for the relayer.\n\n${REDIS_HELP}`);
      const redis = await startRedis();
      redisUrl = redis.url;
      stopRedis = redis.stop;
      killRedis = redis.kill;
      redisExited = redis.exited;
      log(`started redis-server at ${redis.url}`);
    } else {
      log(`using Redis at ${redisUrl} (REDIS_URL)`);
    }
    // The indexer service wrote apiUrl: start from the manifest on disk.
    const current = JSON.parse(readFileSync(devnet.manifestPath, "utf8")) as DevnetManifest; // written by this devnet
    const manifest = {
      ...current,
      redisUrl,
      relayer: { queuePrefix: `crossmargin-dev-${Date.now()}`, port: DEV_RELAYER_PORT },
    };
    writeManifest({ path: devnet.manifestPath, manifest });
    const config = parseConfig(manifest);
    if (config.apiUrl === undefined)
      throw new Error("the relayer needs the indexer's apiUrl in the manifest");
    const logPath = join(devnet.manifestPath, "..", "relayer.log");
    const logger = pino(
      { level: process.env.LOG_LEVEL ?? "info", base: { service: "crossmargin-relayer" } },
      createWriteStream(logPath, { flags: "a" }),
    );
    const start = (port?: number) =>
      startRelayer({
        config,
        keys: resolveKeys(config, process.env),
        apiUrl: config.apiUrl as string,
        logger,
        ...(port === undefined ? {} : { port }),
      }); // apiUrl checked above
    // 9464 is the relayer's usual port; when something else holds it, take any free one.
    const relayer = await start().catch((error: unknown) => {
      log(
        `port ${DEV_RELAYER_PORT} is busy (${error instanceof Error ? error.message.split("\n")[0] : String(error)}); using a free port`,
      );
      return start(0);
    });
    log(`running at ${relayer.url} (logs: ${logPath})`);
    return {
      stop: async () => {
        await relayer.stop();
        await stopRedis?.();
      },
      kill: async () => {
        await killRedis?.();
      },
      summary: [
        `relayer      ${relayer.url}/healthz  ·  metrics ${relayer.url}/metrics`,
        `dashboard    ${relayer.url}/admin/queues  (Bull Board)`,
        `relayer log  ${logPath}  ·  status: npx crossmargin status`,
      ],
      ...(redisExited === undefined
        ? {}
        : { closed: redisExited.then(() => new Error("the devnet's redis-server exited")) }),
    };
  },
};
