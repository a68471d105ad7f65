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
    // The end-to-end files each run three anvil chains and a Ponder indexer; on a 2-core machine
    // they run one at a time so timing-sensitive steps (reorgs, finality) do not compete.
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1,
  },
});
