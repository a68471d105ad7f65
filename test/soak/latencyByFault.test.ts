import { expect, test } from "vitest";
import { latencyByFault } from "../../bench/soak/runSoak.js";

test("a deposit whose path from final to credited overlaps a fault window counts under the fault", () => {
  const windows = [{ kind: "rpc" as const, from: 10_000, to: 25_000 }];
  const samples = [
    { finalAt: 1_000, seconds: 1 }, // credited at 2 s: before the fault
    { finalAt: 9_000, seconds: 2 }, // credited at 11 s: into the fault
    { finalAt: 12_000, seconds: 4 }, // inside it
    { finalAt: 24_000, seconds: 0.5 }, // final at its end, credited after
    { finalAt: 26_000, seconds: 1.5 }, // after it
  ];
  expect(latencyByFault(samples, windows)).toEqual([
    "credit latency over floor, path overlapping no fault: 2 deposits, p50 1.00 s, p95 1.50 s",
    "credit latency over floor, path overlapping a fault: 3 deposits, p50 2.00 s, p95 4.00 s",
    "credit latency over floor, path overlapping a fault of kind rpc: 3 deposits, p50 2.00 s, p95 4.00 s",
  ]);
  const two = [...windows, { kind: "kill" as const, from: 0, to: 1_500 }];
  expect(latencyByFault(samples, two).slice(2)).toEqual([
    "credit latency over floor, path overlapping a fault of kind rpc: 3 deposits, p50 2.00 s, p95 4.00 s",
    "credit latency over floor, path overlapping a fault of kind kill: 1 deposits, p50 1.00 s, p95 1.00 s",
  ]);
  expect(latencyByFault([], windows)[0]).toBe(
    "credit latency over floor, path overlapping no fault: 0 deposits, p50 n/a, p95 n/a",
  );
});
