import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseUnits } from "viem";
import { afterAll, beforeAll, expect, test } from "vitest";
import { marginHubAbi } from "../shared/abis/generated.js";
import { hubChain } from "../shared/config/hubChain.js";
import { parseConfig } from "../shared/config/parseConfig.js";
import { vaultChains } from "../shared/config/vaultChains.js";
import { chainClients, tokenAddress } from "./kit/chainClients.js";
import { depositCollateral } from "./kit/depositCollateral.js";
import { pollUntil } from "./kit/pollUntil.js";

// `npm run dev` as a user runs it (in a directory and on ports of its own): chains, indexer,
// Redis, relayer and attesters, then a deposit crosses to the hub, then Ctrl-C stops it all.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BASE_PORT = 27545;

let dir: string;
let dev: ChildProcess;
let output = "";
let exited: Promise<number | null>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-dev-"));
  // No REDIS_URL: the devnet starts its own redis-server (on PATH here and in CI).
  const { REDIS_URL: _, ...env } = process.env;
  dev = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/dev.ts",
      "--base-port",
      String(BASE_PORT),
      "--block-time",
      "0.5",
      "--finality-depth",
      "1",
    ],
    {
      cwd: ROOT,
      env: { ...env, CROSSMARGIN_DEVNET_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  exited = new Promise((resolve) => dev.once("exit", (code) => resolve(code)));
  dev.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  dev.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  await pollUntil(
    async () => output,
    (text) => text.includes("Press Ctrl-C to stop."),
    { timeoutMs: 180_000, intervalMs: 500, what: "npm run dev to be ready" },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- output ---\n${output}`);
  });
});

afterAll(async () => {
  if (dev.exitCode === null) dev.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("prints the API, GraphQL, dashboard and metrics URLs, and each answers", async () => {
  const url = (pattern: RegExp) => {
    const match = output.match(pattern);
    if (match?.[1] === undefined) throw new Error(`no ${pattern} in the summary:\n${output}`);
    return match[1];
  };
  const api = url(/indexer API\s+(http:\/\/\S+)/);
  const relayer = url(/relayer\s+(http:\/\/\S+)\/healthz/);
  expect(output).toMatch(/GraphQL\s+http:\/\/\S+\/graphql/);
  expect(output).toMatch(/dashboard\s+http:\/\/\S+\/admin\/queues/);
  expect(output).toMatch(/metrics http:\/\/\S+\/metrics/);
  expect((await fetch(`${api}/ready`)).status).toBe(200);
  expect((await fetch(`${relayer}/admin/queues`)).status).toBe(200);
  expect(await fetch(`${relayer}/metrics`).then((r) => r.text())).toContain("crossmargin_route_lag_seconds");
  const health = await pollUntil(
    () => fetch(`${relayer}/healthz`),
    (response) => response.status === 200,
    { timeoutMs: 30_000, what: "relayer /healthz 200" },
  );
  expect(health.status).toBe(200);
});

test("a deposit on a vault chain is credited on the hub with nothing else started", async () => {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as {
    accounts: { traders: { address: `0x${string}`; privateKey: `0x${string}` }[] };
  };
  const config = parseConfig(manifest);
  expect(config.apiUrl).toMatch(/^http:/);
  const [vaultConfig] = vaultChains(config, { includeHub: false });
  const trader = manifest.accounts.traders[0];
  if (vaultConfig === undefined || trader === undefined) throw new Error("no vault chain or trader");
  const vault = chainClients(vaultConfig);
  const hub = chainClients(hubChain(config));
  const token = tokenAddress(vault, "USDC");
  const amount = parseUnits("321", 6);
  const before = await hub.publicClient.readContract({
    address: hub.chain.contracts.hub as `0x${string}`, // the hub chain has a hub
    abi: marginHubAbi,
    functionName: "creditedBalance",
    args: [trader.address, BigInt(vaultConfig.chainId), token],
  });
  await depositCollateral(vault, { key: trader.privateKey, token, amount });
  const after = await pollUntil(
    () =>
      hub.publicClient.readContract({
        address: hub.chain.contracts.hub as `0x${string}`,
        abi: marginHubAbi,
        functionName: "creditedBalance",
        args: [trader.address, BigInt(vaultConfig.chainId), token],
      }),
    ([balance]) => balance >= before[0] + amount,
    { timeoutMs: 60_000, what: "the deposit to be credited" },
  );
  expect(after[0]).toBe(before[0] + amount);
});

test("Ctrl-C stops the relayer, the indexer, Redis and the chains, and exits 0", async () => {
  dev.kill("SIGINT");
  const code = await Promise.race([
    exited,
    new Promise<string>((resolve) => setTimeout(() => resolve("timeout"), 60_000)),
  ]);
  expect(code).toBe(0);
  expect(output).toContain("stopped.");
  const rpc = await fetch(`http://127.0.0.1:${BASE_PORT}`, { method: "POST", body: "{}" }).catch(
    () => "down",
  );
  expect(rpc).toBe("down");
});
