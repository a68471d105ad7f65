import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onchainTable } from "ponder";
import { afterEach, describe, expect, test } from "vitest";
import { loadPonderGraphql } from "./loadPonderGraphql.js";

const schema = {
  thing: onchainTable("thing", (t) => ({ id: t.text().primaryKey(), amount: t.bigint().notNull() })),
};
const global = globalThis as { PONDER_DATABASE?: unknown };

afterEach(() => {
  delete global.PONDER_DATABASE;
});

describe("loadPonderGraphql", () => {
  test("builds Ponder's own GraphQL schema (singular, plural, _meta) with a fresh DataLoader cache per request", async () => {
    const readonlyQB = { raw: { query: { thing: {} } } };
    global.PONDER_DATABASE = { readonlyQB };
    const loaded = await loadPonderGraphql(schema);
    const fields = Object.keys(loaded.schema.getQueryType()?.getFields() ?? {});
    expect(fields).toEqual(expect.arrayContaining(["thing", "things", "_meta"]));
    expect(String(loaded.schema.getType("thing"))).toBe("thing");
    expect(loaded.graphiqlHtml).toContain("GraphiQL");
    const [first, second] = [loaded.context(), loaded.context()] as { qb: unknown; getDataLoader: unknown }[];
    expect(first?.qb).toBe(readonlyQB);
    expect(typeof first?.getDataLoader).toBe("function");
    expect(first?.getDataLoader).not.toBe(second?.getDataLoader);
  });

  test("another Ponder release is refused with what to do", async () => {
    const root = mkdtempSync(join(tmpdir(), "crossmargin-ponder-version-"));
    try {
      mkdirSync(join(root, "node_modules", "ponder"), { recursive: true });
      writeFileSync(join(root, "node_modules", "ponder", "package.json"), '{"version": "0.17.2"}');
      await expect(loadPonderGraphql(schema, join(root, "lib", "api", "x.ts"))).rejects.toThrow(
        /found ponder 0\.17\.2 in .*; install ponder@0\.16\.10/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("outside `ponder start` it says so", async () => {
    await expect(loadPonderGraphql(schema)).rejects.toThrow("run inside `ponder start`");
  });
});
