import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bare baseline project (`bench/ponder-bare`). */
const BARE = fileURLToPath(new URL("../ponder-bare/", import.meta.url));

/** Where {@link prepareBareRoot} puts the run root, relative to the repository root. */
export const BARE_ROOT = "bench/ponder-bare/.ponder/root";
/** The bare project's config, relative to {@link BARE_ROOT} (as `ponder start --config` wants it). */
export const BARE_CONFIG = "../../ponder.config.ts";

/**
 * Writes the run root of the bare baseline: `ponder.schema.ts`, `src/index.ts` and `src/api/index.ts` that re-export
 * `bench/ponder-bare`'s own files. `ponder start` writes a `ponder-env.d.ts` into its root that
 * declares the project's `ponder:internal` module; inside `.ponder/` (skipped by `tsc`, Biome and
 * git) it cannot clash with the indexer's own declaration when the repository is type-checked.
 *
 * @returns the root and config paths to give `startPonder`
 */
export function prepareBareRoot(): { root: string; config: string } {
  const root = join(BARE, ".ponder", "root");
  mkdirSync(join(root, "src", "api"), { recursive: true });
  writeFileSync(join(root, "ponder.schema.ts"), 'export * from "../../ponder.schema.js";\n');
  writeFileSync(join(root, "src", "index.ts"), 'import "../../../src/index.js";\n');
  writeFileSync(
    join(root, "src", "api", "index.ts"),
    'export { default } from "../../../../src/api/index.js";\n',
  );
  return { root: BARE_ROOT, config: BARE_CONFIG };
}
