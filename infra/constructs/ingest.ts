import { CfnOutput, Duration, RemovalPolicy } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, Rule } from "aws-cdk-lib/aws-events";
import { SqsQueue } from "aws-cdk-lib/aws-events-targets";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type LifecycleRule,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { DeduplicationScope, FifoThroughputLimit } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { rawUploadCreatedPattern } from "#shared/events";
import { toCdkEventPattern } from "./event-pattern.ts";
import { acknowledgeNag } from "./nag.ts";
import { PipelineFunction, type PipelineFunctionProps } from "./pipeline-function.ts";
import { QueueWithDlq } from "./queues.ts";

/** Days each class of object is kept (DESIGN §12: raw uploads are kept for diagnosis, not forever). */
export interface RetentionSettings {
  /** raw/{app}/{scanId}: the uploaded reports. @default 90 */
  readonly rawDays: number;
  /** normalized/{app}/{scanId}.json.gz: input of correlate, needed for a few retries only. @default 30 */
  readonly normalizedDays: number;
  /**
   * Superseded versions of state/{app}/slot-{n} (the correlation state rotates through three keys
   * per app, so current objects stay bounded and old states age out here). @default 7
   */
  readonly stateNoncurrentDays: number;
  /** intel/history/{date}.json.gz: daily EPSS/KEV snapshots, a year and a bit. @default 400 */
  readonly intelHistoryDays: number;
  /** Superseded versions of any other object. @default 30 */
  readonly noncurrentDays: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  rawDays: 90,
  normalizedDays: 30,
  stateNoncurrentDays: 7,
  intelHistoryDays: 400,
  noncurrentDays: 30,
};

export interface IngestProps {
  readonly table: Table;
  /** Keep the buckets and the salt when the stack is deleted. @default true */
  readonly retain?: boolean;
  /** Customer managed key for the bucket; SSE-S3 otherwise (see below). */
  readonly encryptionKey?: IKey;
  /** The domain event bus. @default "aspm" (the name the local stack uses too) */
  readonly eventBusName?: string;
  readonly retention?: Partial<RetentionSettings>;
  /** Sets ASPM_MAX_UPLOAD_BYTES for normalize; keep it equal to the API's. */
  readonly maxUploadBytes?: number;
  readonly normalize?: Partial<PipelineFunctionProps>;
  readonly correlate?: Partial<PipelineFunctionProps>;
}

/** Visibility timeout for a queue feeding a Lambda: AWS's advice of six times the function timeout. */
function visibilityFor(fn: PipelineFunction): Duration {
  return Duration.seconds(fn.fn.timeout ? fn.fn.timeout.toSeconds() * 6 : 180);
}

/**
 * Upload to normalized findings (DESIGN §2): the bucket (EventBridge notifications on), the rule
 * on the default bus sending raw uploads to the normalize queue, the normalize function, the
 * correlate FIFO queue (one writer per app) and its function, and the `aspm` bus that correlate
 * publishes domain events to.
 */
export class Ingest extends Construct {
  readonly bucket: Bucket;
  readonly accessLogsBucket: Bucket;
  readonly eventBus: EventBus;
  readonly normalizeQueue: Queue;
  readonly normalizeDlq: Queue;
  readonly correlateQueue: Queue;
  readonly correlateDlq: Queue;
  readonly rawUploadRule: Rule;
  readonly secretSalt: Secret;
  readonly normalize: PipelineFunction;
  readonly correlate: PipelineFunction;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    const retain = props.retain ?? true;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const days = { ...DEFAULT_RETENTION, ...props.retention };

