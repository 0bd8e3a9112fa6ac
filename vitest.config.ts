import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.int.test.ts", "test/**/*.e2e.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.int.test.ts", "test/**/*.e2e.test.ts"],
          globalSetup: ["test/support/local-stack.global.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // one local stack shared by all files; files run one at a time so they cannot race on it
          fileParallelism: false,
        },
      },
    ],
    testTimeout: 30_000,
    pool: "forks",
  },
});
