import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

// `npm run soak` as an operator runs it (bench/soak/main.ts in a child process): a bad command
// line, and the short version of the soak (90 s of workload under faults: seed 5 brings every kind within 72 s).
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

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

// Ports of this file only: chains 18545–18547, attester servers 18548–18550 (below the ephemeral range).
test("a minute and a half under faults: every fault kind once, nothing lost, nothing doubled", async () => {
  const run = await runSoak(["--minutes", "1.5", "--base-port", "18545", "--seed", "5"]);
  const summary = run.stdout.split("\n").find((line) => line.startsWith("soak: ")) ?? "";
  if (run.code !== 0) console.error(run.stdout.slice(-20_000), run.stderr.slice(-5_000));
  expect(summary).toMatch(
    /^soak: 1.5 min, updates [1-9]\d*, requests [1-9]\d* \(approved [1-9]\d*, rejected [1-9]\d*\), seizes [1-9]\d*, faults [4-9]\d*, lost 0, doubled 0, credit latency over floor p50 [\d.]+ s p95 [\d.]+ s$/,
  );
  expect(run.code).toBe(0);
  // The relayer logs the soak keeps for a post-mortem are not needed after a clean run.
  const logDir = /relayer logs: (\S+)/.exec(run.stdout)?.[1];
  if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
  // Each kind came once before any repeats.
  for (const kind of ["kill", "flush", "rpc", "attester"])
    expect(run.stdout).toMatch(new RegExp(`fault \\d+: ${kind}`));
}, 600_000);