    this.accessLogsBucket = new Bucket(this, "AccessLogs", {
      // server access logs can only be delivered to an SSE-S3 bucket
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(365) }],
      removalPolicy,
    });

    const lifecycleRules: LifecycleRule[] = [
      { id: "expire-raw-uploads", prefix: "raw/", expiration: Duration.days(days.rawDays) },
      { id: "expire-normalized", prefix: "normalized/", expiration: Duration.days(days.normalizedDays) },
      {
        id: "expire-superseded-state",
        prefix: "state/",
        noncurrentVersionExpiration: Duration.days(days.stateNoncurrentDays),
      },
      {
        id: "expire-intel-history",
        prefix: "intel/history/",
        expiration: Duration.days(days.intelHistoryDays),
      },
      {
        id: "housekeeping",
        noncurrentVersionExpiration: Duration.days(days.noncurrentDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
        expiredObjectDeleteMarker: true,
      },
    ];

    this.bucket = new Bucket(this, "Bucket", {
      // SSE-S3 by default: the presigned POST upload is authorised by the API role's signature,
      // and SSE-KMS would also need kms:GenerateDataKey for it; pass a key to use SSE-KMS.
      ...(props.encryptionKey
        ? { encryption: BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: BucketEncryption.S3_MANAGED }),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: "uploads/",
      lifecycleRules,
      removalPolicy,
    });

    // EventBridge notifications for every object event ("Object Created" feeds the rule below).
    // Set on the bucket resource itself rather than with `eventBridgeEnabled: true`, which routes
    // it through CDK's BucketNotificationsHandler custom resource: an extra Lambda with a managed
    // policy role (cdk-nag IAM4) doing at deploy time what CloudFormation does natively here.
    (this.bucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    this.eventBus = new EventBus(this, "DomainBus", { eventBusName: props.eventBusName ?? "aspm" });

    // Generated at deploy, never in source. It salts the hashes that stand in for secret values
    // in findings, so it must stay stable: rotating it would re-fingerprint every secret finding.
    this.secretSalt = new Secret(this, "SecretSalt", {
      description: "aspm: salt for hashing secret values found by scanners (not a credential)",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    acknowledgeNag(
      this.secretSalt,
      "SMG4",
      "A hashing salt, not a credential: fingerprints of secret findings depend on it staying the same, so it is deliberately never rotated.",
    );

    this.normalize = new PipelineFunction(this, "Normalize", {
      name: "normalize",
      description: "aspm normalize: raw scanner report to normalized findings",
      // DESIGN §11: a 200 MB report in a 2 GB Lambda
      memorySize: 2048,
      timeout: Duration.minutes(5),
      ...props.normalize,
    });
    this.correlate = new PipelineFunction(this, "Correlate", {
      name: "correlate",
      description: "aspm correlate: diff, score and store one scan per app, in order",
      // a 250k-finding report with its app state (npm run bench: correlate_250k)
      memorySize: 3008,
      timeout: Duration.minutes(15),
      ...props.correlate,
    });

    const normalize = new QueueWithDlq(this, "NormalizeQueue", {
      visibilityTimeout: visibilityFor(this.normalize),
    });
    this.normalizeQueue = normalize.queue;
    this.normalizeDlq = normalize.dlq;

    const correlate = new QueueWithDlq(this, "CorrelateQueue", {
      fifo: true,
      visibilityTimeout: visibilityFor(this.correlate),
      queueProps: {
        // normalize sends MessageDeduplicationId = scanId: a body hash would dedupe too little
        contentBasedDeduplication: false,
        // one message group per app: let throughput scale with the number of apps
        deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
        fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      },
    });
    this.correlateQueue = correlate.queue;
    this.correlateDlq = correlate.dlq;

    this.rawUploadRule = new Rule(this, "RawUploadCreated", {
      description: "aspm: raw uploads landing in the bucket go to the normalize queue",
      eventPattern: toCdkEventPattern(rawUploadCreatedPattern(this.bucket.bucketName)),
      targets: [new SqsQueue(this.normalizeQueue)],
    });

    // The salt reaches normalize as a CloudFormation dynamic reference resolved at deploy time,
    // so it is visible in the function configuration: acceptable for a salt, which is not a
    // credential (it only makes the stored hashes of found secrets unguessable offline).
    this.normalize
      .bindTable(props.table, "readWrite")
      .bindBucket(this.bucket, { read: ["raw/"], write: ["normalized/"] })
      .bindQueue(this.correlateQueue, "correlateQueueUrl")
      .bindSecret("secretSalt", this.secretSalt);
    if (props.maxUploadBytes !== undefined)
      this.normalize.bindEnv("maxUploadBytes", String(props.maxUploadBytes));
    this.normalize.bindEnv("maxReceiveCount", String(normalize.maxReceiveCount));
    // one report per invocation: a hostile or huge report fails alone, never nine others with it
    this.normalize.fn.addEventSource(
      new SqsEventSource(this.normalizeQueue, { batchSize: 1, reportBatchItemFailures: true }),
    );

    // what `aspm dlq list|replay --stack` reads to find the queues
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description }).overrideLogicalId(id);
    output("NormalizeQueueUrl", this.normalizeQueue.queueUrl, "aspm normalize queue");
    output("NormalizeDlqUrl", this.normalizeDlq.queueUrl, "aspm normalize dead-letter queue");
    output("CorrelateQueueUrl", this.correlateQueue.queueUrl, "aspm correlate queue (FIFO)");
    output("CorrelateDlqUrl", this.correlateDlq.queueUrl, "aspm correlate dead-letter queue (FIFO)");
    output("TableName", props.table.tableName, "aspm single table");

    this.correlate
      .bindTable(props.table, "readWrite")
      .bindBucket(this.bucket, { read: ["normalized/", "state/", "intel/"], write: ["state/"], list: true })
      .bindEventBus(this.eventBus);
    this.correlate.bindEnv("maxReceiveCount", String(correlate.maxReceiveCount));
    this.correlate.fn.addEventSource(
      new SqsEventSource(this.correlateQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );
  }
}
