import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { createSqsServer } from "local-aws-sqs";
import S3rver from "s3rver";
import { z } from "zod";
import { ENV } from "#shared/config";
import { printable } from "#shared/domain/printable";
import { type CorrelateMessage, JOBS, type JobName, rawUploadCreatedPattern } from "#shared/events";
import { adminTokenOf } from "./admin-token.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { LOCAL_ACCOUNT, LOCAL_REGION, LocalEventBus } from "./event-bus.ts";
import { serveHttpApi } from "./http-api.ts";
import { freePort } from "./ports.ts";
import { pollQueue, type QueuePoller } from "./queue-poller.ts";
import { startSchedules } from "./schedules.ts";
import { startLocalSecretsManager } from "./secrets-manager.ts";
import { createTable } from "./table.ts";

/**
 * The embedded local stack (DESIGN §3): real stand-ins for DynamoDB (AWS DynamoDB Local), S3
 * (s3rver) and SQS (local-aws-sqs), an in-process EventBridge applying the deployed rule patterns,
 * pollers acting as Lambda event source mappings, timers as the scheduler, and node:http as the
 * HTTP API. Handlers are the Lambda handlers themselves, configured only through environment
 * variables (`AWS_ENDPOINT_URL_*`, `ASPM_*`).
 */

export interface LocalStackOptions {
  /** Keep data under this folder (default `.aspm/`); ignored with `memory`. */
  dataDir?: string;
  /** Throwaway: DynamoDB in memory, S3 in a temp folder removed on stop. */
  memory?: boolean;
  /** Fixed API port (default: any free port). */
  apiPort?: number;
  /**
   * Ports of the stand-ins (default: free ones). A restart in the same process must reuse them:
   * the handlers' SDK clients were built for these endpoints when they were first imported.
   */
  ports?: Partial<StackPorts>;
  /** Seconds before a failed message is delivered again (default 60 normalize, 120 correlate; fault tests use a few). */
  visibilityTimeoutSeconds?: number;
  /** Run the scheduled jobs on timers (aspm dev); tests and the demo run jobs on demand. */
  schedules?: boolean;
  /** The bootstrap admin token; when absent, the one kept in `<dataDir>/admin-token` (made once, mode 0600). */
  apiToken?: string;
  /** Extra environment for the handlers (Jira base URL and project, context file, …). */
  env?: Record<string, string>;
  /** Secret values the local Secrets Manager serves; handlers get only their ids, as on AWS. */
  secrets?: LocalSecrets;
  log?: (line: string) => void;
}

export interface StackPorts {
  dynamodb: number;
  s3: number;
  sqs: number;
  bus: number;
  api: number;
  secrets: number;
}

export interface LocalSecrets {
  /** The salt of secret-finding hashes. @default ASPM_SECRET_SALT, or a fixed development salt */
  secretSalt?: string;
  /** Real Jira credentials (with ASPM_JIRA_BASE_URL in `env`); without them tickets go to the outbox. */
  jira?: { email: string; apiToken: string };
  slackWebhookUrl?: string;
  /** The shared secret Jira signs webhook deliveries with. @default a random one */
  jiraWebhookSecret?: string;
}

