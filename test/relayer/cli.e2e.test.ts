import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type AttesterDevnet, startAttesterDevnet } from "../kit/startAttesterDevnet.js";
import { type RelayerProcess, startRelayerProcess } from "../kit/startRelayerProcess.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PREFIX = `cmcli${process.pid}`;

let net: AttesterDevnet;
let dir: string;
let configPath: string;
let relayer: RelayerProcess | undefined;

/** Runs `crossmargin <args>` to completion, as an operator would. */
function cli(args: string[]) {
  const result = spawnSync(process.execPath, ["bin/crossmargin.js", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  net = await startAttesterDevnet({ finalityDepth: 0 });
  dir = mkdtempSync(join(tmpdir(), "crossmargin-cli-"));
  configPath = join(dir, "config.json");
  relayer = await startRelayerProcess({
    configPath,
    // No indexer runs here: the relayer must still start, report itself unhealthy, and stop cleanly.
    config: {
      ...net.devnet.manifest,
      apiUrl: "http://127.0.0.1:9",
      relayer: { queuePrefix: PREFIX, port: 0, reconcileIntervalMs: 500 },
    },
  });
});

afterAll(async () => {
  await relayer?.kill("SIGKILL");
  const redis = new Redis("redis://127.0.0.1:6379");
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("crossmargin relayer (child process)", () => {
  test("serves /metrics, Bull Board, and /healthz 503 while the indexer is unreachable", async () => {
    if (relayer === undefined) throw new Error("no relayer");
    const metrics = await fetch(`${relayer.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain("crossmargin_queue_jobs");
    expect(metrics).toContain(`queue="deliver-${net.hub.chain.chainId}"`);
    const board = await fetch(`${relayer.url}/admin/queues`);
    expect(board.status).toBe(200);
    expect(await board.text()).toContain("<html");
    // The first discovery round needs the indexer; it fails, and health says so.
    let health: Response | undefined;
    for (let i = 0; i < 50; i++) {
      health = await fetch(`${relayer.url}/healthz`);
      if (health.status === 503) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(health?.status).toBe(503);
    const body = (await health?.json()) as { ok: boolean; details: { lastDiscoveryError: string | null } };
    expect(body.ok).toBe(false);
    expect(body.details.lastDiscoveryError).toBeTruthy();
  });

  test("status lists every queue and says the indexer is unreachable", () => {
    const { code, stdout } = cli(["status", "--config", configPath]);
    expect(code).toBe(0);
    expect(stdout).toContain("attest");
    expect(stdout).toContain(`deliver-${net.vaults[0].chain.chainId}`);
    expect(stdout).toContain("dead-letter");
    expect(stdout.toLowerCase()).toContain("unreachable");
    const json = cli(["status", "--config", configPath, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ prefix: PREFIX, indexer: { reachable: false } });
  });

  test("retry of an unknown job fails naming the id; bad commands and flags are refused", () => {
    const retry = cli(["retry", "batch-1-2-3", "--config", configPath]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain("batch-1-2-3");
    const unknown = cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const flag = cli(["relayer", "--nope"]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain("--nope");
  });

  test("SIGTERM drains and exits 0", async () => {
    if (relayer === undefined) throw new Error("no relayer");
    const code = await relayer.kill("SIGTERM");
    expect(code).toBe(0);
    expect(relayer.logs()).toContain('"relayer stopped"');
    relayer = undefined;
  });
});
