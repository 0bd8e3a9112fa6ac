import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CliError, type CliIo } from "../io.ts";
import { JAVA_MISSING, javaAvailable } from "../local/dynamodb-local.ts";
import type { LocalStack } from "../local/stack.ts";

const STACK_FILE = ".aspm/stack.json";
const StackFile = z.object({
  apiUrl: z.string(),
  apiToken: z.string(),
  env: z.record(z.string(), z.string()),
  pid: z.number(),
  queues: z
    .object({
      normalize: z.string(),
      normalizeDlq: z.string(),
      correlate: z.string(),
      correlateDlq: z.string(),
    })
    .optional(),
});
export type StackFile = z.infer<typeof StackFile>;

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
    ...(process.env.ASPM_API_TOKEN ? { apiToken: process.env.ASPM_API_TOKEN } : {}),
  });
}

/** `aspm dev`: the whole pipeline on this machine until Ctrl-C; every child (the JVM too) stops with it. */
export async function devCommand(io: CliIo, options: { memory?: boolean; port?: number }): Promise<void> {
  const env: Record<string, string> = {};
  if (process.env.ASPM_CONTEXT_FILE) env.ASPM_CONTEXT_FILE = resolve(process.env.ASPM_CONTEXT_FILE);
  const stack = await startStack({
    memory: options.memory,
    apiPort: options.port ?? 3780,
    schedules: true,
    log: (l) => io.err(l),
    env,
  });
  mkdirSync(".aspm", { recursive: true });
  writeFileSync(
    STACK_FILE,
    JSON.stringify(
      {
        apiUrl: stack.apiUrl,
        apiToken: stack.apiToken,
        env: stack.env,
        pid: process.pid,
        queues: stack.queues,
      } satisfies StackFile,
      null,
      2,
    ),
  );
  io.out(`aspm local stack is up${options.memory ? " (in memory)" : " (data in .aspm/)"}`);
  io.out(`  API:     ${stack.apiUrl}`);
  io.out(`  token:   ${stack.apiToken}`);
  io.out(`  outbox:  ${stack.outboxDir}`);
  io.out(
    `Upload:  ASPM_API_URL=${stack.apiUrl} ASPM_API_TOKEN=${stack.apiToken} npx aspm upload report.sarif --app my-app --wait`,
  );
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
  let file: StackFile;
  try {
    file = StackFile.parse(JSON.parse(readFileSync(join(process.cwd(), STACK_FILE), "utf8")));
  } catch {
    throw new CliError("no local stack is running here: start one with `npm start` (aspm dev) first", 1);
  }
  Object.assign(process.env, file.env);
  return file;
}

/** `aspm run <job>` against a running `aspm dev`: runs the job's handler here, on the dev stack's stand-ins. */
export async function runCommand(io: CliIo, job: string): Promise<void> {
  const { JOBS } = await import("#shared/events");
  if (!(job in JOBS)) throw new CliError(`unknown job ${job}; jobs: ${Object.keys(JOBS).join(", ")}`, 2);
  attachToLocalStack();
  const { runJob } = await import("../local/jobs.ts");
  const result = await runJob(job as keyof typeof JOBS);
  io.out(JSON.stringify(result, null, 2));
}
