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
          setupFiles: ["test/support/integration-env.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // one local stack shared by all files; files run one at a time so they cannot race on it
          fileParallelism: false,
        },
      },
    ],
    testTimeout: 30_000,
    pool: "forks",
    // Node 20 is supported locally (Lambda runs 22); the SDK's upgrade notice is noise here
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
