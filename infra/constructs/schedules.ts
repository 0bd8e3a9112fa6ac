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
 * Where ticket-sync and digest deliver. Credentials are secrets the functions read at run time
 * (their ARNs and a read grant, never their values, are in the function configuration). A job
 * with nowhere to deliver keeps its function but its schedule is disabled: on Lambda the file
 * outbox would be /tmp, where output is lost without a trace.
 */
export interface JobIntegrations {
  readonly jira?: {
    readonly baseUrl: string;
    /** Secrets Manager secret holding JSON `{"email": …, "apiToken": …}`. */
    readonly credentials: ISecret;
    /** Project of tickets no routing rule places. @default "SEC" (the handler's default) */
    readonly projectDefault?: string;
    /** Preferred transition names and the fix resolution, for workflows that need them. */
    readonly doneTransition?: string;
    readonly reopenTransition?: string;
    readonly fixResolution?: string;
  };
  /** Secrets Manager secret holding the Slack incoming-webhook URL. */
  readonly slackWebhook?: ISecret;
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
    // one sync at a time: two concurrent runs could both create the same group's ticket
    reservedConcurrentExecutions: 1,
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

    const ticketSync = make("ticket-sync", "TicketSync")
      .bindTable(props.table, "readWrite")
      // the correlation state: where a finding a person closed is still seen
      .bindBucket(props.bucket, { read: ["state/"], list: true });
    // posture also sweeps scans stuck in flight; telling "never uploaded" from "stuck" takes a HEAD on raw/
    const posture = make("posture", "Posture")
      .bindTable(props.table, "readWrite")
      .bindBucket(props.bucket, { read: ["raw/"], list: true });
    const digest = make("digest", "Digest").bindTable(props.table, "read");
    const intel = make("intel", "Intel")
      .bindTable(props.table, "readWrite")
      // list: a first run finds no intel/current.json.gz and must see NoSuchKey, not AccessDenied
      .bindBucket(props.bucket, { read: ["intel/"], write: ["intel/"], list: true })
      .bindEventBus(props.eventBus)
      // on AWS the daily job fetches the public feeds; everywhere else it reads the bundled KEV snapshot
      .bindEnv("intelOnline", "true");
    this.functions = { "ticket-sync": ticketSync, posture, digest, intel };

    const { jira, slackWebhook, email } = props.integrations ?? {};
    if (jira) {
      ticketSync.bindEnv("jiraBaseUrl", jira.baseUrl).bindSecretRef("jiraSecretArn", jira.credentials);
      if (jira.projectDefault) ticketSync.bindEnv("jiraProject", jira.projectDefault);
      if (jira.doneTransition) ticketSync.bindEnv("jiraDoneTransition", jira.doneTransition);
      if (jira.reopenTransition) ticketSync.bindEnv("jiraReopenTransition", jira.reopenTransition);
      if (jira.fixResolution) ticketSync.bindEnv("jiraFixResolution", jira.fixResolution);
    }
    if (slackWebhook) digest.bindSecretRef("slackSecretArn", slackWebhook);
    if (email) digest.bindEmailSender(email.from).bindEnv("emailTo", email.to.join(","));
    const delivers: Record<JobName, boolean> = {
      "ticket-sync": !!jira,
      digest: !!(slackWebhook || email),
      posture: true,
      intel: true,
    };

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
        enabled: delivers[name],
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
