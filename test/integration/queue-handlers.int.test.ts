import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { localContext } from "#cli/local/queue-poller";
import { makeHandler as correlateHandler } from "#functions/correlate/handler";
import { makeHandler as normalizeHandler } from "#functions/normalize/handler";
import { s3 } from "#shared/aws/s3";
import { sqs } from "#shared/aws/sqs";
import { getScan, putNewScan } from "#shared/store/scan-store";
import { objectKeys } from "#shared/store/table";
import { correlateScan } from "#shared/usecases/correlate-scan";
import { listDeadLetters, replayDeadLetters } from "#shared/usecases/dead-letters";
import { manySast } from "#test/support/findings";
import { bucketRef, recordingPublisher, stackEnv, tableRef } from "#test/support/stack-deps";
import { stageNormalizedScan } from "#test/support/stage";

let counter = 0;
const unique = () => `${Date.now().toString(36)}${++counter}`;
const SARIF = JSON.stringify({
  version: "2.1.0",
  runs: [{ tool: { driver: { name: "Semgrep", rules: [] } }, results: [] }],
});

function sqsRecord(body: string, attempt: number, group?: string): SQSRecord {
  return {
    messageId: `m-${unique()}`,
    receiptHandle: "r",
    body,
    attributes: {
      ApproximateReceiveCount: String(attempt),
      SentTimestamp: String(Date.now()),
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      ...(group ? { MessageGroupId: group, MessageDeduplicationId: unique(), SequenceNumber: "1" } : {}),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:test",
    awsRegion: "eu-west-1",
  };
}

function objectCreated(bucket: string, key: string): string {
  return JSON.stringify({
    version: "0",
    id: unique(),
    "detail-type": "Object Created",
    source: "aws.s3",
    time: new Date().toISOString(),
    detail: { bucket: { name: bucket }, object: { key, size: SARIF.length } },
  });
}

describe("normalize handler", () => {
  it("fails only the poisoned record of a batch, and on its last attempt fails its scan with the error", async () => {
    // a bucket and a correlate queue of the test's own: the running pipeline never sees them
    const bucketName = `poison-${unique()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: `poison-${unique()}.fifo`, Attributes: { FifoQueue: "true" } }),
    );
    const appId = `poison-${unique()}`;
    const scans = [0, 1, 2].map((i) => `01KPOISON${unique().toUpperCase()}${i}`.padEnd(26, "0"));
    for (const scanId of scans) {
      const now = new Date().toISOString();
      await putNewScan(tableRef(), {
        scanId,
        appId,
        status: "pending",
        tracked: true,
        branch: "main",
        createdAt: now,
        updatedAt: now,
      });
      await s3.send(
        new PutObjectCommand({ Bucket: bucketName, Key: objectKeys.raw(appId, scanId), Body: SARIF }),
      );
    }
    const poisoned = objectKeys.raw(appId, scans[1] ?? "");
    // an S3 outage for one object (not the report's fault): a real client for everything else
    const client = new S3Client({});
    const s3mock = mockClient(client);
    s3mock.on(GetObjectCommand).callsFake((input) => s3.send(new GetObjectCommand(input)));
    s3mock.on(PutObjectCommand).callsFake((input) => s3.send(new PutObjectCommand(input)));
    s3mock
      .on(GetObjectCommand, { Key: poisoned })
      .rejects(Object.assign(new Error("boom"), { name: "InternalError" }));
    const handler = normalizeHandler(
      () => ({
        db: tableRef(),
        bucket: { client, bucketName },
        sqs,
        correlateQueueUrl: queue.QueueUrl ?? "",
        maxUploadBytes: 1_000_000,
        secretSalt: "salt",
      }),
      3,
    );
    const batch = (attempt: number): SQSEvent => ({
      Records: scans.map((scanId, i) =>
        sqsRecord(objectCreated(bucketName, objectKeys.raw(appId, scanId)), i === 1 ? attempt : 1),
      ),
    });
    const first = batch(1);
    const response = await handler(first, localContext("normalize"));
    expect(response?.batchItemFailures).toEqual([{ itemIdentifier: first.Records[1]?.messageId }]);
    expect((await getScan(tableRef(), scans[0] ?? ""))?.status).toBe("normalized");
    expect((await getScan(tableRef(), scans[2] ?? ""))?.status).toBe("normalized");
    // not its last attempt yet: the scan waits for the retry
    expect((await getScan(tableRef(), scans[1] ?? ""))?.status).toBe("pending");

    const last = batch(3);
    // alone in its batch, it fails the invocation (a function error, which alarms) and goes to the DLQ
    await expect(
      handler({ Records: [last.Records[1] as SQSRecord] }, localContext("normalize")),
    ).rejects.toThrow("All records failed");
    const given = await getScan(tableRef(), scans[1] ?? "");
    expect(given?.status).toBe("failed");
    expect(given?.failure).toMatchObject({
      stage: "normalize",
      reason: "InternalError: boom",
      retryable: true,
    });
  });
});

describe("correlate handler", () => {
  it("returns the rest of a failing app's messages, but processes other apps' (skipGroupOnError)", async () => {
    const [a, b] = [`grp-a-${unique()}`, `grp-b-${unique()}`];
    const a1 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(2), { appId: a });
    const a2 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(3), { appId: a });
    const b1 = await stageNormalizedScan(tableRef(), bucketRef(), manySast(2), { appId: b });
    const handler = correlateHandler(
      () => ({
        db: tableRef(),
        bucket: bucketRef(),
        events: {
          async publish(events) {
            if (events.some((e) => (e.detail as { appId?: string }).appId === a))
              throw new Error("bus down for a");
          },
        },
      }),
      3,
    );
    const records = [
      sqsRecord(JSON.stringify({ scanId: a1, appId: a }), 1, a),
      sqsRecord(JSON.stringify({ scanId: b1, appId: b }), 1, b),
      sqsRecord(JSON.stringify({ scanId: a2, appId: a }), 1, a),
    ];
    const response = await handler({ Records: records }, localContext("correlate"));
    expect(response?.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [records[0]?.messageId, records[2]?.messageId].sort(),
    );
    expect((await getScan(tableRef(), b1))?.status).toBe("processed");
    expect((await getScan(tableRef(), a2))?.status).toBe("normalized");
  });
});

describe("dead-letter queues", () => {
  it("lists without consuming, replays what is unfinished, drops what is done, and a second replay is a no-op", async () => {
    const { queues } = stackEnv();
    const deps = {
      db: tableRef(),
      sqs,
      queues: {
        normalize: { url: queues.normalize, dlqUrl: queues.normalizeDlq },
        correlate: { url: queues.correlate, dlqUrl: queues.correlateDlq },
      },
    };
    const appId = `dlq-${unique()}`;
    const stuck = await stageNormalizedScan(tableRef(), bucketRef(), manySast(4), { appId });
    const done = await stageNormalizedScan(tableRef(), bucketRef(), manySast(5), { appId });
    await correlateScan({ db: tableRef(), bucket: bucketRef(), events: recordingPublisher() }, done);
    for (const scanId of [stuck, done])
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queues.correlateDlq,
          MessageBody: JSON.stringify({ scanId, appId }),
          MessageGroupId: appId,
          MessageDeduplicationId: `${scanId}-dead`,
        }),
      );

    const mine = <T extends { appId?: string }>(list: T[]) => list.filter((l) => l.appId === appId);
    const listed = mine(await listDeadLetters(deps, "correlate"));
    expect(listed.map((l) => [l.scanId, l.scan?.status])).toEqual([
      [stuck, "normalized"],
      [done, "processed"],
    ]);
    // listing consumed nothing
    expect(mine(await listDeadLetters(deps, "correlate"))).toHaveLength(2);

    const replayed = mine(await replayDeadLetters(deps, "correlate"));
    expect(replayed.map((r) => [r.scanId, r.outcome])).toEqual([
      [stuck, "replayed"],
      [done, "dropped"],
    ]);
    // the running stack's correlate poller picks the replayed message up
    for (let i = 0; i < 300 && (await getScan(tableRef(), stuck))?.status !== "processed"; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await getScan(tableRef(), stuck))?.status).toBe("processed");
    expect(mine(await replayDeadLetters(deps, "correlate"))).toEqual([]);
    expect(mine(await listDeadLetters(deps, "correlate"))).toEqual([]);
  });
});
