#!/usr/bin/env node
// Compares the committed package-lock.json with the one `npm install` left behind, ignoring
// optional packages (other platforms' binaries: @biomejs/cli-darwin-*, @foundry-rs/forge-win32-*,
// @rollup/rollup-*, …). The registry these machines reach serves those only some of the time, so
// one install records a few of them and the next records others; none is installed here, and each
// comes with its parent, whose version is compared. Every other entry must be unchanged: the
// lockfile was honoured, not rewritten.
//
// Usage: node scripts/ci/compareLockfiles.mjs <committed> <after-install>; exits 1 and names the
// entries that differ.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";

const [committedPath, installedPath] = process.argv.slice(2);
if (committedPath === undefined || installedPath === undefined) {
  console.error(
    "usage: compareLockfiles.mjs <committed package-lock.json> <package-lock.json after npm install>",
  );
  process.exit(2);
}
const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const committed = read(committedPath);
const installed = read(installedPath);

/** Every non-optional entry of `packages`, by path ("" is the root). */
const required = (lock) =>
  new Map(Object.entries(lock.packages ?? {}).filter(([, entry]) => entry.optional !== true));

const before = required(committed);
const after = required(installed);
const differences = [];
if (committed.lockfileVersion !== installed.lockfileVersion)
  differences.push(`lockfileVersion: ${committed.lockfileVersion} → ${installed.lockfileVersion}`);
for (const [path, entry] of before) {
  const now = after.get(path);
  if (now === undefined) differences.push(`${path || "(root)"}: removed`);
  else if (!isDeepStrictEqual(entry, now))
    differences.push(
      `${path || "(root)"}: ${entry.version ?? "?"} → ${now.version ?? "?"} (or its fields changed)`,
    );
}
for (const path of after.keys()) if (!before.has(path)) differences.push(`${path}: added`);

if (differences.length > 0) {
  console.error(
    `ci: npm install changed package-lock.json (${differences.length} non-optional entries); commit an up-to-date lockfile:`,
  );
  for (const line of differences.slice(0, 20)) console.error(`  ${line}`);
  process.exit(1);
}
