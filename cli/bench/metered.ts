import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { TableRef } from "#shared/store/table-ref";

/**
 * A DynamoDB document client that asks for and sums the consumed capacity of every call: how the
 * tests and the benchmark prove "writes proportional to change" in write request units.
 */
export function meteredTable(tableName: string): {
  db: TableRef;
  meter: { wcu: number; rcu: number; calls: number; writes: number; reset(): void };
} {
  const raw = new DynamoDBClient({});
  const meter = {
    wcu: 0,
    rcu: 0,
    calls: 0,
    writes: 0,
    reset() {
      this.wcu = 0;
      this.rcu = 0;
      this.calls = 0;
      this.writes = 0;
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
      if (WRITES.test(context.commandName ?? "")) {
        meter.wcu += units;
        meter.writes++;
      } else meter.rcu += units;
      return result;
    },
    { step: "initialize", name: "meterCapacity" },
  );
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return { db: { client, tableName }, meter };
}
