import { inject } from "vitest";
import { meteredTable as meteredTableOf } from "#cli/bench/metered";
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

/** A metered client on the stack's table (see cli/bench/metered.ts). */
export function meteredTable() {
  return meteredTableOf(stackEnv().env[ENV.tableName] ?? "");
}
