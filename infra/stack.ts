import { Stack, type StackProps, type TimeZone } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { Alarms } from "./constructs/alarms.ts";
import { Api } from "./constructs/api.ts";
import { Data } from "./constructs/data.ts";
import { Ingest } from "./constructs/ingest.ts";
import { type JobIntegrations, Schedules } from "./constructs/schedules.ts";

export interface AspmStackProps extends StackProps {
  /**
   * Keep the table, buckets and salt on stack deletion (and protect the table from deletes).
   * False only for throwaway dev stacks.
   * @default true
   */
  readonly retainData?: boolean;
  /** Upload size cap for the API's presigned POST and normalize's re-check. @default the code's 256 MiB */
  readonly maxUploadBytes?: number;
  /** Findings cap a report, for normalize. @default the code's 1,000,000 */
  readonly maxFindings?: number;
  readonly trackedBranches?: string;
  readonly integrations?: JobIntegrations;
  readonly scheduleTimeZone?: TimeZone;
}

/**
 * The whole pipeline in one stack (DESIGN §2 and §4), composed of one construct per concern:
 * data (the table), ingest (bucket → normalize → correlate, the buses), api, schedules, alarms.
 */
export class AspmStack extends Stack {
  readonly data: Data;
  readonly ingest: Ingest;
  readonly api: Api;
  readonly schedules: Schedules;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: AspmStackProps = {}) {
    super(scope, id, { description: "aspm: application security posture management pipeline", ...props });
    const retain = props.retainData ?? true;

    this.data = new Data(this, "Data", { retain });
    const table = this.data.table;
    this.ingest = new Ingest(this, "Ingest", {
      table,
      retain,
      maxUploadBytes: props.maxUploadBytes,
      maxFindings: props.maxFindings,
    });
    const bucket = this.ingest.bucket;
    this.api = new Api(this, "Api", {
      table,
      bucket,
      maxUploadBytes: props.maxUploadBytes,
      trackedBranches: props.trackedBranches,
    });
    this.schedules = new Schedules(this, "Schedules", {
      table,
      bucket,
      eventBus: this.ingest.eventBus,
      integrations: props.integrations,
      timeZone: props.scheduleTimeZone,
    });
    this.alarms = new Alarms(this, "Alarms", {
      deadLetterQueues: {
        normalize: this.ingest.normalizeDlq,
        correlate: this.ingest.correlateDlq,
        schedules: this.schedules.dlq,
      },
      functions: [
        this.api.handler,
        this.ingest.normalize,
        this.ingest.correlate,
        ...Object.values(this.schedules.functions),
      ],
    });
  }
}
