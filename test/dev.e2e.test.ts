import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
import { listDescendants, type ProcessInfo, readProcess, waitUntilGone } from "./kit/processTree.js";

// `npm run dev` as a user runs it (in a directory and on ports of its own): chains, indexer,
// Redis, relayer and attesters, then a deposit crosses to the hub, then Ctrl-C stops it all.
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BASE_PORT = 27545;
const DEV_ARGS = ["--base-port", String(BASE_PORT), "--block-time", "0.5", "--finality-depth", "1"];
/** A data folder as older versions left one per start. */
const STALE_PGLITE = "pglite-1700000000000";

type Dev = {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

let dir: string;
let dev: Dev;
/** What the first start printed up to its summary. */
let summary = "";
const started: ChildProcess[] = [];
/** Every process a test saw under a devnet, killed in `afterAll` if a test failed and left it. */
const seen: ProcessInfo[] = [];

/**
 * Starts the devnet as the leader of its own process group, as a terminal would, and waits for
 * its summary. `npm` runs `npm run dev` (npm → sh → node); `node` runs the script directly.
 */
async function startDev(via: "npm" | "node"): Promise<Dev> {
  // No REDIS_URL: the devnet starts its own redis-server (on PATH here and in CI).
  const { REDIS_URL: _, ...env } = process.env;
  const [command, args] =
    via === "npm"
      ? ["npm", ["run", "dev", "--", ...DEV_ARGS]]
      : [process.execPath, ["--import", "tsx", "scripts/dev.ts", ...DEV_ARGS]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...env, CROSSMARGIN_DEVNET_DIR: dir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  started.push(child);
  let text = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  await pollUntil(
    async () => text,
    (current) => current.includes("Press Ctrl-C to stop."),
    { timeoutMs: 180_000, intervalMs: 500, what: `npm run dev (via ${via}) to be ready` },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- output ---\n${text}`);
  });
  return { child, output: () => text, exited };
}

/** Resolves with how the devnet ended, or "timeout". */
function exitWithin(dev: Dev, ms: number) {
  return Promise.race([
    dev.exited,
    new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), ms)),
  ]);
}

/** The `pglite*` entries of the devnet directory. */
const pgliteFolders = () => readdirSync(dir).filter((name) => name.startsWith("pglite"));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "crossmargin-dev-"));
  mkdirSync(join(dir, STALE_PGLITE, "base"), { recursive: true });
  writeFileSync(join(dir, STALE_PGLITE, "base", "data"), "from an older version");
  dev = await startDev("npm");
  summary = dev.output();
});

afterAll(async () => {
  // A failed test must not leave a devnet behind: kill what is left of every tree started.
  const left = [
    ...started.flatMap((child) => (child.pid === undefined ? [] : listDescendants(child.pid))),
    ...seen,
  ];
  for (const info of left) {
    // Only the process seen then, not another one that got its pid since.
    if (readProcess(info.pid)?.comm !== info.comm) continue;
    try {
      process.kill(info.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

test("prints the API, GraphQL, dashboard and metrics URLs, and each answers", async () => {
  const url = (pattern: RegExp) => {
    const match = summary.match(pattern);
    if (match?.[1] === undefined) throw new Error(`no ${pattern} in the summary:\n${summary}`);
    return match[1];
  };
  const api = url(/indexer API\s+(http:\/\/\S+)/);
  const relayer = url(/relayer\s+(http:\/\/\S+)\/healthz/);
  expect(summary).toMatch(/GraphQL\s+http:\/\/\S+\/graphql/);
  expect(summary).toMatch(/dashboard\s+http:\/\/\S+\/admin\/queues/);
  expect(summary).toMatch(/metrics http:\/\/\S+\/metrics/);
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

test("Ctrl-C to the process group (as a terminal sends it) ends every process npm run dev started", async () => {
  const pid = dev.child.pid as number; // spawned, so it has a pid
  const tree = listDescendants(pid);
  seen.push(...tree);
  const names = tree.map((info) => info.comm);
  expect(names.filter((name) => name === "anvil")).toHaveLength(3);
  expect(names).toContain("redis-server");

  process.kill(-pid, "SIGINT");
  const exit = await exitWithin(dev, 90_000);
  // npm, once the devnet has exited, ends itself with the SIGINT it was sent, as a shell expects.
  expect(exit).toEqual({ code: null, signal: "SIGINT" });
  expect(dev.output()).toContain("[dev] stopped.");
  expect(await waitUntilGone([pid, ...tree.map((info) => info.pid)], 15_000)).toEqual([]);
  const rpc = await fetch(`http://127.0.0.1:${BASE_PORT}`, { method: "POST", body: "{}" }).catch(
    () => "down",
  );
  expect(rpc).toBe("down");
  // The older version's folder went at start; this run's data stays until the next start.
  expect(pgliteFolders()).toEqual(["pglite"]);
});

test("a second start reuses the one PGlite folder; repeated SIGINTs still stop everything, exit 0", async () => {
  const second = await startDev("node");
  expect(pgliteFolders()).toEqual(["pglite"]);
  const pid = second.child.pid as number; // spawned, so it has a pid
  const tree = listDescendants(pid);
  seen.push(...tree);
  // The same Ctrl-C passed on by a wrapper (npm, tsx, `crossmargin dev`) arrives again at once.
  process.kill(-pid, "SIGINT");
  process.kill(-pid, "SIGINT");
  expect(await exitWithin(second, 90_000)).toEqual({ code: 0, signal: null });
  expect(second.output()).toContain("[dev] stopped.");
  expect(await waitUntilGone([pid, ...tree.map((info) => info.pid)], 15_000)).toEqual([]);
  expect(pgliteFolders()).toEqual(["pglite"]);
}, 240_000);
