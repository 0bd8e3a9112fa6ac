import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Bucket } from "aws-cdk-lib/aws-s3";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import type { IConstruct } from "constructs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNagChecks, buildApp } from "#infra/build-app";
import { BUNDLE_BUDGET_BYTES, bundleSizes } from "#infra/bundle-sizes";
import { PROJECT_ROOT } from "#infra/constructs/pipeline-function";
import type { AspmStack } from "#infra/stack";
import { ENV, type EnvKey } from "#shared/config";
import { JOBS, type JobName, rawUploadCreatedPattern, scheduleExpression } from "#shared/events";
import { TABLE_DEFINITION } from "#shared/store/table";

/**
 * ONE synthesis of the real app (real esbuild bundling, cdk-nag on, cdk.json's feature flags)
 * shared by every assertion, bundle sizes included: about 15 s on 2 cores, most of it the seven
 * esbuild bundles, so no test synthesizes again. The time is printed, never asserted (DESIGN §11:
 * budgets are measured by the benchmark, not by timed tests).
 */
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON, checked by the assertions themselves
type Cfn = any;
type Resource = { Type: string; Properties: Record<string, Cfn>; [k: string]: Cfn };
type CfnTemplate = {
  Resources: Record<string, Resource>;
  Parameters?: Record<string, Cfn>;
  Outputs?: Record<string, Cfn>;
};

let outdir: string;
let stack: AspmStack;
let template: Template;
let json: CfnTemplate;
let synthMs = 0;
let assembly: CloudAssembly;

const cdkContext = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")).context as Record<
  string,
  unknown
>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), "aspm-cdk-"));
  const started = performance.now();
  const built = buildApp({ outdir, context: cdkContext });
  stack = built.stack;
  // throws with the cdk-nag report when any finding is not acknowledged
  assembly = built.app.synth();
  template = Template.fromStack(stack); // the cached assembly: no second synthesis
  synthMs = performance.now() - started;
  json = template.toJSON() as CfnTemplate;
  console.log(`infra test: synthesis with bundling and cdk-nag took ${(synthMs / 1000).toFixed(1)} s`);
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const resource = (construct: IConstruct): Resource => {
  const found = json.Resources[logicalId(construct)];
  if (!found) throw new Error(`no resource for ${construct.node.path}`);
  return found;
};
const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
const getAtt = (construct: IConstruct, attribute: string) => ({
  "Fn::GetAtt": [logicalId(construct), attribute],
});
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });

/** The ENV keys a handler requires, read from its `requireEnv([...])` call: no list to keep in sync. */
function requiredEnv(name: string): string[] {
  const source = readFileSync(join(PROJECT_ROOT, "functions", name, "handler.ts"), "utf8");
  const calls = [...source.matchAll(/requireEnv\(\s*\[([^\]]*)\]/g)];
  expect(calls.length, `functions/${name}/handler.ts calls requireEnv`).toBeGreaterThan(0);
  return calls
    .flatMap((c) => [...(c[1] ?? "").matchAll(/"([A-Za-z0-9]+)"/g)].map((m) => m[1] as EnvKey))
    .map((key) => {
      expect(ENV, `unknown ENV key ${key} in functions/${name}/handler.ts`).toHaveProperty(key);
      return ENV[key];
    });
}

describe("synthesis", () => {
  it("passes cdk-nag AwsSolutions: no unacknowledged finding, no error annotation", () => {
    const report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8")) as {
      pluginReports: Array<{ violations?: Array<{ ruleName: string; severity?: string }> }>;
    };
    const violations = report.pluginReports.flatMap((p) => p.violations ?? []);
    expect(violations.filter((v) => v.severity !== "warning").map((v) => v.ruleName)).toEqual([]);
    // what Annotations.fromStack(stack).findError reads, from this synthesis (fromStack would force another)
    const messages = assembly.getStackArtifact(stack.artifactId).messages;
    expect(
      messages.filter((m) => m.level === "error").map((m) => `${m.id}: ${String(m.entry.data)}`),
    ).toEqual([]);
  });

  it("really runs cdk-nag: a non-compliant bucket fails synthesis", () => {
    // a tiny app without functions (no bundling): proves the plugin wiring the real app uses
    const app = new App({ outdir: mkdtempSync(join(outdir, "nag-check-")), context: cdkContext });
    new Bucket(new Stack(app, "Bad"), "Plain");
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  it("acknowledges every cdk-nag finding with a specific reason", () => {
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === "aws:cdk:acknowledged-rules"))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    const nag = acks.filter(([id]) => id.includes("AwsSolutions-"));
    expect(nag.length).toBeGreaterThan(0);
    for (const [id, reason] of nag) expect(reason.length, id).toBeGreaterThan(40);
  });
});

