import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./event-bus.ts";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface QueuePoller {
  stop(): Promise<void>;
  /** Resolves when the queue has been seen empty with no batch in flight. */
  idle(): Promise<void>;
}

/** A Lambda context good enough for Powertools (request id, function name, remaining time). */
export function localContext(functionName: string, timeoutMs = 900_000): Context {
  const started = Date.now();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * What Lambda's SQS event source mapping does, for the local stack: long-poll, hand the batch to
 * the handler, delete what succeeded (all but `batchItemFailures`), leave the rest to become
 * visible again and, after maxReceiveCount, to be redriven to the DLQ by the queue.
 */
export function pollQueue(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsHandler;
  batchSize?: number;
  onError?: (error: unknown) => void;
}): QueuePoller {
  let running = true;
  let busy = false;
  let lastEmptyAt = 0;
  const controller = new AbortController();
  const loop = (async () => {
    while (running) {
      try {
        const out = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: 1,
            // receive count and FIFO group: SQS takes either name, local-aws-sqs only the older one
            MessageSystemAttributeNames: ["All"],
            AttributeNames: ["All"],
          }),
          { abortSignal: controller.signal },
        );
        const messages = out.Messages ?? [];
        if (!messages.length) {
          lastEmptyAt = Date.now();
          continue;
        }
        busy = true;
        const records: SQSRecord[] = messages.map((m) => ({
          messageId: m.MessageId ?? "",
          receiptHandle: m.ReceiptHandle ?? "",
          body: m.Body ?? "",
          attributes: {
            ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
            SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
            SenderId: m.Attributes?.SenderId ?? "local",
            ApproximateFirstReceiveTimestamp:
              m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
            ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
            ...(m.Attributes?.MessageDeduplicationId
              ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId }
              : {}),
            ...(m.Attributes?.SequenceNumber ? { SequenceNumber: m.Attributes.SequenceNumber } : {}),
          },
          messageAttributes: {},
          md5OfBody: m.MD5OfBody ?? "",
          eventSource: "aws:sqs",
          eventSourceARN: options.queueArn,
          awsRegion: LOCAL_REGION,
        }));
        let failed = new Set<string>();
        try {
          const response = await options.handler({ Records: records }, localContext(options.functionName));
          failed = new Set(
            (response && "batchItemFailures" in response ? response.batchItemFailures : []).map(
              (f) => f.itemIdentifier,
            ),
          );
        } catch (error) {
          options.onError?.(error);
          failed = new Set(records.map((r) => r.messageId));
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (!running) break;
        options.onError?.(error);
        await new Promise((r) => setTimeout(r, 500));
      } finally {
        busy = false;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      controller.abort();
      await loop;
    },
    async idle() {
      const since = Date.now();
      while (busy || lastEmptyAt <= since) await new Promise((r) => setTimeout(r, 50));
    },
  };
}
