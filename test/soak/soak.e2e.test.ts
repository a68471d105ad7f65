import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// `npm run soak` for one minute, as an operator runs it (bench/soak/main.ts in a child process):
// an interval-mining devnet, indexer, private Redis, three attester servers, a relayer child behind
// RPC fault proxies, the mixed workload, and at least one random fault. Ports 33555–33560 of this
// file only (chains 33555–33557, attester servers 33558–33560).
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SUMMARY =
  /^soak: 1 min, updates (\d+), requests (\d+) \(approved (\d+), rejected (\d+)\), seizes (\d+), faults (\d+), lost (\d+), doubled (\d+), credit latency over floor p50 ([\d.]+) s p95 ([\d.]+) s$/;

function runSoak(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/soak/main.ts", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("a bad command line is refused before anything starts", async () => {
  const zero = await runSoak(["--minutes", "0"]);
  expect(zero.code).toBe(2);
  expect(zero.stderr).toContain('soak: --minutes: expected a positive number, got "0"');
  const unknown = await runSoak(["--minutes", "1", "--fast"]);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('soak: unknown argument "--fast"');
}, 60_000);

test("one minute of mixed work under random faults: nothing lost, nothing doubled, one summary line", async () => {
  const { code, stdout, stderr } = await runSoak(["--minutes", "1", "--base-port", "33555", "--seed", "3"]);
  const lines = stdout.trim().split("\n");
  const summaries = lines.filter((line) => line.startsWith("soak: "));
  if (code !== 0 || summaries.length !== 1)
    console.error(`soak output:\n${stdout}\n${stderr.slice(-20_000)}`);
  expect(summaries).toHaveLength(1);
  const match = SUMMARY.exec(lines.at(-1) ?? "");
  expect(match, lines.at(-1)).not.toBeNull();
  const [, updates, requests, approved, rejected, seizes, faults, lost, doubled] = (match ?? []).map(Number);
  expect({ lost, doubled }).toEqual({ lost: 0, doubled: 0 });
  expect(faults).toBeGreaterThanOrEqual(1);
  for (const count of [updates, requests, approved, rejected, seizes]) expect(count).toBeGreaterThan(0);
  expect(stdout).toMatch(/ {2}fault 1: (kill|flush|rpc|attester)/);
  expect(code).toBe(0);
}, 480_000);