export interface LocalStack {
  ports: StackPorts;
  apiUrl: string;
  /** The shared secret to configure on a Jira webhook pointing at this stack. */
  jiraWebhookSecret: string;
  apiToken: string;
  env: Record<string, string>;
  bus: LocalEventBus;
  outboxDir: string;
  queues: { normalize: string; normalizeDlq: string; correlate: string; correlateDlq: string };
  runJob(name: JobName): Promise<unknown>;
  /** Waits until uploads in flight are through normalize and correlate. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const BUCKET = "aspm-local";
const MAX_RECEIVES = 3;
const LOCAL_ADMIN_SECRET = "aspm-local/admin-token";
const TABLE = "aspm-local";

async function createQueueWithDlq(
  sqs: SQSClient,
  name: string,
  fifo: boolean,
  visibilityTimeout: number,
  maxReceiveCount: number,
) {
  const suffix = fifo ? ".fifo" : "";
  const fifoAttrs: Record<string, string> = fifo ? { FifoQueue: "true" } : {};
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq${suffix}`, Attributes: { ...fifoAttrs } }),
  );
  const dlqUrl = dlq.QueueUrl ?? "";
  const dlqAttrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
  );
  const dlqArn = dlqAttrs.Attributes?.QueueArn ?? "";
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}${suffix}`,
      Attributes: {
        ...fifoAttrs,
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  const url = queue.QueueUrl ?? "";
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  return { url, arn: attrs.Attributes?.QueueArn ?? "", dlqUrl };
}

/**
 * Intel before the first upload, so findings are scored against KEV from the start: the intel
 * job, offline unless asked (the bundled KEV snapshot; `--online` or ASPM_INTEL_DIR say otherwise).
 * A stack that kept its data keeps its snapshot; the daily schedule refreshes it.
 */
async function seedIntel(runJob: (name: JobName) => Promise<unknown>, log: (line: string) => void) {
  const [{ loadIntel }, { s3 }] = await Promise.all([
    import("#shared/store/intel-store"),
    import("#shared/aws/s3"),
  ]);
  if (await loadIntel({ client: s3, bucketName: BUCKET })) return;
  const result = IntelSeed.safeParse(await runJob("intel"));
  const kev = result.success ? result.data.metadata.kev : undefined;
  log(kev ? `intel: KEV ${kev.catalogVersion} (${kev.count} CVEs)` : "intel: no KEV snapshot loaded");
}

const IntelSeed = z.object({
  metadata: z.object({ kev: z.object({ catalogVersion: z.string(), count: z.number() }).optional() }),
});

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const dataDir = resolve(options.dataDir ?? ".aspm");
    const tempDir = options.memory ? mkdtempSync(join(tmpdir(), "aspm-")) : undefined;
    if (tempDir) stops.push(async () => rmSync(tempDir, { recursive: true, force: true }));
    const root = tempDir ?? dataDir;
    mkdirSync(root, { recursive: true });
    const outboxDir = options.env?.[ENV.outboxDir] ?? join(root, "outbox");

    const dynamoPort = options.ports?.dynamodb ?? (await freePort());
    const dynamo = await startDynamoDbLocal({
      port: dynamoPort,
      ...(options.memory ? {} : { dataDir: join(root, "dynamodb") }),
    });
    stops.push(dynamo.stop);
    log(`DynamoDB Local on ${dynamo.endpoint}`);

    const bus = new LocalEventBus();
    bus.onError = (rule, error) => log(`bus target ${rule} failed: ${(error as Error).message}`);
    const s3Port = options.ports?.s3 ?? (await freePort());
    const s3 = new S3rver({
      address: "127.0.0.1",
      port: s3Port,
      silent: true,
      directory: join(root, "s3"),
      vhostBuckets: false,
      configureBuckets: [{ name: BUCKET }],
    });
    await s3.run();
    stops.push(() => s3.close());
    const s3Endpoint = `http://127.0.0.1:${s3Port}`;
    log(`s3rver on ${s3Endpoint}`);

    const sqsPort = options.ports?.sqs ?? (await freePort());
    const sqsServer = await createSqsServer({
      port: sqsPort,
      hostname: "127.0.0.1",
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      emulateQueueCreationLifecycle: false,
    });
    stops.push(() => new Promise<void>((r) => sqsServer.close(() => r())));
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    log(`local-aws-sqs on ${sqsEndpoint}`);

    const busEndpoint = await bus.listen(options.ports?.bus ?? 0);
    stops.push(() => bus.close());

