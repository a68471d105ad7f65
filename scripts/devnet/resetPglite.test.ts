import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { resetPglite } from "./resetPglite.js";

describe("resetPglite", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "crossmargin-pglite-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("removes the last run's pglite and older pglite-<time> folders, nothing else", () => {
    for (const name of ["pglite", "pglite-1733480000000", "pglite-1733490000000"]) {
      mkdirSync(join(dir, name, "base"), { recursive: true });
      writeFileSync(join(dir, name, "base", "data"), "x");
    }
    writeFileSync(join(dir, "manifest.json"), "{}");
    writeFileSync(join(dir, "relayer.log"), "");
    mkdirSync(join(dir, "pglite-notes"));

    expect(resetPglite({ dir })).toBe(join(dir, "pglite"));
    expect(readdirSync(dir).sort()).toEqual(["manifest.json", "pglite-notes", "relayer.log"]);
  });

  test("an empty devnet directory is fine", () => {
    expect(resetPglite({ dir })).toBe(join(dir, "pglite"));
    expect(readdirSync(dir)).toEqual([]);
  });
});
