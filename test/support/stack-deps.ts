import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { documentClient } from "#shared/aws/dynamodb";
import { s3 } from "#shared/aws/s3";
import type { EventPublisher } from "#shared/bus";
import { ENV } from "#shared/config";
import type { BucketRef } from "#shared/store/blob-store";
import type { TableRef } from "#shared/store/table-ref";

/** The shared local stack as use-case deps, for tests that drive use cases directly. */
export function stackEnv() {
  return inject("stack");
}

export function tableRef(): TableRef {
  return { client: documentClient, tableName: stackEnv().env[ENV.tableName] ?? "" };
}

export function bucketRef(): BucketRef {
  return { client: s3, bucketName: stackEnv().env[ENV.bucketName] ?? "" };
}

/** Collects published events in memory instead of the bus, so a test sees exactly what a run emitted. */
export function recordingPublisher(): EventPublisher & {
  events: Array<{ detailType: string; detail: unknown }>;
} {
  const events: Array<{ detailType: string; detail: unknown }> = [];
  return {
    events,
    async publish(batch) {
      events.push(...batch);
    },
  };
}

/**
 * A DynamoDB document client that asks for and sums the consumed capacity of every call: how the
 * tests and the benchmark prove "writes proportional to change" in write request units.
 */
export function meteredTable(): {
  db: TableRef;
  meter: { wcu: number; rcu: number; calls: number; reset(): void };
} {
  const raw = new DynamoDBClient({});
  const meter = {
    wcu: 0,
    rcu: 0,
    calls: 0,
    reset() {
      this.wcu = 0;
      this.rcu = 0;
      this.calls = 0;
    },
  };
  const WRITES = /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)Command$/;
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity ??= "TOTAL";
      const result = await next(args);
      meter.calls++;
      const output = result.output as { ConsumedCapacity?: unknown };
      const list = Array.isArray(output.ConsumedCapacity)
        ? output.ConsumedCapacity
        : output.ConsumedCapacity
          ? [output.ConsumedCapacity]
          : [];
      const units = (list as Array<{ CapacityUnits?: number }>).reduce(
        (n, c) => n + (c.CapacityUnits ?? 0),
        0,
      );
      if (WRITES.test(context.commandName ?? "")) meter.wcu += units;
      else meter.rcu += units;
      return result;
    },
    { step: "initialize", name: "meterCapacity" },
  );
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { db: { client, tableName: stackEnv().env[ENV.tableName] ?? "" }, meter };
}
