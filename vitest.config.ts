import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "shared/**/*.test.ts",
      "indexer/**/*.test.ts",
      "relayer/**/*.test.ts",
      "test/**/*.test.ts",
      "scripts/**/*.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests that start anvil chains and servers are heavy on a 2-core machine.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
