import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { waitUntilGone } from "../../test/kit/processTree.js";
import { spawnGroup } from "./spawnGroup.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Reads the first line the child prints (a pid). */
function firstLine(group: ReturnType<typeof spawnGroup>): Promise<number> {
  return new Promise((resolve) =>
    group.child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk))),
  );
}

describe("spawnGroup", () => {
  test("stop: a child that ignores SIGTERM is SIGKILLed after the grace period", async () => {
    const group = spawnGroup("sh", ["-c", 'trap "" TERM; echo ready; while :; do sleep 0.1; done'], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    await firstLine(group);
    await group.stop(200);
    expect(group.child.signalCode).toBe("SIGKILL");
  });

  test("once the leader exits, what it left in its group is killed", async () => {
    // The leader starts a grandchild in its group, prints its pid and exits.
    const group = spawnGroup("sh", ["-c", "sleep 1000 & echo $!"], { stdio: ["ignore", "pipe", "ignore"] });
    const grandchild = await firstLine(group);
    await group.exited;
    expect(await waitUntilGone([grandchild], 10_000)).toEqual([]);
  });

  test("the group is killed when the parent exits first, even by process.exit", async () => {
    // A parent that starts a group (a shell with a grandchild), prints both pids and exits at once.
    const script = [
      'import { spawnGroup } from "./scripts/devnet/spawnGroup.ts";',
      'const group = spawnGroup("sh", ["-c", "sleep 1000 & echo $!; wait"], { stdio: ["ignore", "pipe", "ignore"] });',
      'group.child.stdout.once("data", (chunk) => { console.log(group.child.pid, Number(chunk)); process.exit(0); });',
    ].join("\n");
    const parent = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const pids = parent.stdout.trim().split(" ").map(Number);
    expect(pids).toHaveLength(2);
    expect(await waitUntilGone(pids, 10_000)).toEqual([]);
  });
});
