/**
 * `npm test`: runs the forge suite, then the vitest suite (unit, integration and end-to-end
 * against real anvil, Redis and Postgres/PGlite), and closes with one line that totals both:
 * `tests: N passed, M failed`. `npm test` builds the contracts and ABIs first.
 *
 * Extra arguments go to vitest (`npm test -- shared/config`); `--no-forge` skips the forge suite.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

type Outcome = { passed: number; failed: number; skipped: number; code: number };

/** Runs a command, streaming its output, and resolves with its exit code and captured stdout. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
  });
}

async function forge(root: string): Promise<Outcome> {
  // CI runs the `ci` profile of contracts/foundry.toml (more fuzz and invariant runs).
  const env = process.env.CI ? { ...process.env, FOUNDRY_PROFILE: "ci" } : process.env;
  const { code, stdout } = await run("npx", ["forge", "test"], join(root, "contracts"), env);
  // forge closes with: "Ran N test suites in …: P tests passed, F failed, S skipped (T total tests)"
  const m = /(\d+) tests passed, (\d+) failed, (\d+) skipped/.exec(stdout);
  if (!m) return { passed: 0, failed: 1, skipped: 0, code: code || 1 };
  return { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]), code };
}

async function vitest(root: string, extra: string[]): Promise<Outcome> {
  const out = join(mkdtempSync(join(tmpdir(), "crossmargin-test-")), "vitest.json");
  const { code } = await run(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...extra],
    root,
  );
  try {
    const report = JSON.parse(readFileSync(out, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
      code,
    };
  } catch {
    return { passed: 0, failed: 1, skipped: 0, code: code || 1 };
  }
}

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const skipForge = args.includes("--no-forge");
const vitestArgs = args.filter((a) => a !== "--no-forge");

const results: Outcome[] = [];
if (!skipForge) results.push(await forge(root));
results.push(await vitest(root, vitestArgs));

const total = results.reduce(
  (acc, r) => ({
    passed: acc.passed + r.passed,
    failed: acc.failed + r.failed,
    skipped: acc.skipped + r.skipped,
    code: acc.code || r.code,
  }),
  { passed: 0, failed: 0, skipped: 0, code: 0 },
);
// A suite that exited non-zero without a failed test (a crash, a type error) still fails the run.
const failed = total.failed + (total.code !== 0 && total.failed === 0 ? 1 : 0);
console.log(
  `\ntests: ${total.passed} passed, ${failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exit(failed > 0 ? 1 : 0);
