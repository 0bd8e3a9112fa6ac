import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { z } from "zod";
import { AspmStack, type IntegrationSettings } from "./stack.ts";

export const STACK_NAME = "AspmStack";

/** Context keys the app reads (`cdk synth -c key=value`). */
export const CONTEXT = {
  /** "false" for throwaway dev stacks: table, buckets and salt are deleted with the stack. */
  retainData: "aspm:retainData",
  /** Integrations (see IntegrationSettings in stack.ts and the README's Deploy section). */
  jiraBaseUrl: "aspm:jiraBaseUrl",
  jiraSecretArn: "aspm:jiraSecretArn",
  jiraProjectDefault: "aspm:jiraProjectDefault",
  jiraWebhookSecretArn: "aspm:jiraWebhookSecretArn",
  jiraDoneTransition: "aspm:jiraDoneTransition",
  jiraReopenTransition: "aspm:jiraReopenTransition",
  jiraFixResolution: "aspm:jiraFixResolution",
  slackSecretArn: "aspm:slackSecretArn",
  digestEmailFrom: "aspm:digestEmailFrom",
  /** Comma-separated. */
  digestEmailTo: "aspm:digestEmailTo",
  alarmEmail: "aspm:alarmEmail",
} as const;

const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/,
    "a Secrets Manager secret ARN",
  );
const email = z.email();
const text = z.string().trim().min(1).max(200);

/** What the context may say, checked at synth so a typo fails the deploy instead of the first run. */
const IntegrationContext = z
  .object({
    jiraBaseUrl: z.url({ protocol: /^https$/, error: "an https URL" }).optional(),
    jiraSecretArn: secretArn.optional(),
    jiraProjectDefault: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]+$/, "a Jira project key")
      .optional(),
    jiraWebhookSecretArn: secretArn.optional(),
    jiraDoneTransition: text.optional(),
    jiraReopenTransition: text.optional(),
    jiraFixResolution: text.optional(),
    slackSecretArn: secretArn.optional(),
    digestEmailFrom: email.optional(),
    digestEmailTo: z
      .string()
      .transform((s) =>
        s
          .split(",")
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .pipe(z.array(email).min(1))
      .optional(),
    alarmEmail: email.optional(),
  })
  .refine((c) => !c.jiraBaseUrl === !c.jiraSecretArn, {
    message: `${CONTEXT.jiraBaseUrl} and ${CONTEXT.jiraSecretArn} go together`,
  })
  .refine((c) => !c.digestEmailFrom === !c.digestEmailTo, {
    message: `${CONTEXT.digestEmailFrom} and ${CONTEXT.digestEmailTo} go together`,
  });

/** The integrations named in the app's context; throws one clear line per wrong value. */
export function integrationsFromContext(app: App): IntegrationSettings {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(CONTEXT)) {
    const value = app.node.tryGetContext(key) as unknown;
    if (value !== undefined && value !== "" && name !== "retainData") raw[name] = String(value);
  }
  const parsed = IntegrationContext.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      parsed.error.issues
        .map((i) => {
          const name = String(i.path[0] ?? "");
          return `${name in CONTEXT ? CONTEXT[name as keyof typeof CONTEXT] : "context"}: ${i.message}`;
        })
        .join("; "),
    );
  return parsed.data;
}

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

  const stack = new AspmStack(app, STACK_NAME, {
    retainData,
    integrations: integrationsFromContext(app),
  });
  addNagChecks(app);
  return { app, stack };
}

/** cdk-nag 3: the AwsSolutions pack as a CDK validation plugin on the whole app. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
