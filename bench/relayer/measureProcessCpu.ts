import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { listDescendants, readCpuSeconds } from "../../test/kit/processTree.js";

/** CPU seconds used so far, per labelled process group. */
export type CpuSnapshot = Map<string, number>;

/**
 * CPU seconds used so far by this process (the relayer, its in-process attesters and the bench's
 * own watchers), by every process below it (anvil chains, Ponder) grouped under the child that
 * started it, and by the Postgres backends serving Ponder's connections (matched by client port).
 * Postgres and Redis are shared with other users of the machine, so only Ponder's backends count.
 *
 * @returns seconds per label
 */
export function snapshotCpu(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  const add = (label: string, seconds: number | undefined) =>
    snapshot.set(label, (snapshot.get(label) ?? 0) + (seconds ?? 0));
  const usage = process.cpuUsage();
  add("bench process (relayer, attesters, harness)", (usage.user + usage.system) / 1e6);
  const descendants = listDescendants(process.pid);
  const parentOf = new Map(descendants.map((info) => [info.pid, info.ppid]));
  const topOf = (pid: number): number => {
    let current = pid;
    for (let parent = parentOf.get(current); parent !== undefined && parent !== process.pid; ) {
      current = parent;
      parent = parentOf.get(current);
    }
    return current;
  };
  const ponderPids: number[] = [];
  for (const info of descendants) {
    const label = labelOf(topOf(info.pid));
    if (label.startsWith("indexer")) ponderPids.push(info.pid);
    add(label, readCpuSeconds(info.pid));
  }
  for (const backend of postgresBackendsOf(new Set(ponderPids)))
    add("indexer's Postgres backends", readCpuSeconds(backend));
  return snapshot;
}

/**
 * What each label used between two snapshots.
 *
 * @param before the earlier snapshot
 * @param after the later one
 * @returns seconds per label, largest first
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): [string, number][] {
  return [...after]
    .map(([label, seconds]): [string, number] => [label, seconds - (before.get(label) ?? 0)])
    .sort((a, b) => b[1] - a[1]);
}

function labelOf(pid: number): string {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return `pid ${pid}`;
  }
  const command = args.join(" ");
  if (command.includes("ponder")) return "indexer (ponder)";
  if (/(^|\/)anvil /.test(command)) {
    const port = args[args.indexOf("--port") + 1];
    return `anvil :${port ?? "?"}`;
  }
  return `${args[0]?.split("/").pop() ?? "?"} ${pid}`;
}

/** Postgres backend pids whose client socket belongs to one of `pids` (`ss -tnp` and the backends' titles). */
function postgresBackendsOf(pids: ReadonlySet<number>): number[] {
  let sockets: string;
  let titles: string;
  try {
    sockets = execFileSync("ss", ["-tnpH", "dport = :5432"], { encoding: "utf8" });
    titles = execFileSync("ps", ["-o", "pid=,args=", "-u", "postgres"], { encoding: "utf8" });
  } catch {
    return [];
  }
  const ports = new Set<string>();
  for (const line of sockets.split("\n")) {
    const owner = /pid=(\d+)/.exec(line)?.[1];
    const local = line.trim().split(/\s+/)[3]; // State Recv-Q Send-Q Local Peer Process
    if (owner !== undefined && pids.has(Number(owner)) && local !== undefined)
      ports.add(local.split(":").pop() ?? "");
  }
  return titles
    .split("\n")
    .map((line) => /^\s*(\d+) postgres: .*\((\d+)\)/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && ports.has(match[2] ?? ""))
    .map((match) => Number(match[1]));
}
