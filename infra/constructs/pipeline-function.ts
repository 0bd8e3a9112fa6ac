import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { EmailIdentity } from "aws-cdk-lib/aws-ses";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENV, type EnvKey } from "#shared/config";
import { acknowledgeNag, acknowledgeWildcard, nagAttRef } from "./nag.ts";

/** The repository root: entries, the lock file and tsconfig are found from here, whatever the cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Lambda handlers: `functions/<name>/handler.ts`, each exporting `handler`. */
export type FunctionName = "api" | "normalize" | "correlate" | "ticket-sync" | "posture" | "digest" | "intel";

/** Key prefixes of the bucket (see `objectKeys` in shared/store/table.ts), e.g. `raw/`. */
export interface BucketAccess {
  /** s3:GetObject under each prefix. */
  readonly read?: readonly string[];
  /** s3:PutObject under each prefix. */
  readonly write?: readonly string[];
  /**
   * s3:ListBucket on the bucket, so that a missing key answers NoSuchKey (which the code treats
   * as "not there yet") rather than AccessDenied.
   */
  readonly list?: boolean;
}

/** DynamoDB actions a function may be granted one by one (see `bindTable`). */
export type TableAction =
  | "GetItem"
  | "BatchGetItem"
  | "Query"
  | "PutItem"
  | "UpdateItem"
  | "ConditionCheckItem"
  | "DescribeTable";

export type QueueUrlEnvKey = Extract<EnvKey, `${string}QueueUrl`>;

