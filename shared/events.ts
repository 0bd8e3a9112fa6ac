import { z } from "zod";
import { ScanCounts } from "#shared/domain/scan-counts";
import type { EventPattern } from "./event-pattern.ts";

/**
 * The event catalog: every event that crosses a boundary, its zod schema, and the rule patterns
 * that route it. Infra deploys these patterns and the local bus applies the very same objects.
 */

export const DOMAIN_SOURCE = "aspm";

export const DETAIL_TYPES = {
  objectCreated: "Object Created",
  scanProcessed: "Scan Processed",
  findingsOpened: "Findings Opened",
  findingsResolved: "Findings Resolved",
  findingsReopened: "Findings Reopened",
  findingsRescored: "Findings Rescored",
} as const;

/** EventBridge envelope as delivered to an SQS target (the whole event is the message body). */
export const EventEnvelope = z.looseObject({
  version: z.string().optional(),
  id: z.string(),
  "detail-type": z.string(),
  source: z.string(),
  account: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.unknown(),
});

/** S3 "Object Created" detail (EventBridge notifications on the bucket). */
export const ObjectCreatedDetail = z.looseObject({
  bucket: z.looseObject({ name: z.string() }),
  object: z.looseObject({
    key: z.string(),
    size: z.number().nonnegative().optional(),
    etag: z.string().optional(),
    /** Present when the bucket is versioned (on AWS): the exact upload this event is about. */
    "version-id": z.string().optional(),
  }),
});
export type ObjectCreatedDetail = z.infer<typeof ObjectCreatedDetail>;

export const ObjectCreatedEvent = EventEnvelope.extend({
  "detail-type": z.literal(DETAIL_TYPES.objectCreated),
  source: z.literal("aws.s3"),
  detail: ObjectCreatedDetail,
});
export type ObjectCreatedEvent = z.infer<typeof ObjectCreatedEvent>;

/** normalize → correlate.fifo (MessageGroupId = app, so one writer per app). */
export const CorrelateMessage = z.object({ scanId: z.string().min(1), appId: z.string().min(1) });
export type CorrelateMessage = z.infer<typeof CorrelateMessage>;

export const ScanProcessedDetail = z.object({
  scanId: z.string(),
  appId: z.string(),
  lifecycle: z.enum(["applied", "stale", "untracked"]),
  counts: ScanCounts,
});
export type ScanProcessedDetail = z.infer<typeof ScanProcessedDetail>;

/** Findings change in batches: one event carries many ids, so a 10k-finding scan is ~20 events, not 10k. */
export const FindingsChangedDetail = z.object({
  appId: z.string(),
  scanId: z.string().optional(),
  findings: z.array(
    z.object({
      id: z.string(),
      severity: z.string().optional(),
      priority: z.string().optional(),
      previousPriority: z.string().optional(),
    }),
  ),
});
export type FindingsChangedDetail = z.infer<typeof FindingsChangedDetail>;

/** Rule: raw uploads landing in the bucket go to the normalize queue. */
export function rawUploadCreatedPattern(bucketName: string): EventPattern {
  return {
    source: ["aws.s3"],
    "detail-type": [DETAIL_TYPES.objectCreated],
    detail: { bucket: { name: [bucketName] }, object: { key: [{ prefix: "raw/" }] } },
  };
}

/** Scheduled jobs, as data: infra renders them as EventBridge Scheduler expressions, the local stack as timers. */
export type Schedule =
  | { kind: "rate"; minutes: number }
  | { kind: "cron"; minute: number; hour: number; weekday?: number };

export const JOBS = {
  "ticket-sync": { kind: "rate", minutes: 15 },
  posture: { kind: "cron", minute: 0, hour: 2 },
  digest: { kind: "cron", minute: 0, hour: 8, weekday: 1 },
  intel: { kind: "cron", minute: 30, hour: 1 },
} as const satisfies Record<string, Schedule>;
export type JobName = keyof typeof JOBS;

export function scheduleExpression(schedule: Schedule): string {
  if (schedule.kind === "rate") return `rate(${schedule.minutes} minute${schedule.minutes === 1 ? "" : "s"})`;
  const day = schedule.weekday === undefined ? "*" : "?";
  const weekday = schedule.weekday === undefined ? "?" : String(schedule.weekday + 1); // AWS: 1=SUN
  return `cron(${schedule.minute} ${schedule.hour} ${day} * ${weekday} *)`;
}
