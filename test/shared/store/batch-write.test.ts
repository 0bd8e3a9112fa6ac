import { DynamoDBClient, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { batchWrite } from "#shared/store/batch-write";

type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

const TABLE = "aspm-test";
const put = (i: number): WriteRequest => ({
  PutRequest: { Item: { pk: `APP#a`, sk: `FINDING#${i}`, n: i } },
});
const requests = (n: number) => Array.from({ length: n }, (_, i) => put(i));

function sentChunks(mock: ReturnType<typeof mockClient>): WriteRequest[][] {
  return mock
    .commandCalls(BatchWriteCommand)
    .map((call) => (call.args[0].input.RequestItems?.[TABLE] ?? []) as WriteRequest[]);
}

describe("batchWrite (mocked client)", () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
  const ddb = mockClient(client);

  beforeEach(() => {
    ddb.reset();
  });
  afterEach(() => vi.useRealTimers());

  it("writes in chunks of at most 25 and asks for the consumed capacity", async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const stats = await batchWrite(client, TABLE, requests(60));
    const chunks = sentChunks(ddb);
    expect(chunks.map((c) => c.length).sort((a, b) => a - b)).toEqual([10, 25, 25]);
    expect(chunks.flat()).toHaveLength(60);
    expect(new Set(chunks.flat().map((r) => r.PutRequest?.Item?.n))).toEqual(
      new Set(requests(60).map((_, i) => i)),
    );
    for (const call of ddb.commandCalls(BatchWriteCommand)) {
      expect(call.args[0].input.ReturnConsumedCapacity).toBe("TOTAL");
      expect(Object.keys(call.args[0].input.RequestItems ?? {})).toEqual([TABLE]);
    }
    expect(stats).toEqual({ requests: 3, retries: 0, consumedWcu: 0 });
  });

  it("sends exactly 25 in one request and nothing for no requests", async () => {
    ddb.on(BatchWriteCommand).resolves({});
    expect((await batchWrite(client, TABLE, requests(25))).requests).toBe(1);
    expect(sentChunks(ddb).map((c) => c.length)).toEqual([25]);
    ddb.reset();
    expect(await batchWrite(client, TABLE, [])).toEqual({ requests: 0, retries: 0, consumedWcu: 0 });
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });

  it("sums the consumed capacity of every request, retries included", async () => {
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({
        ConsumedCapacity: [{ TableName: TABLE, CapacityUnits: 20 }],
        UnprocessedItems: { [TABLE]: [put(0), put(1)] },
      })
      .resolves({ ConsumedCapacity: [{ TableName: TABLE, CapacityUnits: 2.5 }] });
    const stats = await batchWrite(client, TABLE, requests(22), 1);
    expect(stats).toEqual({ requests: 2, retries: 1, consumedWcu: 22.5 });
  });

  it("retries unprocessed items, and only them, until all are written", async () => {
    const all = requests(5);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(1), put(3), put(4)] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(4)] } })
      .resolves({ UnprocessedItems: {} });
    const stats = await batchWrite(client, TABLE, all);
    expect(sentChunks(ddb)).toEqual([all, [put(1), put(3), put(4)], [put(4)]]);
    expect(stats.requests).toBe(3);
    expect(stats.retries).toBe(2);
  });

  it("backs off exponentially between retries", async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(0)] } })
      .resolvesOnce({ UnprocessedItems: { [TABLE]: [put(0)] } })
      .resolves({});
    const done = batchWrite(client, TABLE, [put(0)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(45); // first wait is ~50 ms
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(90); // second wait is ~100 ms
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(20);
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
    await expect(done).resolves.toMatchObject({ requests: 3, retries: 2 });
    vi.mocked(Math.random).mockRestore();
  });

  it("gives up after 8 attempts when items stay unprocessed", async () => {
    vi.useFakeTimers();
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: [put(0), put(1)] } });
    const outcome = expect(batchWrite(client, TABLE, requests(2))).rejects.toThrow(
      "BatchWriteItem: 2 items still unprocessed after 8 attempts",
    );
    await vi.runAllTimersAsync();
    await outcome;
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(8);
  });

  it("surfaces a throttling error from the client instead of swallowing it", async () => {
    const throttled = new ProvisionedThroughputExceededException({
      message: "The level of configured provisioned throughput for the table was exceeded.",
      $metadata: { httpStatusCode: 400, attempts: 3 },
    });
    ddb.on(BatchWriteCommand).rejects(throttled);
    await expect(batchWrite(client, TABLE, requests(30))).rejects.toBe(throttled);
  });

  it("surfaces an error from a later chunk after earlier chunks were written", async () => {
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({})
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    await expect(batchWrite(client, TABLE, requests(50), 1)).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(2);
  });
});

describe("batchWrite (real SDK client, throttled transport)", () => {
  afterEach(() => vi.useRealTimers());

  it("lets the SDK retry ProvisionedThroughputExceeded, then surfaces it", async () => {
    vi.useFakeTimers();
    let attempts = 0;
    const handler = {
      handle: async () => {
        attempts++;
        return {
          response: {
            statusCode: 400,
            reason: "Bad Request",
            headers: {
              "content-type": "application/x-amz-json-1.0",
              "x-amzn-requestid": `req-${attempts}`,
            },
            body: new TextEncoder().encode(
              JSON.stringify({
                __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                message: "The level of configured provisioned throughput for the table was exceeded.",
              }),
            ),
          },
        };
      },
    };
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: "eu-west-1",
        endpoint: "http://127.0.0.1:1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 3,
        // biome-ignore lint/suspicious/noExplicitAny: a minimal transport stub for the SDK
        requestHandler: handler as any,
      }),
    );
    const outcome = batchWrite(client, TABLE, requests(3)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.runAllTimersAsync();
    const error = (await outcome) as ProvisionedThroughputExceededException;
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect(error.name).toBe("ProvisionedThroughputExceededException");
    expect(attempts).toBe(3);
    expect(error.$metadata.attempts).toBe(3);
  });
});
