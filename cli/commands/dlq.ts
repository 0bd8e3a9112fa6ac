import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import type { DeadLetterDeps, QueueName, ReplayOutcome } from "#shared/usecases/dead-letters";
import { CliError, type CliIo } from "../io.ts";
import { attachToLocalStack } from "./dev.ts";

export interface DlqOptions {
  queue?: string;
  scan?: string;
  stack?: string;
  json?: boolean;
}

const OUTPUTS = [
  "NormalizeQueueUrl",
  "NormalizeDlqUrl",
  "CorrelateQueueUrl",
  "CorrelateDlqUrl",
  "TableName",
] as const;

/**
 * The queues and table to act on: a deployed stack's outputs (`--stack NAME`, with the usual AWS
 * credentials and region), else the `aspm dev` running in this folder.
 */
async function resolveDeps(stackName: string | undefined): Promise<DeadLetterDeps> {
  let queues: DeadLetterDeps["queues"];
  let tableName: string;
  if (stackName) {
    const out = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = new Map((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const missing = OUTPUTS.filter((k) => !outputs.get(k));
    if (missing.length) throw new CliError(`stack ${stackName} has no outputs ${missing.join(", ")}`, 1);
    const get = (k: (typeof OUTPUTS)[number]) => outputs.get(k) ?? "";
    queues = {
      normalize: { url: get("NormalizeQueueUrl"), dlqUrl: get("NormalizeDlqUrl") },
      correlate: { url: get("CorrelateQueueUrl"), dlqUrl: get("CorrelateDlqUrl") },
    };
    tableName = get("TableName");
  } else {
    const file = attachToLocalStack();
    if (!file.queues) throw new CliError("the running aspm dev is too old to list its queues; restart it", 1);
    queues = {
      normalize: { url: file.queues.normalize, dlqUrl: file.queues.normalizeDlq },
      correlate: { url: file.queues.correlate, dlqUrl: file.queues.correlateDlq },
    };
    tableName = file.env.ASPM_TABLE_NAME ?? "";
  }
  // clients built after the environment points at the right endpoints
  const [{ documentClient }, { sqs }] = await Promise.all([
    import("#shared/aws/dynamodb"),
    import("#shared/aws/sqs"),
  ]);
  return { db: { client: documentClient, tableName }, sqs, queues };
}

function queuesOf(option: string | undefined): QueueName[] {
  if (option === undefined) return ["normalize", "correlate"];
  if (option === "normalize" || option === "correlate") return [option];
  throw new CliError(`--queue is normalize or correlate, not ${JSON.stringify(option)}`, 2);
}

function line(l: ReplayOutcome | Omit<ReplayOutcome, "outcome" | "why">): string {
  const scan = l.scanId ? `scan ${l.scanId} (${l.appId})` : `message ${l.messageId}`;
  const state = l.scan ? ` ${l.scan.status}${l.scan.reason ? `: ${l.scan.reason}` : ""}` : "";
  const outcome = "outcome" in l ? ` → ${l.outcome} (${l.why})` : "";
  return `${l.queue.padEnd(9)} ${scan}${l.receives ? `, ${l.receives} receives` : ""}${l.sentAt ? `, sent ${l.sentAt}` : ""};${state}${outcome}`;
}

/** `aspm dlq list|replay`: what the dead-letter queues hold, and sending it back to work. */
export async function dlqCommand(io: CliIo, action: string | undefined, options: DlqOptions): Promise<void> {
  if (action !== "list" && action !== "replay")
    throw new CliError(
      "usage: aspm dlq list|replay [--queue normalize|correlate] [--scan ID] [--stack NAME] [--json]",
      2,
    );
  const queues = queuesOf(options.queue);
  const deps = await resolveDeps(options.stack);
  const { listDeadLetters, replayDeadLetters } = await import("#shared/usecases/dead-letters");
  const all = [];
  for (const queue of queues) {
    const letters =
      action === "list"
        ? await listDeadLetters(deps, queue)
        : await replayDeadLetters(deps, queue, options.scan ? { scanId: options.scan } : undefined);
    all.push(...letters);
  }
  if (options.json) {
    io.out(JSON.stringify(all, null, 2));
    return;
  }
  for (const l of all) io.out(line(l));
  if (action === "list")
    io.out(`${all.length} dead letter${all.length === 1 ? "" : "s"} in ${queues.join(" and ")}`);
  else {
    const replayed = all.filter((l) => "outcome" in l && l.outcome === "replayed").length;
    io.out(`${replayed} replayed, ${all.length - replayed} with nothing left to do or unreadable`);
  }
}
