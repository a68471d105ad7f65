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
import type { Benchmark } from "./types.js";

const benchmarks: readonly Benchmark[] = [gasBenchmark, indexerBenchmark, relayerBenchmark];

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
    `## ${bench.title}`,
    "",
    `Command: \`npm run bench -- ${bench.name}\` (or \`npm run bench\` for all). Run ${new Date().toISOString().slice(0, 10)} on ${machine}; took ${seconds} s.`,
    "",
    body.trim(),
    `<!-- bench:${bench.name}:end -->`,
  ].join("\n");
  const pattern = new RegExp(`<!-- bench:${bench.name}:start -->[\\s\\S]*?<!-- bench:${bench.name}:end -->`);
  doc = pattern.test(doc) ? doc.replace(pattern, section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, doc);
  console.log(`bench: ${bench.name} done in ${seconds} s, written to BENCHMARKS.md`);
}
