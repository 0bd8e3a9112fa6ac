import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ENV } from "#shared/config";
import { LOCAL_DIR, readStackFile, STACK_FILE, type StackFile } from "../api-target.ts";
import { CliError, type CliIo } from "../io.ts";
import { ADMIN_TOKEN_FILE } from "../local/admin-token.ts";
import { JAVA_MISSING, javaAvailable } from "../local/dynamodb-local.ts";
import type { LocalSecrets, LocalStack } from "../local/stack.ts";

export async function startStack(options: {
  memory?: boolean;
  apiPort?: number;
  schedules?: boolean;
  log?: (line: string) => void;
  env?: Record<string, string>;
}): Promise<LocalStack> {
  if (!javaAvailable()) throw new CliError(JAVA_MISSING, 1);
  const { startLocalStack } = await import("../local/stack.ts");
  return startLocalStack({
    ...options,
    secrets: localSecretsFromEnv(),
    ...(process.env.ASPM_API_TOKEN ? { apiToken: process.env.ASPM_API_TOKEN } : {}),
  });
}

/**
 * Credentials a developer gives the local stack, from this shell's environment: the stack's
 * Secrets Manager serves them to the handlers, which see only secret ids (as on AWS).
 */
function localSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalSecrets {
  const { ASPM_JIRA_EMAIL: email, ASPM_JIRA_API_TOKEN: apiToken } = env;
  return {
    ...(email && apiToken ? { jira: { email, apiToken } } : {}),
    ...(env.ASPM_SLACK_WEBHOOK_URL ? { slackWebhookUrl: env.ASPM_SLACK_WEBHOOK_URL } : {}),
    ...(env.ASPM_JIRA_WEBHOOK_SECRET ? { jiraWebhookSecret: env.ASPM_JIRA_WEBHOOK_SECRET } : {}),
    ...(env.ASPM_SECRET_SALT ? { secretSalt: env.ASPM_SECRET_SALT } : {}),
  };
}

/** `aspm dev`: the whole pipeline on this machine until Ctrl-C; every child (the JVM too) stops with it. */
export async function devCommand(
  io: CliIo,
  options: { memory?: boolean; port?: number; online?: boolean },
): Promise<void> {
  const env: Record<string, string> = {};
  if (process.env.ASPM_CONTEXT_FILE) env.ASPM_CONTEXT_FILE = resolve(process.env.ASPM_CONTEXT_FILE);
  // offline unless asked: the intel job reads the bundled KEV snapshot
  if (options.online) env[ENV.intelOnline] = "true";
  const stack = await startStack({
    memory: options.memory,
    apiPort: options.port ?? 3780,
    schedules: true,
    log: (l) => io.err(l),
    env,
  });
  mkdirSync(LOCAL_DIR, { recursive: true });
  const file: StackFile = { apiUrl: stack.apiUrl, env: stack.env, pid: process.pid, queues: stack.queues };
  writeFileSync(STACK_FILE, JSON.stringify(file, null, 2), { mode: 0o600 });
  io.out(`aspm local stack is up${options.memory ? " (in memory)" : " (data in .aspm/)"}`);
  io.out(`  API:     ${stack.apiUrl}`);
  io.out(
    `  token:   admin token in ${join(LOCAL_DIR, ADMIN_TOKEN_FILE)} (mode 0600; the CLI reads it there)`,
  );
  io.out(
    `  Jira webhook: POST ${stack.apiUrl}/v1/integrations/jira/webhook, secret ${stack.jiraWebhookSecret}`,
  );
  io.out(`  outbox:  ${stack.outboxDir}`);
  io.out(
    options.online
      ? "  intel:   the public CISA KEV and EPSS feeds (--online)"
      : "  intel:   offline, the bundled CISA KEV snapshot (--online fetches the live feeds)",
  );
  io.out("Upload:  npx aspm upload report.sarif --app my-app --wait");
  io.out("Jobs:    npx aspm run ticket-sync|posture|digest|intel     Stop: Ctrl-C");
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      io.err("stopping the local stack…");
      stack
        .stop()
        .catch(() => undefined)
        .finally(() => {
          rmSync(STACK_FILE, { force: true });
          resolveStop();
        });
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/**
 * Points this process at the stand-ins of the `aspm dev` running in this folder (its endpoints and
 * table are in .aspm/stack.json), so commands act on the local stack's data.
 */
export function attachToLocalStack(): StackFile {
  const file = readStackFile();
  if (!file)
    throw new CliError(
      `no local stack is running here (no ${STACK_FILE}): start one with \`npm start\` (aspm dev) first`,
      1,
    );
  Object.assign(process.env, file.env);
  return file;
}

/** `aspm run <job>` against a running `aspm dev`: runs the job's handler here, on the dev stack's stand-ins. */
export async function runCommand(io: CliIo, job: string, options: { online?: boolean } = {}): Promise<void> {
  const { JOBS } = await import("#shared/events");
  if (!(job in JOBS)) throw new CliError(`unknown job ${job}; jobs: ${Object.keys(JOBS).join(", ")}`, 2);
  attachToLocalStack();
  if (options.online) process.env[ENV.intelOnline] = "true";
  const { runJob } = await import("../local/jobs.ts");
  const result = await runJob(job as keyof typeof JOBS);
  io.out(JSON.stringify(result, null, 2));
}
