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

function offenders(pattern: RegExp, files = productionFiles()): string[] {
  return files.filter((file) => pattern.test(readFileSync(`${ROOT}/${file}`, "utf8")));
}

/** Every tracked TypeScript file but this one (whose patterns would match themselves). */
function everyFile(): string[] {
  return execFileSync("git", ["ls-files", "*.ts"], { cwd: ROOT, encoding: "utf8" })
    .trim()
    .split("\n")
    .filter((f) => f !== "test/kit/layout.test.ts");
}

describe("repository layout", () => {
  it("finds production files to check (the check below could not pass vacuously)", () => {
    expect(productionFiles().length).toBeGreaterThan(100);
  });

  it("production code imports nothing from the test kit", () => {
    expect(offenders(/from\s+["'][^"']*\/test\/(kit|utils|relayer)\//)).toEqual([]);
  });

  it("no file imports Ponder's internals or reads its globals", () => {
    const internals =
      /(from\s+|import\()\s*["'][^"']*ponder\/(dist|src)|globalThis\.PONDER|PONDER_COMMON|PONDER_DATABASE/;
    expect(offenders(internals, everyFile())).toEqual([]);
  });
});
