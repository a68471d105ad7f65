import { readdirSync, readFileSync } from "node:fs";

/** One process, as `/proc/<pid>/stat` describes it (Linux). */
export type ProcessInfo = { pid: number; ppid: number; pgid: number; state: string; comm: string };

/**
 * Reads `/proc/<pid>/stat`.
 *
 * @param pid the process
 * @returns its parent, group, state (`Z` for a zombie) and name, or `undefined` once it is gone
 */
export function readProcess(pid: number): ProcessInfo | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  const [state = "", ppid = "0", pgid = "0"] = stat.fields;
  return { pid, ppid: Number(ppid), pgid: Number(pgid), state, comm: stat.comm };
}

/**
 * CPU time a process has used so far (user + system, from `/proc/<pid>/stat`; Linux's clock
 * ticks are 1/100 s).
 *
 * @param pid the process
 * @returns seconds, or `undefined` once it is gone
 */
export function readCpuSeconds(pid: number): number | undefined {
  const fields = readStat(pid)?.fields;
  // After "(comm) ": state is the 1st field, utime the 12th, stime the 13th.
  return fields === undefined ? undefined : (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `/proc/<pid>/stat` as the name and the fields after it ("pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses). */
function readStat(pid: number): { comm: string; fields: string[] } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(")");
  return { comm: stat.slice(stat.indexOf("(") + 1, close), fields: stat.slice(close + 2).split(" ") };
}

/**
 * Every process below `pid` (children, their children, …), whatever process group or session
 * it moved to: the tree follows parent pids, so a `detached` child is found too.
 *
 * @param pid the root
 * @returns the descendants (not `pid` itself)
 * @example
 * const tree = listDescendants(dev.pid); // before signalling, to check later that all are gone
 */
export function listDescendants(pid: number): ProcessInfo[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProcess(Number(name)))
    .filter((info): info is ProcessInfo => info !== undefined);
  const found: ProcessInfo[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        found.push(info);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * Waits until none of `pids` runs any more (a zombie counts as gone: it has exited and holds
 * nothing but its table entry until its parent or init reaps it).
 *
 * @param pids the processes
 * @param timeoutMs how long to wait
 * @returns those still running at the deadline (empty when all are gone)
 */
export async function waitUntilGone(pids: number[], timeoutMs: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = pids
      .map(readProcess)
      .filter((info): info is ProcessInfo => info !== undefined && info.state !== "Z");
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds (user + system) a process and every process below it have used so far, from
 * `/proc/<pid>/stat` (what a descendant used before it exited is not counted).
 *
 * @param pid the root
 * @returns seconds; 0 once the process is gone
 * @example
 * const before = cpuSeconds(indexer.pid); // … work … then cpuSeconds(indexer.pid) - before
 */
export function cpuSeconds(pid: number): number {
  const ticks = (id: number) => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, "utf8");
      // Fields after "(comm) ": state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      return 0;
    }
  };
  return (
    [pid, ...listDescendants(pid).map((p) => p.pid)].reduce((sum, id) => sum + ticks(id), 0) / CLOCK_TICKS
  );
}
