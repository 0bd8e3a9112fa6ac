import { CfnOutput, Duration, RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpStage, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledgeNag } from "./nag.ts";
import { PipelineFunction, type PipelineFunctionProps, type TableAction } from "./pipeline-function.ts";

/** What the API's use cases do to the table: keyed reads, queries, conditional puts and updates. */
export const API_TABLE_ACTIONS: readonly TableAction[] = [
  "GetItem",
  "BatchGetItem",
  "Query",
  "PutItem",
  "UpdateItem",
  "ConditionCheckItem",
  "DescribeTable",
];

export interface ApiProps {
  readonly table: Table;
  readonly bucket: Bucket;
  /**
   * The secret holding the bootstrap admin token. When absent, one is generated at deploy
   * (read it with `aws secretsmanager get-secret-value --secret-id <AdminTokenSecretArn>`).
   */
  readonly adminToken?: ISecret;
  /** Steady-state requests per second across the API. @default 50 */
  readonly rateLimit?: number;
  /** @default 100 */
  readonly burstLimit?: number;
  /** Sets ASPM_MAX_UPLOAD_BYTES (the presigned POST's size cap); keep it equal to normalize's. */
  readonly maxUploadBytes?: number;
  /** Sets ASPM_TRACKED_BRANCHES (comma separated, besides main and master). */
  readonly trackedBranches?: string;
  readonly function?: Partial<PipelineFunctionProps>;
  /** The shared secret Jira signs webhook deliveries with; the webhook route answers 404 without it. */
  readonly jiraWebhookSecret?: ISecret;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/** HTTP API access log line: the context variables HTTP APIs support, as one JSON object. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  ip: "$context.identity.sourceIp",
  requestTime: "$context.requestTime",
  method: "$context.httpMethod",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
});

/**
 * The HTTP API (DESIGN §2): one `$default` route to the api function, which authenticates every
 * request with the bearer token itself (functions/api/auth.ts) and routes it. Access logs and
 * stage throttling are on; the URL is a stack output.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly handler: PipelineFunction;
  readonly accessLogs: LogGroup;
  readonly url: string;
  /** The secret holding the bootstrap admin token (read by the function at run time). */
  readonly adminToken: ISecret;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.adminToken =
      props.adminToken ??
      new Secret(this, "AdminToken", {
        description: "aspm: bootstrap admin token of the API (create scoped tokens with it)",
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
      });
    if (!props.adminToken)
      acknowledgeNag(
        this.adminToken,
        "SMG4",
        "Rotation means handing every admin a new bootstrap token; day-to-day access uses scoped tokens that are revoked in the API, so the bootstrap token is rotated by hand (put-secret-value), picked up by the API within its 5-minute cache.",
      );

    this.handler = new PipelineFunction(this, "Handler", {
      name: "api",
      description: "aspm api: HTTP API adapter (auth, routes)",
      memorySize: 512,
      // below the HTTP API's 30 s integration limit, so the client sees our error, not a 503
      timeout: Duration.seconds(29),
      ...props.function,
    });
    this.handler
      // least privilege for the internet-facing function: no Scan, no DeleteItem, no batch writes
      .bindTable(props.table, API_TABLE_ACTIONS)
      // the presigned POST is signed with this role: it must be allowed to put what it signs
      .bindBucket(props.bucket, { write: ["raw/"] })
      .bindSecretRef("adminTokenSecretArn", this.adminToken);
    if (props.maxUploadBytes !== undefined)
      this.handler.bindEnv("maxUploadBytes", String(props.maxUploadBytes));
    if (props.trackedBranches) this.handler.bindEnv("trackedBranches", props.trackedBranches);
    if (props.jiraWebhookSecret) this.handler.bindSecretRef("jiraWebhookSecretArn", props.jiraWebhookSecret);

    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "aspm API",
      defaultIntegration: new HttpLambdaIntegration("Handler", this.handler.fn),
      createDefaultStage: false,
    });
    acknowledgeNag(
      this.httpApi,
      "APIG4",
      "Every route but the OpenAPI document and Jira's webhook needs a bearer token, checked by the api function itself (shared/usecases/tokens.ts: the token's SHA-256 looked up among scoped tokens, or compared in constant time with the bootstrap admin token from Secrets Manager); the webhook is verified by its HMAC-SHA256 body signature with a shared secret. An API Gateway authorizer would be a second Lambda doing the same checks, and authorization depends on the app each route touches.",
    );

    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    this.url = this.stage.url;
    new CfnOutput(this, "AdminTokenSecret", {
      value: this.adminToken.secretArn,
      description: "Secrets Manager secret with the bootstrap admin token",
    }).overrideLogicalId("AdminTokenSecretArn");
    new CfnOutput(this, "Url", {
      value: this.url,
      description: "aspm API base URL (ASPM_API_URL for the CLI)",
    }).overrideLogicalId("ApiUrl");
  }
}
