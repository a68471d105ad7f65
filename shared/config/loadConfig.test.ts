import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors/BaseError.js";
import { exampleConfig } from "./exampleConfig.js";
import { DEFAULT_CONFIG_PATH, loadConfig } from "./loadConfig.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "crossmargin-config-"));
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)),
  );
  return path;
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError; // asserted just above
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("reads the file given by path", () => {
    const path = writeJson(tempDir(), "config.json", exampleConfig());
    const config = loadConfig({ path, env: {} });
    expect(config.chains["31337"]?.role).toBe("hub");
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
  });

  it("falls back to CROSSMARGIN_CONFIG, and path wins over it", () => {
    const dir = tempDir();
    const fromEnv = writeJson(dir, "env.json", { ...exampleConfig(), apiUrl: "http://env.example:1" });
    const explicit = writeJson(dir, "explicit.json", { ...exampleConfig(), apiUrl: "http://path.example:2" });
    expect(loadConfig({ env: { CROSSMARGIN_CONFIG: fromEnv } }).apiUrl).toBe("http://env.example:1");
    expect(loadConfig({ path: explicit, env: { CROSSMARGIN_CONFIG: fromEnv } }).apiUrl).toBe(
      "http://path.example:2",
    );
  });

  it("applies REDIS_URL, DATABASE_URL and API_URL overrides, ignoring empty ones", () => {
    const path = writeJson(tempDir(), "config.json", exampleConfig());
    const config = loadConfig({
      path,
      env: {
        REDIS_URL: "redis://10.0.0.1:6380",
        DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
        API_URL: "",
      },
    });
    expect(config.redisUrl).toBe("redis://10.0.0.1:6380");
    expect(config.databaseUrl).toBe("postgres://postgres@127.0.0.1:5432/test");
    expect(config.apiUrl).toBe("http://127.0.0.1:42069");
  });

  it("takes REDIS_CLUSTER as 1/true/0/false and names anything else", () => {
    const path = writeJson(tempDir(), "config.json", {
      ...exampleConfig(),
      relayer: { queuePrefix: "{cm}" },
    });
    expect(loadConfig({ path, env: { REDIS_CLUSTER: "1" } }).redisCluster).toBe(true);
    expect(loadConfig({ path, env: { REDIS_CLUSTER: "false" } }).redisCluster).toBe(false);
    const error = thrown(() => loadConfig({ path, env: { REDIS_CLUSTER: "yes" } }));
    expect(error.message).toContain('REDIS_CLUSTER: expected 1, true, 0 or false, got "yes"');
  });

  it("validates overrides like the file", () => {
    const path = writeJson(tempDir(), "config.json", exampleConfig());
    const error = thrown(() => loadConfig({ path, env: { DATABASE_URL: "not a url" } }));
    expect(error.shortMessage).toContain(`Invalid crossmargin config in ${path}`);
    expect(error.message).toContain('databaseUrl: expected a URL, got "not a url"');
  });

  it("says which path was tried and how to create a config when the file is missing", () => {
    const missing = join(tempDir(), "nowhere", "manifest.json");
    const error = thrown(() => loadConfig({ env: { CROSSMARGIN_CONFIG: missing } }));
    expect(error.message).toContain(`No crossmargin config at ${missing} (CROSSMARGIN_CONFIG)`);
    expect(error.message).toContain("npm run dev");
    expect(error.message).toContain(".devnet/manifest.json");
    expect(error.retryable).toBe(false);
  });

  it("defaults to the devnet manifest at the repository root", () => {
    const root = join(DEFAULT_CONFIG_PATH, "..", "..");
    expect(DEFAULT_CONFIG_PATH).toBe(join(root, ".devnet", "manifest.json"));
    const pkg: unknown = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    expect(pkg).toMatchObject({ name: "crossmargin" });
  });

  it("rejects a file that is not JSON or not an object", () => {
    const dir = tempDir();
    const text = join(dir, "bad.json");
    writeFileSync(text, "{ chains: ");
    expect(thrown(() => loadConfig({ path: text, env: {} })).message).toContain("is not valid JSON");
    const array = writeJson(dir, "array.json", [1, 2]);
    expect(thrown(() => loadConfig({ path: array, env: {} })).message).toContain("expected a JSON object");
    mkdirSync(join(dir, "a-directory.json"));
    expect(thrown(() => loadConfig({ path: join(dir, "a-directory.json"), env: {} })).message).toContain(
      "Cannot read the crossmargin config",
    );
  });
});
