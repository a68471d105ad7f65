import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { INDEXED_EVENTS } from "../ponder-bare/indexedEvents.js";

const BARE = fileURLToPath(new URL("../ponder-bare/", import.meta.url));
const REAL_SRC = fileURLToPath(new URL("../../indexer/src/", import.meta.url));

/**
 * Writes the bare baseline's run root, `bench/ponder-bare/.ponder/root`, whose files re-export
 * `bench/ponder-bare`'s: `ponder start` writes a `ponder-env.d.ts` into its root, and one outside
 * `.ponder/` would clash with the indexer's when the repository is type-checked. Checks first that
 * the bare project handles exactly the events the real indexer does.
 *
 * @returns the root and config paths to give `startPonder`, relative to the repository root
 * @throws when the two event lists differ
 */
export function prepareBareRoot(): { root: string; config: string } {
  const real = new Set<string>();
  for (const file of readdirSync(REAL_SRC).filter((name) => name.endsWith(".ts")))
    for (const [, name] of readFileSync(join(REAL_SRC, file), "utf8").matchAll(/ponder\.on\(\s*"([^"]+)"/g))
      if (name !== undefined && !name.endsWith(":block")) real.add(name);
  const bare = new Set<string>(INDEXED_EVENTS);
  const differ = [...real].filter((n) => !bare.has(n)).concat([...bare].filter((n) => !real.has(n)));
  if (differ.length > 0)
    throw new Error(`bench/ponder-bare/indexedEvents.ts and indexer/src differ on: ${differ.join(", ")}`);
  const root = join(BARE, ".ponder", "root");
  mkdirSync(join(root, "src", "api"), { recursive: true });
  writeFileSync(join(root, "ponder.schema.ts"), 'export * from "../../ponder.schema.js";\n');
  writeFileSync(join(root, "src", "index.ts"), 'import "../../../src/index.js";\n');
  writeFileSync(
    join(root, "src", "api", "index.ts"),
    'export { default } from "../../../../src/api/index.js";\n',
  );
  return { root: "bench/ponder-bare/.ponder/root", config: "../../ponder.config.ts" };
}
