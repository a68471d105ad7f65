/**
 * `tsx bench/relayer/summariseCpuProfile.ts <file.cpuprofile> [top]`: where a V8 CPU profile's time
 * went, as three tables of milliseconds: self time by module (a package of node_modules, a folder
 * of this repository, node's internals), self time by function, and time by the nearest
 * function of this repository on the stack (what of ours caused the work, libraries included).
 */
import { readFileSync } from "node:fs";

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const [file, topArg] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: tsx bench/relayer/summariseCpuProfile.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

/** Files of a checkout of this repository (the profile may come from another worktree). */
const FOLDERS = /\/(relayer|shared|indexer|bench|scripts|test)\//;
const ours = (url: string) =>
  url.startsWith("file://") && !url.includes("/node_modules/") && FOLDERS.test(url);
const inRepo = (url: string) => url.slice(FOLDERS.exec(url)?.index ?? 0).slice(1);

/** `viem`, `@noble/curves`, `relayer/discovery`, `node:internal`, `(garbage collector)`… */
function moduleOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg !== null) return pkg[1] ?? url;
  if (ours(url)) {
    const path = inRepo(url).split("/");
    return path.slice(0, Math.min(2, path.length - 1)).join("/") || (path[0] ?? url);
  }
  return url.startsWith("node:") ? "node:internal" : url;
}

function nameOf(node: ProfileNode): string {
  const { url, functionName, lineNumber } = node.callFrame;
  // tsx compiles our files on the fly, so their line numbers say nothing.
  if (ours(url)) return `${functionName || "(anonymous)"} ${inRepo(url)}`;
  return `${functionName || "(anonymous)"} ${url.replace(/^.*\/node_modules\//, "")}:${lineNumber + 1}`;
}

function ourCaller(id: number): string {
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const node = byId.get(at);
    if (node !== undefined && ours(node.callFrame.url)) return nameOf(node);
  }
  const node = byId.get(id);
  return `(no frame of ours) ${node === undefined ? "?" : moduleOf(node)}`;
}

const selfModule = new Map<string, number>();
const selfFunction = new Map<string, number>();
const caller = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  if (node === undefined || node.callFrame.functionName === "(idle)") return;
  total += ms;
  add(selfModule, moduleOf(node), ms);
  add(selfFunction, nameOf(node), ms);
  add(caller, ourCaller(id), ms);
});

const table = (title: string, map: Map<string, number>) =>
  [
    `| ${title} | ms | % |`,
    "|---|---|---|",
    ...[...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => `| ${key} | ${ms.toFixed(0)} | ${((100 * ms) / total).toFixed(1)} |`),
  ].join("\n");

console.log(`busy (not idle): ${total.toFixed(0)} ms\n`);
console.log(`${table("self time by module", selfModule)}\n`);
console.log(`${table("self time by function", selfFunction)}\n`);
console.log(table("by the nearest function of this repository on the stack", caller));
