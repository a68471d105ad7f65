import { setFlagsFromString } from "node:v8";
import { ConfigError } from "../../shared/errors/BaseError.js";

/** The environment variable that keeps V8's allocation-site pretenuring: `on` keeps it, `off` (the default) turns it off. */
export const PRETENURING_ENV = "CROSSMARGIN_V8_PRETENURING";

/**
 * Turns off V8's allocation-site pretenuring in this process unless `CROSSMARGIN_V8_PRETENURING=on`.
 * Both `ponder.config.ts` files call it first thing, before Ponder indexes or serves anything.
 *
 * Why: under read load, V8 decided to allocate objects of Ponder's and node's request path (the
 * `IncomingMessage`, request bodies, pg rows) straight into old space. Everything they point to then
 * survives every scavenge until the next mark-compact, although none of it outlives its request:
 * each scavenge promoted ~650 KB and paused ~3.8 ms, with a 7–17 ms mark-compact every few seconds,
 * and every request in flight waited through each pause. Without pretenuring a scavenge promoted
 * ~64 KB and paused ~2.0 ms, with no mark-compact during the load. `npm run bench -- indexer`
 * measures both settings side by side: 1.5–3× less GC time per margin read, a p99 within the
 * noise (README, "Design decisions").
 *
 * V8 reads the flag whenever it reviews its allocation sites, so setting it at run time works for
 * every site it has not decided on yet: here, before the indexer's code has run, that is all of them.
 *
 * @param env the environment to read (default `process.env`)
 * @returns the setting now in force
 * @throws {ConfigError} when `CROSSMARGIN_V8_PRETENURING` is neither `on`, `off` nor empty
 * @example
 * configureV8(); // "off": no allocation-site pretenuring
 */
export function configureV8(env: NodeJS.ProcessEnv = process.env): "on" | "off" {
  const value = env[PRETENURING_ENV]?.trim().toLowerCase() ?? "";
  if (value === "on") return "on";
  if (value !== "" && value !== "off")
    throw new ConfigError(`Invalid ${PRETENURING_ENV}.`, [
      { path: PRETENURING_ENV, message: `expected "on" or "off", got "${env[PRETENURING_ENV]}"` },
    ]);
  setFlagsFromString("--no-allocation-site-pretenuring");
  return "off";
}
