import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every tracked TypeScript source file that ships: not a test, not under test/ or bench/. */
function productionFiles(): string[] {
  const files = execFileSync("git", ["ls-files", "scripts", "indexer", "relayer", "shared"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  return files.filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.test\.ts$/.test(f));
}

function offenders(pattern: RegExp): string[] {
  return productionFiles().filter((file) => pattern.test(readFileSync(`${ROOT}/${file}`, "utf8")));
}

describe("repository layout", () => {
  it("finds production files to check (the check below could not pass vacuously)", () => {
    expect(productionFiles().length).toBeGreaterThan(100);
  });

  it("production code imports nothing from the test kit", () => {
    expect(offenders(/from\s+["'][^"']*\/test\/(kit|utils|relayer)\//)).toEqual([]);
  });
});
