import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { transitionScan } from "#shared/store/scan-store";
import type { TableRef } from "#shared/store/table-ref";

describe("transitionScan", () => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
  const ddb = mockClient(client);
  const db: TableRef = { client, tableName: "aspm-test" };

  beforeEach(() => {
    ddb.reset();
  });

  it("returns true and sends a guarded update of the patch", async () => {
    ddb.on(UpdateCommand).resolves({});
    const ok = await transitionScan(db, "01JSCAN", ["pending", "failed"], {
      status: "normalized",
      updatedAt: "2026-01-05T10:00:00.000Z",
      format: "sarif",
      tool: undefined,
    });
    expect(ok).toBe(true);
    const calls = ddb.commandCalls(UpdateCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toEqual({
      TableName: "aspm-test",
      Key: { pk: "SCAN#01JSCAN", sk: "SCAN" },
      // still in flight: the sparse in-flight index follows the progress; a recorded failure is cleared
      UpdateExpression:
        "SET #status = :status, #updatedAt = :updatedAt, #format = :format, gsi2pk = :g2pk, gsi2sk = :g2sk REMOVE failure",
      ConditionExpression: "attribute_exists(pk) AND #status IN (:from0, :from1)",
      ExpressionAttributeNames: { "#status": "status", "#updatedAt": "updatedAt", "#format": "format" },
      ExpressionAttributeValues: {
        ":status": "normalized",
        ":updatedAt": "2026-01-05T10:00:00.000Z",
        ":format": "sarif",
        ":g2pk": "SCANS#INFLIGHT",
        ":g2sk": "2026-01-05T10:00:00.000Z#01JSCAN",
        ":from0": "pending",
        ":from1": "failed",
      },
    });
  });

  it("takes a finished scan out of the in-flight index", async () => {
    ddb.on(UpdateCommand).resolves({});
    await transitionScan(db, "01JSCAN", ["normalized"], {
      status: "processed",
      updatedAt: "2026-01-05T10:00:00.000Z",
    });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toBe(
      "SET #status = :status, #updatedAt = :updatedAt REMOVE gsi2pk, gsi2sk, failure",
    );
  });

  it("returns false when the scan is not in an allowed status (ConditionalCheckFailedException)", async () => {
    ddb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }),
      );
    await expect(
      transitionScan(db, "01JSCAN", ["pending"], {
        status: "normalized",
        updatedAt: "2026-01-05T10:00:00.000Z",
      }),
    ).resolves.toBe(false);
  });

  it("rethrows any other error", async () => {
    const throttled = Object.assign(new Error("Rate of requests exceeds the allowed throughput."), {
      name: "ThrottlingException",
    });
    ddb.on(UpdateCommand).rejects(throttled);
    await expect(
      transitionScan(db, "01JSCAN", ["pending"], {
        status: "normalized",
        updatedAt: "2026-01-05T10:00:00.000Z",
      }),
    ).rejects.toBe(throttled);
  });

  it("rethrows a validation error whose message mentions the condition", async () => {
    ddb.on(UpdateCommand).rejects(
      Object.assign(new Error("ConditionalCheckFailedException in expression"), {
        name: "ValidationException",
      }),
    );
    await expect(
      transitionScan(db, "01JSCAN", ["pending"], { status: "failed", updatedAt: "2026-01-05T10:00:00.000Z" }),
    ).rejects.toMatchObject({
      name: "ValidationException",
    });
  });
});