describe("data", () => {
  it("creates the single table from TABLE_DEFINITION", () => {
    const d = TABLE_DEFINITION;
    const table = resource(stack.data.table);
    expect(table.Type).toBe("AWS::DynamoDB::Table");
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: d.partitionKey, KeyType: "HASH" },
      { AttributeName: d.sortKey, KeyType: "RANGE" },
    ]);
    const gsis = table.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;
    expect(gsis.map((g) => g.IndexName)).toEqual(d.globalSecondaryIndexes.map((g) => g.indexName));
    for (const g of d.globalSecondaryIndexes) {
      expect(gsis).toContainEqual({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: "HASH" },
          { AttributeName: g.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      });
    }
    const keyAttributes = new Set([
      d.partitionKey,
      d.sortKey,
      ...d.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
    ]);
    expect(new Set(table.Properties.AttributeDefinitions)).toEqual(
      new Set([...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: "S" }))),
    );
    expect(table.Properties.AttributeDefinitions).toHaveLength(keyAttributes.size);
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: d.ttlAttribute,
      Enabled: true,
    });
  });

  it("is on-demand, point-in-time recoverable, encrypted and protected from deletion", () => {
    const table = resource(stack.data.table);
    expect(table.Properties.BillingMode).toBe("PAY_PER_REQUEST");
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table.DeletionPolicy).toBe("Retain");
  });
});

describe("ingest bucket", () => {
  it("every bucket is encrypted, private and TLS-only", () => {
    const buckets = ofType("AWS::S3::Bucket");
    expect(buckets.length).toBe(2); // uploads and their access logs
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0], id).toMatchObject({
        ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(AES256|aws:kms)$/) },
      });
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policies = ofType("AWS::S3::BucketPolicy").filter(([, p]) => p.Properties.Bucket?.Ref === id);
      expect(policies, id).toHaveLength(1);
      expect(policies[0]?.[1].Properties.PolicyDocument.Statement, id).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:*",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  it("is versioned, logs access, and sends its events to EventBridge", () => {
    const bucket = resource(stack.ingest.bucket);
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({
      DestinationBucketName: ref(stack.ingest.accessLogsBucket),
    });
    expect(bucket.Properties.NotificationConfiguration).toEqual({
      EventBridgeConfiguration: { EventBridgeEnabled: true },
    });
  });

  it("expires raw uploads, normalized reports, superseded state and old intel history", () => {
    const rules = resource(stack.ingest.bucket).Properties.LifecycleConfiguration.Rules as Array<
      Record<string, Cfn>
    >;
    const byPrefix = (prefix: string) => rules.find((r) => r.Prefix === prefix && r.Status === "Enabled");
    expect(byPrefix("raw/")).toMatchObject({ ExpirationInDays: 90 });
    expect(byPrefix("normalized/")).toMatchObject({ ExpirationInDays: 30 });
    // state rotates through three keys per app (store/app-state-store.ts): the superseded versions
    // that rotation leaves expire after a week, the three current ones are kept
    expect(byPrefix("state/")).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } });
    expect(byPrefix("state/")?.ExpirationInDays).toBeUndefined();
    expect(byPrefix("intel/history/")).toMatchObject({ ExpirationInDays: 400 });
    expect(rules.find((r) => r.Prefix === undefined)).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
    });
  });
});

