import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Parameters of {@link resetPglite}. */
export type ResetPgliteParameters = {
  /** The devnet directory; the caller holds its lock, so no other devnet uses its data. */
  dir: string;
};

/** Name of the indexer's PGlite folder inside the devnet directory. */
export const PGLITE_DIR = "pglite";

/**
 * Removes the indexer's PGlite data of earlier runs: `<dir>/pglite`, and the `pglite-<time>`
 * folders older versions left behind (one per start). The indexer starts fresh, like the chains.
 *
 * @param params the devnet directory
 * @returns the path of the (now absent) `<dir>/pglite`, for the new run
 * @example
 * const directory = resetPglite({ dir: ".devnet" });
 */
export function resetPglite(params: ResetPgliteParameters): string {
  for (const name of readdirSync(params.dir)) {
    if (name === PGLITE_DIR || /^pglite-\d+$/.test(name)) {
      rmSync(join(params.dir, name), { recursive: true, force: true });
    }
  }
  return join(params.dir, PGLITE_DIR);
}
