import { z } from "zod";

/**
 * Environment variable names: the one list shared by infra (which sets them through the
 * `bind*` helpers) and runtime (which reads them once at cold start).
 */
export const ENV = {
  tableName: "ASPM_TABLE_NAME",
  bucketName: "ASPM_BUCKET_NAME",
  correlateQueueUrl: "ASPM_CORRELATE_QUEUE_URL",
  eventBusName: "ASPM_EVENT_BUS_NAME",
  /** Secrets are never in the environment: only their Secrets Manager ids (ARN or name), read at run time. */
  adminTokenSecretArn: "ASPM_ADMIN_TOKEN_SECRET_ARN",
  secretSaltArn: "ASPM_SECRET_SALT_ARN",
  maxUploadBytes: "ASPM_MAX_UPLOAD_BYTES",
  maxFindings: "ASPM_MAX_FINDINGS",
  trackedBranches: "ASPM_TRACKED_BRANCHES",
  outboxDir: "ASPM_OUTBOX_DIR",
  jiraBaseUrl: "ASPM_JIRA_BASE_URL",
  /** JSON `{email, apiToken}`. */
  jiraSecretArn: "ASPM_JIRA_SECRET_ARN",
  /** The shared secret Jira signs webhook deliveries with (X-Hub-Signature). */
  jiraWebhookSecretArn: "ASPM_JIRA_WEBHOOK_SECRET_ARN",
  jiraProject: "ASPM_JIRA_PROJECT",
  jiraDoneTransition: "ASPM_JIRA_DONE_TRANSITION",
  jiraReopenTransition: "ASPM_JIRA_REOPEN_TRANSITION",
  jiraFixResolution: "ASPM_JIRA_FIX_RESOLUTION",
  /** The ticket policy's minimum severity (shared/domain/ticket-policy.ts); default medium. */
  ticketMinSeverity: "ASPM_TICKET_MIN_SEVERITY",
  /** The Slack incoming-webhook URL (the URL is the credential). */
  slackSecretArn: "ASPM_SLACK_SECRET_ARN",
  emailFrom: "ASPM_EMAIL_FROM",
  emailTo: "ASPM_EMAIL_TO",
  contextFile: "ASPM_CONTEXT_FILE",
  intelDir: "ASPM_INTEL_DIR",
  /** `true` fetches the public KEV and EPSS feeds: set on AWS and by `aspm dev --online`; else offline. */
  intelOnline: "ASPM_INTEL_ONLINE",
  kevUrl: "ASPM_KEV_URL",
  epssUrl: "ASPM_EPSS_URL",
  maxReceiveCount: "ASPM_MAX_RECEIVE_COUNT",
  stuckScanMinutes: "ASPM_STUCK_SCAN_MINUTES",
} as const;

export type EnvKey = keyof typeof ENV;

const nonEmpty = z.string().min(1);

/**
 * Reads the named variables once, failing fast with every missing name in one message: a Lambda
 * with a broken environment should die at cold start, not on the first record.
 */
export function requireEnv<K extends EnvKey>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Record<K, string> {
  const shape: Record<string, typeof nonEmpty> = Object.fromEntries(keys.map((k) => [ENV[k], nonEmpty]));
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const missing = result.error.issues.map((i) => String(i.path[0]));
    throw new Error(`missing configuration: ${missing.join(", ")}`);
  }
  const out = {} as Record<K, string>;
  for (const k of keys) out[k] = result.data[ENV[k]] ?? "";
  return out;
}

export function optionalEnv(key: EnvKey, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENV[key]];
  return value ? value : undefined;
}

/** Default upload cap: 256 MiB compressed or plain; the presigned POST enforces it on AWS. */
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;

function positiveInteger(key: EnvKey, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = optionalEnv(key, env);
  const n = raw ? Number(raw) : fallback;
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export function maxUploadBytes(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInteger("maxUploadBytes", DEFAULT_MAX_UPLOAD_BYTES, env);
}

/** Default findings cap a report; also caps any one list in it (see shared/parsers/document.ts). */
export const DEFAULT_MAX_FINDINGS = 1_000_000;

export function maxFindings(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInteger("maxFindings", DEFAULT_MAX_FINDINGS, env);
}

/** Branches whose scans change posture; the default branch names are always tracked. */
export function trackedBranches(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const extra = (optionalEnv("trackedBranches", env) ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  return new Set(["main", "master", ...extra]);
}

/** Receives before SQS moves a message to its DLQ (infra sets it from the queue's redrive policy). */
export function maxReceiveCount(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInteger("maxReceiveCount", 3, env);
}

/** How long a scan may sit in `pending` or `normalized` before the sweeper fails it (default 1 h). */
export function stuckScanMinutes(env: NodeJS.ProcessEnv = process.env): number {
  return positiveInteger("stuckScanMinutes", 60, env);
}