describe("routing and queues", () => {
  it("routes raw uploads from the default bus with the shared rawUploadCreatedPattern", () => {
    const rule = resource(stack.ingest.rawUploadRule);
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus, where S3 publishes
    expect(rule.Properties.EventPattern).toEqual(
      stack.resolve(rawUploadCreatedPattern(stack.ingest.bucket.bucketName)),
    );
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: getAtt(stack.ingest.normalizeQueue, "Arn") }),
    ]);
  });

  it("gives every work queue a DLQ (3 receives), and every other queue is a DLQ", () => {
    const queues = ofType("AWS::SQS::Queue");
    const dlqArns = new Set<string>();
    for (const [, q] of queues) {
      const redrive = q.Properties.RedrivePolicy;
      if (redrive) {
        expect(redrive.maxReceiveCount).toBe(3);
        dlqArns.add(JSON.stringify(redrive.deadLetterTargetArn));
      }
    }
    for (const [, s] of ofType("AWS::Scheduler::Schedule"))
      dlqArns.add(JSON.stringify(s.Properties.Target.DeadLetterConfig.Arn));
    for (const [id, q] of queues) {
      if (q.Properties.RedrivePolicy) continue;
      expect(
        dlqArns.has(JSON.stringify({ "Fn::GetAtt": [id, "Arn"] })),
        `${id} is neither redriven nor a DLQ`,
      ).toBe(true);
    }
    for (const work of [stack.ingest.normalizeQueue, stack.ingest.correlateQueue])
      expect(resource(work).Properties.RedrivePolicy).toBeDefined();
  });

  it("encrypts every queue and denies non-TLS access to it", () => {
    const policies = ofType("AWS::SQS::QueuePolicy");
    for (const [id, q] of ofType("AWS::SQS::Queue")) {
      expect(q.Properties.SqsManagedSseEnabled ?? q.Properties.KmsMasterKeyId, id).toBeTruthy();
      const policy = policies.find(([, p]) =>
        p.Properties.Queues.some((x: unknown) => (x as Cfn)?.Ref === id),
      );
      expect(policy, `${id} has a queue policy`).toBeDefined();
      expect(policy?.[1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
  });

  it("makes correlate FIFO, deduplicated by the id normalize sends, with a FIFO DLQ", () => {
    const queue = resource(stack.ingest.correlateQueue);
    expect(queue.Properties).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false });
    expect(queue.Properties.RedrivePolicy.deadLetterTargetArn).toEqual(
      getAtt(stack.ingest.correlateDlq, "Arn"),
    );
    expect(resource(stack.ingest.correlateDlq).Properties.FifoQueue).toBe(true);
    expect(resource(stack.ingest.normalizeQueue).Properties.FifoQueue).toBeUndefined();
  });

  it("sets queue visibility to six times the consumer's timeout", () => {
    for (const [queue, fn] of [
      [stack.ingest.normalizeQueue, stack.ingest.normalize],
      [stack.ingest.correlateQueue, stack.ingest.correlate],
    ] as const) {
      const timeout = resource(fn.fn).Properties.Timeout as number;
      expect(resource(queue).Properties.VisibilityTimeout).toBe(timeout * 6);
    }
  });

  it("has every event source mapping report partial batch failures", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping");
    expect(mappings).toHaveLength(2);
    for (const [, m] of mappings) {
      expect(m.Properties.FunctionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    }
    const source = (fn: IConstruct) =>
      mappings.find(([, m]) => m.Properties.FunctionName?.Ref === logicalId(fn));
    // one report per normalize invocation (a bad one fails alone); correlate takes an app's scans in order
    expect(source(stack.ingest.normalize.fn)?.[1].Properties.BatchSize).toBe(1);
    expect(source(stack.ingest.correlate.fn)?.[1].Properties.BatchSize).toBe(10);
    expect(source(stack.ingest.normalize.fn)?.[1].Properties.EventSourceArn).toEqual(
      getAtt(stack.ingest.normalizeQueue, "Arn"),
    );
    expect(source(stack.ingest.correlate.fn)?.[1].Properties.EventSourceArn).toEqual(
      getAtt(stack.ingest.correlateQueue, "Arn"),
    );
  });
});

