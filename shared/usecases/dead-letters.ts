import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { z } from "zod";
import { printable } from "#shared/domain/printable";
import type { Scan } from "#shared/domain/scan";
import { CorrelateMessage, ObjectCreatedEvent } from "#shared/events";
import { getScan } from "#shared/store/scan-store";
import { parseRawKey } from "#shared/store/table";
import type { TableRef } from "#shared/store/table-ref";

/**
 * Dead-letter queues, read and replayed (`aspm dlq list|replay`), against AWS or the local stack
 * alike: only the queue URLs differ. A replay sends each message back to its work queue unless
 * its scan has nothing left to do (processed, gone, or failed for good on bad input): both
 * handlers are idempotent, so replaying twice, or replaying a processed scan, changes nothing.
 */

export const QUEUE_NAMES = ["normalize", "correlate"] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface QueuePair {
  url: string;
  dlqUrl: string;
}

export interface DeadLetterDeps {
  db: TableRef;
  sqs: SQSClient;
  queues: Record<QueueName, QueuePair>;
}

export interface DeadLetter {
  queue: QueueName;
  messageId: string;
  scanId?: string;
  appId?: string;
  sentAt?: string;
  receives?: number;
  scan?: { status: Scan["status"]; reason?: string };
}

export interface ReplayOutcome extends DeadLetter {
  outcome: "replayed" | "dropped" | "kept";
  why: string;
}

/** How long a listed message stays hidden from consumers while we read the rest. */
const PEEK_SECONDS = 30;

function scanOf(queue: QueueName, body: string): { scanId: string; appId: string } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (queue === "correlate") {
    const parsed = CorrelateMessage.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  }
  const parsed = ObjectCreatedEvent.safeParse(json);
  return parsed.success ? parseRawKey(parsed.data.detail.object.key) : undefined;
}

async function describe(deps: DeadLetterDeps, queue: QueueName, m: Message): Promise<DeadLetter> {
  const ids = scanOf(queue, m.Body ?? "");
  const scan = ids ? await getScan(deps.db, ids.scanId) : undefined;
  const sent = Number(m.Attributes?.SentTimestamp);
  return {
    queue,
    messageId: m.MessageId ?? "",
    ...(ids ?? {}),
    ...(Number.isFinite(sent) ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(m.Attributes?.ApproximateReceiveCount
      ? { receives: Number(m.Attributes.ApproximateReceiveCount) }
      : {}),
    ...(scan
      ? {
          scan: {
            status: scan.status,
            ...(scan.failure ? { reason: printable(scan.failure.reason, 300) } : {}),
          },
        }
      : {}),
  };
}

/** Receives every message of a DLQ (hidden for a while so one pass sees each once). */
async function* drain(sqs: SQSClient, url: string): AsyncGenerator<Message[]> {
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: PEEK_SECONDS,
        // receive count and FIFO group: SQS takes either name, local-aws-sqs only the older one
        MessageSystemAttributeNames: ["All"],
        AttributeNames: ["All"],
      }),
    );
    const messages = out.Messages ?? [];
    if (!messages.length) return;
    yield messages;
  }
}

export async function deadLetterCount(deps: DeadLetterDeps, queue: QueueName): Promise<number> {
  const out = await deps.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: deps.queues[queue].dlqUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Lists a DLQ without consuming it: every message is made visible again afterwards. */
export async function listDeadLetters(deps: DeadLetterDeps, queue: QueueName): Promise<DeadLetter[]> {
  const url = deps.queues[queue].dlqUrl;
  const letters: DeadLetter[] = [];
  const handles: string[] = [];
  try {
    for await (const batch of drain(deps.sqs, url)) {
      for (const m of batch) {
        letters.push(await describe(deps, queue, m));
        if (m.ReceiptHandle) handles.push(m.ReceiptHandle);
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      await deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: handles
            .slice(i, i + 10)
            .map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return letters;
}

function verdict(letter: DeadLetter, scanFound: Scan | undefined): Pick<ReplayOutcome, "outcome" | "why"> {
  if (!letter.scanId) return { outcome: "kept", why: "the message names no scan we know how to read" };
  if (!scanFound) return { outcome: "dropped", why: "no such scan" };
  if (scanFound.status === "processed") return { outcome: "dropped", why: "already processed" };
  if (scanFound.status === "failed" && !scanFound.failure?.retryable)
    return { outcome: "dropped", why: `failed for good: ${printable(scanFound.failure?.reason ?? "", 200)}` };
  return { outcome: "replayed", why: `scan was ${scanFound.status}` };
}

/**
 * Sends dead letters back to their work queue (FIFO: same group, a fresh deduplication id, so the
 * queue does not swallow it as a repeat of the original), then deletes them from the DLQ.
 */
export async function replayDeadLetters(
  deps: DeadLetterDeps,
  queue: QueueName,
  only?: { scanId?: string },
): Promise<ReplayOutcome[]> {
  const { url, dlqUrl } = deps.queues[queue];
  const outcomes: ReplayOutcome[] = [];
  const untouched: string[] = [];
  try {
    for await (const batch of drain(deps.sqs, dlqUrl)) {
      for (const m of batch) {
        const letter = await describe(deps, queue, m);
        if (only?.scanId && letter.scanId !== only.scanId) {
          if (m.ReceiptHandle) untouched.push(m.ReceiptHandle);
          continue;
        }
        const scan = letter.scanId ? await getScan(deps.db, letter.scanId) : undefined;
        const decision = verdict(letter, scan);
        if (decision.outcome === "kept") {
          if (m.ReceiptHandle) untouched.push(m.ReceiptHandle);
        } else {
          if (decision.outcome === "replayed") {
            await deps.sqs.send(
              new SendMessageCommand({
                QueueUrl: url,
                MessageBody: m.Body ?? "",
                ...(queue === "correlate" && letter.appId
                  ? {
                      MessageGroupId: m.Attributes?.MessageGroupId ?? letter.appId,
                      MessageDeduplicationId: `${letter.scanId}-replay-${Date.now()}`,
                    }
                  : {}),
              }),
            );
          }
          await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
        }
        outcomes.push({ ...letter, ...decision });
      }
    }
  } finally {
    for (let i = 0; i < untouched.length; i += 10) {
      await deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: dlqUrl,
          Entries: untouched
            .slice(i, i + 10)
            .map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return outcomes;
}

export const QueueNameSchema = z.enum(QUEUE_NAMES);
