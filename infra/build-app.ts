import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { AspmStack } from "./stack.ts";

export const STACK_NAME = "AspmStack";

/** Context keys the app reads (`cdk synth -c key=value`). */
export const CONTEXT = {
  /** "false" for throwaway dev stacks: table, buckets and salt are deleted with the stack. */
  retainData: "aspm:retainData",
} as const;

export interface BuildAppOptions {
  /** Cloud assembly directory; the CLI's (CDK_OUTDIR) when absent. */
  readonly outdir?: string;
  /** Context (feature flags, `aspm:*` keys); the CLI passes cdk.json's through the environment. */
  readonly context?: Record<string, unknown>;
}

/**
 * The CDK app: one environment-agnostic stack (no account or region lookups, so `cdk synth` runs
 * offline) and cdk-nag's AwsSolutions checks as a validation plugin: any unacknowledged finding
 * fails synthesis. Shared by bin (app.ts) and the infra tests, so both synthesize the same thing.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: AspmStack } {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
  const retainData = String(app.node.tryGetContext(CONTEXT.retainData) ?? "true") !== "false";

  const stack = new AspmStack(app, STACK_NAME, { retainData });
  addNagChecks(app);
  return { app, stack };
}

/** cdk-nag 3: the AwsSolutions pack as a CDK validation plugin on the whole app. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
