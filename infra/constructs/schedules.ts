import { Duration, Stack, type TimeZone } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import { Schedule, ScheduleExpression } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { JOBS, type JobName, scheduleExpression } from "#shared/events";
import { acknowledgeNag, acknowledgeWildcard, nagAttRef } from "./nag.ts";
import { PipelineFunction, type PipelineFunctionProps } from "./pipeline-function.ts";
import { deadLetterQueue } from "./queues.ts";

/**
 * Optional integrations. Without them ticket-sync and digest fall back to their file outbox,
 * which on Lambda is only /tmp: configure them for a real deployment.
 */
export interface JobIntegrations {
  readonly jira?: {
    readonly baseUrl: string;
    readonly email: string;
    /** @default "SEC" (the handler's default) */
    readonly project?: string;
    /** Passed as a deploy-time dynamic reference: see PipelineFunction.bindSecret. */
    readonly apiToken: ISecret;
  };
  /** Passed as a deploy-time dynamic reference: see PipelineFunction.bindSecret. */
  readonly slackWebhookUrl?: ISecret;
  /** SES: a verified sender identity and the digest recipients. */
  readonly email?: { readonly from: string; readonly to: readonly string[] };
}

export interface SchedulesProps {
  readonly table: Table;
  readonly bucket: Bucket;
  readonly eventBus: IEventBus;
  readonly integrations?: JobIntegrations;
  /** Time zone of the cron expressions in JOBS (the digest's "Monday 08:00"). @default UTC */
  readonly timeZone?: TimeZone;
  /** Scheduler retries before a run goes to the DLQ. @default 3 */
  readonly retryAttempts?: number;
  /** Per-job function overrides (memory, timeout, …). */
  readonly functions?: Partial<Record<JobName, Partial<PipelineFunctionProps>>>;
}

const JOB_DEFAULTS: Record<JobName, Partial<PipelineFunctionProps>> = {
  // runs every 15 minutes: must finish well inside that
  "ticket-sync": {
    timeout: Duration.minutes(5),
    description: "aspm ticket-sync: reconcile ticket groups with Jira",
  },
  posture: {
    timeout: Duration.minutes(15),
    memorySize: 2048,
    description: "aspm posture: daily snapshots per app, team and org",
  },
  digest: { timeout: Duration.minutes(2), description: "aspm digest: weekly Slack and email digest" },
  intel: {
    timeout: Duration.minutes(15),
    memorySize: 2048,
    description: "aspm intel: EPSS and CISA KEV refresh, rescoring",
  },
};

/**
 * The scheduled jobs (DESIGN §2): one function per entry of JOBS in shared/events.ts, each run
 * by an EventBridge Scheduler schedule rendered with scheduleExpression() (the local stack's
 * timers read the same JOBS), through one role allowed to invoke exactly these functions, with
 * retries and a DLQ for runs that could not be delivered.
 */
export class Schedules extends Construct {
  readonly functions: Record<JobName, PipelineFunction>;
  readonly schedules: Record<JobName, Schedule>;
  readonly role: Role;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const jobs = Object.keys(JOBS) as JobName[];
    const make = (name: JobName, construct: string) =>
      new PipelineFunction(this, construct, { name, ...JOB_DEFAULTS[name], ...props.functions?.[name] });

    const ticketSync = make("ticket-sync", "TicketSync").bindTable(props.table, "readWrite");
    // posture also sweeps scans stuck in flight; telling "never uploaded" from "stuck" takes a HEAD on raw/
    const posture = make("posture", "Posture")
      .bindTable(props.table, "readWrite")
      .bindBucket(props.bucket, { read: ["raw/"], list: true });
    const digest = make("digest", "Digest").bindTable(props.table, "read");
    const intel = make("intel", "Intel")
      .bindTable(props.table, "readWrite")
      // list: a first run finds no intel/current.json.gz and must see NoSuchKey, not AccessDenied
      .bindBucket(props.bucket, { read: ["intel/"], write: ["intel/"], list: true })
      .bindEventBus(props.eventBus);
    this.functions = { "ticket-sync": ticketSync, posture, digest, intel };

    const { jira, slackWebhookUrl, email } = props.integrations ?? {};
    if (jira) {
      ticketSync
        .bindEnv("jiraBaseUrl", jira.baseUrl)
        .bindEnv("jiraEmail", jira.email)
        .bindSecret("jiraApiToken", jira.apiToken);
      if (jira.project) ticketSync.bindEnv("jiraProject", jira.project);
    }
    if (slackWebhookUrl) digest.bindSecret("slackWebhookUrl", slackWebhookUrl);
    if (email) digest.bindEmailSender(email.from).bindEnv("emailTo", email.to.join(","));

    this.role = new Role(this, "SchedulerRole", {
      description: "aspm: EventBridge Scheduler invoking the scheduled job functions",
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    });
    this.dlq = deadLetterQueue(this, "Dlq");
    acknowledgeNag(
      this.dlq,
      "SQS3",
      "This queue is itself a dead-letter queue: the target of EventBridge Scheduler runs that exhausted their retries.",
    );

    const schedules: Partial<Record<JobName, Schedule>> = {};
    for (const name of jobs) {
      const fn = this.functions[name];
      schedules[name] = new Schedule(this, `${fn.node.id}Schedule`, {
        description: `aspm ${name}: ${scheduleExpression(JOBS[name])}`,
        schedule: ScheduleExpression.expression(scheduleExpression(JOBS[name]), props.timeZone),
        target: new LambdaInvoke(fn.fn, {
          role: this.role,
          deadLetterQueue: this.dlq,
          retryAttempts: props.retryAttempts ?? 3,
          maxEventAge: Duration.hours(1),
        }),
      });
      acknowledgeWildcard(
        this.role,
        `Resource::${nagAttRef(fn.fn)}:*`,
        `The Scheduler Lambda target grants invoke on the ${name} function and its qualified ARNs (versions, aliases); no other function.`,
      );
    }
    this.schedules = schedules as Record<JobName, Schedule>;
  }
}