describe("functions", () => {
  const functions = () => ({
    api: stack.api.handler,
    normalize: stack.ingest.normalize,
    correlate: stack.ingest.correlate,
    ...stack.schedules.functions,
  });
  const PLATFORM_ENV = new Set(["NODE_OPTIONS", "POWERTOOLS_SERVICE_NAME"]);

  it("deploys one function per handler folder and no other function", () => {
    const folders = ["api", "correlate", "digest", "intel", "normalize", "posture", "ticket-sync"];
    expect(Object.keys(functions()).sort()).toEqual(folders);
    expect(ofType("AWS::Lambda::Function")).toHaveLength(folders.length);
  });

  it("runs every function on nodejs22.x, arm64, traced, logging to its own log group", () => {
    for (const [id, fn] of ofType("AWS::Lambda::Function")) {
      expect(fn.Properties.Runtime, id).toBe("nodejs22.x");
      expect(fn.Properties.Architectures, id).toEqual(["arm64"]);
      expect(fn.Properties.Handler, id).toBe("index.handler");
      expect(fn.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
      const logGroupId = fn.Properties.LoggingConfig?.LogGroup?.Ref as string;
      expect(json.Resources[logGroupId]?.Properties.RetentionInDays, id).toBe(30);
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe("--enable-source-maps");
    }
  });

  it("gives each function the env vars its handler requires, and only ENV names", () => {
    const allowed = new Set<string>([...Object.values(ENV), ...PLATFORM_ENV]);
    for (const [name, fn] of Object.entries(functions())) {
      const env = resource(fn.fn).Properties.Environment.Variables as Record<string, unknown>;
      for (const variable of requiredEnv(name))
        expect(env, `${name} needs ${variable}`).toHaveProperty(variable);
      for (const variable of Object.keys(env))
        expect(allowed.has(variable), `${name}: ${variable}`).toBe(true);
      expect(env.POWERTOOLS_SERVICE_NAME).toBe(name);
    }
  });

  it("wires the values: table, bucket, queue URL, bus, salt reference and token parameter", () => {
    const env = (fn: IConstruct) => resource(fn).Properties.Environment.Variables;
    const normalize = env(stack.ingest.normalize.fn);
    expect(normalize[ENV.tableName]).toEqual(ref(stack.data.table));
    expect(normalize[ENV.bucketName]).toEqual(ref(stack.ingest.bucket));
    expect(normalize[ENV.correlateQueueUrl]).toEqual(ref(stack.ingest.correlateQueue));
    expect(JSON.stringify(normalize[ENV.secretSalt])).toContain("{{resolve:secretsmanager:");
    expect(env(stack.ingest.correlate.fn)[ENV.eventBusName]).toEqual(ref(stack.ingest.eventBus));
    // consumers know their last attempt from the redrive policy's count
    expect(normalize[ENV.maxReceiveCount]).toBe("3");
    expect(env(stack.ingest.correlate.fn)[ENV.maxReceiveCount]).toBe("3");
    // aspm dlq --stack finds the queues and the table through these outputs
    for (const output of [
      "NormalizeQueueUrl",
      "NormalizeDlqUrl",
      "CorrelateQueueUrl",
      "CorrelateDlqUrl",
      "TableName",
    ])
      expect(json.Outputs?.[output], output).toBeDefined();
    expect(env(stack.api.handler.fn)[ENV.apiTokenSha256]).toEqual({ Ref: "ApiTokenSha256" });
    expect(json.Parameters?.ApiTokenSha256).toMatchObject({ Type: "String", NoEcho: true });
  });

  it("bundles each function within the 1 MB budget (from this synthesis's assets)", () => {
    const sizes = bundleSizes(outdir, json);
    expect(sizes).toHaveLength(7);
    for (const b of sizes) {
      console.log(`bundle ${(b.bytes / 1000).toFixed(1).padStart(6)} kB  ${b.path}`);
      expect(b.bytes, b.path).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      const code = readFileSync(join(outdir, b.asset, "index.mjs"), "utf8");
      expect(code.startsWith("import { createRequire"), `${b.path} has the createRequire banner`).toBe(true);
      expect(b.mapBytes, `${b.path} ships a source map`).toBeGreaterThan(0);
    }
  });
});

describe("api", () => {
  it("routes $default to the api function on a throttled, logged $default stage", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "$default" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      IntegrationUri: getAtt(stack.api.handler.fn, "Arn"),
    });
    const stage = resource(stack.api.stage);
    expect(stage.Properties).toMatchObject({
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: getAtt(stack.api.accessLogs, "Arn") },
    });
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toHaveProperty("requestId");
    expect(JSON.stringify(json.Outputs?.ApiUrl?.Value)).toContain(".execute-api.");
  });
});