export interface PipelineFunctionProps extends Partial<Omit<NodejsFunctionProps, "entry" | "handler">> {
  /** The folder under `functions/`; also the Powertools service name. */
  readonly name: FunctionName;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetentionDays?: RetentionDays;
  /** Log group removal policy. @default RemovalPolicy.RETAIN (logs outlive a torn-down stack) */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Bundle defaults, chosen for the 1 MB-per-bundle budget (DESIGN §11):
 *
 * `@aws-sdk/*` is NOT bundled: it comes from the Lambda Node.js 22 runtime. Bundling our pinned v3
 * clients was the first choice (no drift between what we test and what runs), but measured with
 * this esbuild config the SDK adds 0.4–0.6 MB per function and api, normalize, correlate and intel
 * then land at 1.34–1.47 MB minified, over budget; with the runtime's SDK every bundle is under
 * 0.93 MB. Our SDK use is long-standing plain commands (DynamoDB document client, S3 get/put and
 * presigned POST, SQS send, EventBridge put, SESv2 send), not recent features, and the runtime's
 * SDK includes `@aws-sdk/lib-dynamodb` and `@aws-sdk/s3-presigned-post` beside the clients. The
 * runtime's SDK version lags ours and changes when AWS updates the runtime: that is the cost.
 * `@smithy/*` stays bundled should anything import it directly, because the runtime only ships the
 * `@smithy` packages its own SDK needs. Revisit if the bundles shrink (zod's locales are ~0.3 MB).
 */
export const DEFAULT_BUNDLING = {
  format: OutputFormat.ESM,
  target: "node22",
  mainFields: ["module", "main"],
  // CommonJS dependencies call require() for Node built-ins; ESM has no require, so make one
  banner:
    "import { createRequire as __aspmCreateRequire } from 'node:module';const require = __aspmCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ["@aws-sdk/*"],
  metafile: false,
} satisfies NodejsFunctionProps["bundling"];

/**
 * The house Lambda: Node.js 22 on ARM64, one ESM bundle per handler, source maps, a log group with
 * retention, active tracing, and `bind*` helpers that grant one access and set its env var in one
 * call, so the permission and the configuration the handler reads cannot drift apart. Env var
 * names come from `ENV` in shared/config.ts, the list the handlers read.
 */
export class PipelineFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly functionName: FunctionName;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const { name, logRetentionDays, logRemovalPolicy, bundling, environment, ...overrides } = props;
    this.functionName = name;
    const entry = join(PROJECT_ROOT, "functions", name, "handler.ts");
    if (!existsSync(entry)) throw new Error(`no handler for function ${name}: ${entry}`);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: logRetentionDays ?? RetentionDays.ONE_MONTH,
      removalPolicy: logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy (cdk-nag IAM4): it
    // may write to this function's log group only.
    this.role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `aspm ${name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, "Function", {
      description: `aspm ${name}`,
      memorySize: 1024,
      timeout: Duration.seconds(30),
      ...overrides,
      entry,
      handler: "handler",
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      bundling: {
        ...DEFAULT_BUNDLING,
        tsconfig: join(PROJECT_ROOT, "tsconfig.json"),
        ...bundling,
      },
      environment: {
        // platform settings, not application configuration (which only uses ENV names)
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: name,
        ...environment,
      },
    });

    acknowledgeWildcard(
      this.role,
      "Resource::*",
      "X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) support no resource-level permissions.",
    );
    acknowledgeNag(
      this.fn,
      "L1",
      "Node.js 22 is the pinned Lambda runtime the project targets and tests (DESIGN §4); moving to a newer runtime is a deliberate upgrade, not a drift.",
    );
  }

  /** Sets a plain configuration value (never a credential). */
  bindEnv(key: EnvKey, value: string): this {
    this.fn.addEnvironment(ENV[key], value);
    return this;
  }

  /**
   * DynamoDB access to the single table and its indexes; sets ASPM_TABLE_NAME. `read` and
   * `readWrite` are the CDK grants (which include Scan, and DeleteItem for readWrite); a list of
   * actions grants exactly those, for least-privileged roles such as the internet-facing API.
   */
  bindTable(table: Table, access: "read" | "readWrite" | readonly TableAction[]): this {
    if (access === "read") table.grantReadData(this.role);
    else if (access === "readWrite") table.grantReadWriteData(this.role);
    else table.grant(this.role, ...access.map((a) => `dynamodb:${a}`));
    acknowledgeWildcard(
      this.role,
      `Resource::${nagAttRef(table)}/index/*`,
      "The CDK table grant covers the table's own GSIs (gsi1, gsi2) by the index/* ARN; the single-table access patterns query both, and no other table is reachable.",
    );
    return this.bindEnv("tableName", table.tableName);
  }

  /**
   * S3 access limited to key prefixes, with exact actions (GetObject, PutObject) rather than the
   * CDK grant's wildcard action sets; sets ASPM_BUCKET_NAME.
   */
  bindBucket(bucket: Bucket, access: BucketAccess): this {
    const objects = (prefix: string) => bucket.arnForObjects(`${prefix}*`);
    const bucketRef = nagAttRef(bucket);
    if (access.read?.length) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ["s3:GetObject"], resources: access.read.map(objects) }),
      );
      bucket.encryptionKey?.grantDecrypt(this.role);
    }
    if (access.write?.length) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ["s3:PutObject"], resources: access.write.map(objects) }),
      );
      bucket.encryptionKey?.grantEncrypt(this.role);
    }
    if (access.list) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ["s3:ListBucket"], resources: [bucket.bucketArn] }),
      );
    }
    for (const prefix of new Set([...(access.read ?? []), ...(access.write ?? [])])) {
      acknowledgeWildcard(
        this.role,
        `Resource::${bucketRef}/${prefix}*`,
        `Object keys under ${prefix} are generated per app and scan (shared/store/table.ts objectKeys), so access is granted to the prefix, with a single exact action.`,
      );
    }
    return this.bindEnv("bucketName", bucket.bucketName);
  }

  /** sqs:SendMessage (and the attribute reads the SDK needs) on the queue; sets its URL env var. */
  bindQueue(queue: IQueue, envKey: QueueUrlEnvKey): this {
    queue.grantSendMessages(this.role);
    return this.bindEnv(envKey, queue.queueUrl);
  }

  /** events:PutEvents on the bus; sets ASPM_EVENT_BUS_NAME. */
  bindEventBus(bus: IEventBus): this {
    bus.grantPutEventsTo(this.role);
    return this.bindEnv("eventBusName", bus.eventBusName);
  }

  /**
   * A secret the function reads at run time (shared/integrations/secrets.ts): read access to it, and
   * its ARN (never its value) in the environment. Values resolved at deploy time would sit in the
   * function configuration, readable by anyone allowed lambda:GetFunctionConfiguration.
   */
  bindSecretRef(key: Extract<EnvKey, `${string}Arn`>, secret: ISecret): this {
    secret.grantRead(this.role);
    return this.bindEnv(key, secret.secretArn);
  }

  /**
   * SES sending from one sender identity (the address and its domain, whichever is verified):
   * ses:SendEmail and ses:SendRawEmail (the digest sends raw MIME, for its inline chart).
   */
  bindEmailSender(from: string): this {
    const domain = from.split("@")[1];
    [from, ...(domain ? [domain] : [])].forEach((identity, i) => {
      EmailIdentity.fromEmailIdentityName(this, `SenderIdentity${i}`, identity).grantSendEmail(this.role);
    });
    return this.bindEnv("emailFrom", from);
  }
}