    const apiToken = options.apiToken ?? adminTokenOf(dataDir);
    // handlers read their secrets the way they do on AWS: by id, from Secrets Manager, at run time
    const secretsManager = await startLocalSecretsManager(options.ports?.secrets);
    stops.push(() => secretsManager.close());
    const jiraWebhookSecret = options.secrets?.jiraWebhookSecret ?? randomBytes(24).toString("base64url");
    const secretEnv: Record<string, string> = {
      [ENV.adminTokenSecretArn]: secretsManager.put(LOCAL_ADMIN_SECRET, apiToken),
      [ENV.secretSaltArn]: secretsManager.put(
        "aspm/secret-salt",
        options.secrets?.secretSalt ?? process.env.ASPM_SECRET_SALT ?? "local-development-salt",
      ),
      [ENV.jiraWebhookSecretArn]: secretsManager.put("aspm/jira-webhook", jiraWebhookSecret),
    };
    if (options.secrets?.jira)
      secretEnv[ENV.jiraSecretArn] = secretsManager.put("aspm/jira", JSON.stringify(options.secrets.jira));
    if (options.secrets?.slackWebhookUrl)
      secretEnv[ENV.slackSecretArn] = secretsManager.put("aspm/slack", options.secrets.slackWebhookUrl);
    // s3rver only accepts its own fixed key pair; the other stand-ins accept any
    const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
    const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials });
    await createTable(dynamoClient, TABLE);
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: LOCAL_REGION, credentials });
    const normalizeQueue = await createQueueWithDlq(
      sqs,
      "aspm-normalize",
      false,
      options.visibilityTimeoutSeconds ?? 60,
      MAX_RECEIVES,
    );
    const correlateQueue = await createQueueWithDlq(
      sqs,
      "aspm-correlate",
      true,
      options.visibilityTimeoutSeconds ?? 120,
      MAX_RECEIVES,
    );

    const env: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: busEndpoint,
      AWS_ENDPOINT_URL_SESV2: "http://127.0.0.1:9",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
      [ENV.tableName]: TABLE,
      [ENV.bucketName]: BUCKET,
      [ENV.correlateQueueUrl]: correlateQueue.url,
      [ENV.eventBusName]: "aspm",
      ...secretEnv,
      [ENV.outboxDir]: outboxDir,
      [ENV.maxReceiveCount]: String(MAX_RECEIVES),
      ...options.env,
    };
    // handlers build their SDK clients from the environment at import, so it is set before they load
    Object.assign(process.env, env);

    const [{ handler: normalize }, { handler: correlate }, { handler: api }] = await Promise.all([
      import("#functions/normalize/handler"),
      import("#functions/correlate/handler"),
      import("#functions/api/handler"),
    ]);
    const { runJob } = await import("./jobs.ts");
    const contextFile = env[ENV.contextFile];
    if (contextFile) {
      const [{ applyContextFile }, { documentClient }] = await Promise.all([
        import("#shared/usecases/apply-context"),
        import("#shared/aws/dynamodb"),
      ]);
      const apps = await applyContextFile(
        { client: documentClient, tableName: TABLE },
        readFileSync(contextFile, "utf8"),
      );
      log(`context: ${apps.length} apps classified from ${contextFile}`);
    }
    await seedIntel(runJob, log);

    // S3 → EventBridge "Object Created" on the default bus, as the bucket's EventBridge notifications do
    const objectCreated = (
      object: { key: string; size: number; etag: string },
      reason: string,
      time: string,
    ) =>
      bus.put("default", {
        source: "aws.s3",
        "detail-type": "Object Created",
        time,
        resources: [`arn:aws:s3:::${BUCKET}`],
        detail: { version: "0", bucket: { name: BUCKET }, object, reason },
      });
    s3.on("event", (event) => {
      for (const record of event.Records) {
        if (!record.eventName.startsWith("ObjectCreated") || record.s3.bucket.name !== BUCKET) continue;
        objectCreated(
          {
            key: decodeURIComponent(record.s3.object.key),
            size: record.s3.object.size ?? 0,
            etag: record.s3.object.eTag ?? "",
          },
          record.eventName.endsWith("Post") ? "PostObject" : "PutObject",
          record.eventTime,
        );
      }
    });
    bus.addRule({
      name: "raw-upload-created",
      bus: "default",
      pattern: rawUploadCreatedPattern(BUCKET),
      target: async (event) => {
        await sqs.send(
          new SendMessageCommand({ QueueUrl: normalizeQueue.url, MessageBody: JSON.stringify(event) }),
        );
      },
    });

    // a whole-batch failure says "see individual errors below": say them
    const onError = (name: string) => (error: unknown) => {
      const records = (error as { recordErrors?: unknown[] }).recordErrors ?? [];
      const details = records.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)));
      log(printable(`${name}: ${(error as Error).message}${details.length ? ` ${details.join("; ")}` : ""}`));
    };
    const pollers: QueuePoller[] = [
      pollQueue({
        sqs,
        queueUrl: normalizeQueue.url,
        queueArn: normalizeQueue.arn,
        functionName: "normalize",
        handler: normalize,
        // the deployed event source sends normalize one report at a time, and so does this one
        batchSize: 1,
        onError: onError("normalize"),
      }),
      pollQueue({
        sqs,
        queueUrl: correlateQueue.url,
        queueArn: correlateQueue.arn,
        functionName: "correlate",
        handler: correlate,
        onError: onError("correlate"),
      }),
    ];
    stops.push(async () => {
      await Promise.all(pollers.map((p) => p.stop()));
    });

    if (!options.memory) {
      // local-aws-sqs keeps no messages across restarts: whatever was in flight is handed on again
      const [{ redriveInFlight }, { documentClient }, { s3: s3Client }] = await Promise.all([
        import("#shared/usecases/redrive-in-flight"),
        import("#shared/aws/dynamodb"),
        import("#shared/aws/s3"),
      ]);
      const redriven = await redriveInFlight({
        db: { client: documentClient, tableName: TABLE },
        bucket: { client: s3Client, bucketName: BUCKET },
        toNormalize: async (object) => {
          objectCreated({ ...object, etag: "" }, "PostObject", new Date().toISOString());
        },
        toCorrelate: async (scan) => {
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: correlateQueue.url,
              MessageBody: JSON.stringify({
                scanId: scan.scanId,
                appId: scan.appId,
              } satisfies CorrelateMessage),
              MessageGroupId: scan.appId,
              MessageDeduplicationId: `${scan.scanId}-restart-${Date.now()}`,
            }),
          );
        },
      });
      if (redriven.normalize + redriven.correlate)
        log(
          `restart: handed ${redriven.normalize} scans to normalize and ${redriven.correlate} to correlate again`,
        );
    }

    const server = await serveHttpApi(api, options.ports?.api ?? options.apiPort ?? 0);
    stops.push(server.close);
    log(`HTTP API on ${server.url}`);

    if (options.schedules) {
      const timers = startSchedules(JOBS, (name) => runJob(name).then(() => undefined), log);
      stops.push(async () => timers.stop());
    }

    return {
      ports: {
        dynamodb: dynamoPort,
        s3: s3Port,
        sqs: sqsPort,
        bus: Number(new URL(busEndpoint).port),
        api: Number(new URL(server.url).port),
        secrets: Number(new URL(secretsManager.endpoint).port),
      },
      apiUrl: server.url,
      apiToken,
      jiraWebhookSecret,
      env,
      bus,
      outboxDir,
      queues: {
        normalize: normalizeQueue.url,
        normalizeDlq: normalizeQueue.dlqUrl,
        correlate: correlateQueue.url,
        correlateDlq: correlateQueue.dlqUrl,
      },
      runJob,
      async settle() {
        await bus.drain();
        for (const p of pollers) await p.idle();
        await bus.drain();
        for (const p of pollers) await p.idle();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
