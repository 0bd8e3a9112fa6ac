import type { TestProject } from "vitest/node";
import { startLocalStack } from "#cli/local/stack";

/**
 * Starts one real local stack (DynamoDB Local, s3rver, local-aws-sqs, the in-process bus and the
 * pipeline's pollers) for all integration and end-to-end tests, and hands its environment to the
 * test workers. Teardown stops every child, the JVM's whole process group included.
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  const started = Date.now();
  const stack = await startLocalStack({ memory: true, apiToken: "integration-token", log: () => undefined });
  project.provide("stack", {
    apiUrl: stack.apiUrl,
    apiToken: stack.apiToken,
    jiraWebhookSecret: stack.jiraWebhookSecret,
    env: stack.env,
    outboxDir: stack.outboxDir,
    queues: stack.queues,
  });
  console.log(`local stack for integration tests up in ${Date.now() - started} ms`);
  return async () => {
    await stack.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: {
      apiUrl: string;
      apiToken: string;
      jiraWebhookSecret: string;
      env: Record<string, string>;
      outboxDir: string;
      queues: { normalize: string; normalizeDlq: string; correlate: string; correlateDlq: string };
    };
  }
}