describe("schedules", () => {
  it("schedules every job of JOBS with its expression, on its function, with retries and a DLQ", () => {
    const schedules = ofType("AWS::Scheduler::Schedule");
    expect(schedules).toHaveLength(Object.keys(JOBS).length);
    for (const name of Object.keys(JOBS) as JobName[]) {
      const schedule = resource(stack.schedules.schedules[name]);
      expect(schedule.Properties.ScheduleExpression).toBe(scheduleExpression(JOBS[name]));
      expect(schedule.Properties.State).toBe("ENABLED");
      expect(schedule.Properties.Target).toMatchObject({
        Arn: getAtt(stack.schedules.functions[name].fn, "Arn"),
        RoleArn: getAtt(stack.schedules.role, "Arn"),
        RetryPolicy: { MaximumRetryAttempts: 3 },
        DeadLetterConfig: { Arn: getAtt(stack.schedules.dlq, "Arn") },
      });
    }
  });

  it("lets the scheduler role invoke only the job functions", () => {
    const policy = ofType("AWS::IAM::Policy").find(([, p]) =>
      p.Properties.Roles.some((r: Cfn) => r?.Ref === logicalId(stack.schedules.role)),
    );
    const statements = policy?.[1].Properties.PolicyDocument.Statement as Array<Record<string, Cfn>>;
    const invoke = statements.filter((s) => s.Action === "lambda:InvokeFunction");
    const targets = invoke.flatMap((s) => s.Resource).map((r) => JSON.stringify(r));
    for (const fn of Object.values(stack.schedules.functions))
      expect(targets).toContain(JSON.stringify(getAtt(fn.fn, "Arn")));
    expect(JSON.stringify(targets)).not.toContain(logicalId(stack.api.handler.fn));
  });
});

describe("alarms", () => {
  it("alarms on a message in each DLQ, to an encrypted TLS-only topic", () => {
    const alarms = ofType("AWS::CloudWatch::Alarm");
    const dlqs = [stack.ingest.normalizeDlq, stack.ingest.correlateDlq, stack.schedules.dlq];
    for (const dlq of dlqs) {
      const alarm = alarms.find(
        ([, a]) =>
          a.Properties.MetricName === "ApproximateNumberOfMessagesVisible" &&
          JSON.stringify(a.Properties.Dimensions) ===
            JSON.stringify([{ Name: "QueueName", Value: getAtt(dlq, "QueueName") }]),
      );
      expect(alarm, `alarm on ${dlq.node.path}`).toBeDefined();
      expect(alarm?.[1].Properties).toMatchObject({
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [ref(stack.alarms.topic)],
      });
    }
    const topic = resource(stack.alarms.topic);
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("alarms on errors of every function", () => {
    const errorAlarms = ofType("AWS::CloudWatch::Alarm").filter(
      ([, a]) => a.Properties.MetricName === "Errors",
    );
    for (const [id] of ofType("AWS::Lambda::Function")) {
      expect(
        errorAlarms.some(([, a]) => JSON.stringify(a.Properties.Dimensions).includes(`"Ref":"${id}"`)),
        `errors alarm for ${id}`,
      ).toBe(true);
    }
  });
});
