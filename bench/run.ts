/**
 * `npm run bench [-- name ...]`: runs the named benchmarks (all by default) and rewrites each
 * one's section of `BENCHMARKS.md`, leaving the other sections as they are. Every section
 * records the command that produced it, the date and the machine.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { gasBenchmark } from "./gas.js";
import { indexerBenchmark } from "./indexer/indexerBenchmark.js";
import { relayerBenchmark } from "./relayer/relayerBenchmark.js";
import { relayerScaleBenchmark } from "./relayer/relayerScaleBenchmark.js";
import type { Benchmark } from "./types.js";

const benchmarks: readonly Benchmark[] = [
  gasBenchmark,
  indexerBenchmark,
  relayerBenchmark,
  relayerScaleBenchmark,
];

const file = new URL("../BENCHMARKS.md", import.meta.url).pathname;
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(", ")}; expected one of ${benchmarks
      .map((b) => b.name)
      .join(", ")}`,
  );
  process.exit(2);
}
const selected = requested.length === 0 ? benchmarks : benchmarks.filter((b) => requested.includes(b.name));

let doc: string;
try {
  doc = readFileSync(file, "utf8");
} catch {
  doc = "# Benchmarks\n\nWritten by `npm run bench`; each section says the command that produced it.\n";
}

const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
for (const bench of selected) {
  console.log(`bench: running ${bench.name} (${bench.title})…`);
  const started = performance.now();
  const body = await bench.run((line) => console.log(`  ${line}`));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const section = [
    `<!-- bench:${bench.name}:start -->`,
    `${bench.parent === undefined ? "##" : "###"} ${bench.title}`,
    "",
    `Command: \`npm run bench -- ${bench.name}\` (or \`npm run bench\` for all). Run ${new Date().toISOString().slice(0, 10)} on ${machine}; took ${seconds} s.`,
    "",
    body.trim(),
    `<!-- bench:${bench.name}:end -->`,
  ].join("\n");
  doc = writeSection(doc, bench, section);
  writeFileSync(file, doc);
  console.log(`bench: ${bench.name} done in ${seconds} s, written to BENCHMARKS.md`);
}

/** Puts `section` in place of the benchmark's old one: a sub-section inside its parent's, a parent's keeping its sub-sections. */
function writeSection(text: string, bench: Benchmark, section: string): string {
  const marker = (name: string, end: "start" | "end") => `<!-- bench:${name}:${end} -->`;
  const pattern = (name: string) => new RegExp(`${marker(name, "start")}[\\s\\S]*?${marker(name, "end")}\n?`);
  const old = pattern(bench.name).exec(text)?.[0];
  const children = benchmarks
    .filter((b) => b.parent === bench.name)
    .map((b) => (old === undefined ? undefined : pattern(b.name).exec(old)?.[0]))
    .filter((child): child is string => child !== undefined);
  // A parent's new section ends with the sub-sections its last one had.
  const whole =
    children.length === 0
      ? section
      : section.replace(
          marker(bench.name, "end"),
          `\n${children.join("").trimEnd()}\n${marker(bench.name, "end")}`,
        );
  if (old !== undefined) return text.replace(pattern(bench.name), `${whole}\n`);
  const parentEnd = bench.parent === undefined ? -1 : text.indexOf(marker(bench.parent, "end"));
  if (parentEnd >= 0) return `${text.slice(0, parentEnd)}\n${whole}\n${text.slice(parentEnd)}`;
  return `${text.trimEnd()}\n\n${whole}\n`;
}
