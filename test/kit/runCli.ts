import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** What a `crossmargin` run left: its exit code and output. */
export type CliRun = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `crossmargin <args>` (`bin/crossmargin.js`) as a child process to completion, as an
 * operator would, optionally writing `stdin` to it. Asynchronous: the test's own servers keep
 * answering while it runs.
 *
 * @param args the arguments after `crossmargin`
 * @param options text for the child's stdin
 * @returns the exit code, stdout and stderr
 * @example
 * const { code, stdout } = await runCli(["verify-solvency", "proof.json"]);
 */
export function runCli(args: readonly string[], options: { stdin?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/crossmargin.js", ...args], { cwd: ROOT, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
