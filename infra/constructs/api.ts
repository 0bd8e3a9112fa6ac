import { CfnOutput, CfnParameter, Duration, RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpStage, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { acknowledgeNag } from "./nag.ts";
import { PipelineFunction, type PipelineFunctionProps } from "./pipeline-function.ts";

export interface ApiProps {
  readonly table: Table;
  readonly bucket: Bucket;
  /**
   * Hex SHA-256 of the admin bearer token. When absent, the stack takes it from the NoEcho
   * CloudFormation parameter `ApiTokenSha256` at deploy time.
   */
  readonly apiTokenSha256?: string;
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
  /** The `ApiTokenSha256` parameter, when no hash was given as a prop. */
  readonly tokenParameter?: CfnParameter;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    if (!props.apiTokenSha256) {
      this.tokenParameter = new CfnParameter(this, "ApiTokenSha256", {
        type: "String",
        noEcho: true,
        description: "Hex SHA-256 of the API bearer token (echo -n TOKEN | sha256sum)",
        allowedPattern: "^[0-9a-f]{64}$",
        constraintDescription: "64 lowercase hex characters",
      });
      // a stable name for `cdk deploy --parameters ApiTokenSha256=…`
      this.tokenParameter.overrideLogicalId("ApiTokenSha256");
    }
    const tokenSha256 = props.apiTokenSha256 ?? this.tokenParameter?.valueAsString ?? "";

    this.handler = new PipelineFunction(this, "Handler", {
      name: "api",
      description: "aspm api: HTTP API adapter (auth, routes)",
      memorySize: 512,
      // below the HTTP API's 30 s integration limit, so the client sees our error, not a 503
      timeout: Duration.seconds(29),
      ...props.function,
    });
    this.handler
      .bindTable(props.table, "readWrite")
      // the presigned POST is signed with this role: it must be allowed to put what it signs
      .bindBucket(props.bucket, { write: ["raw/"] })
      .bindEnv("apiTokenSha256", tokenSha256);
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
      "Every route needs a bearer token, checked by the api function itself before routing (functions/api/auth.ts: the SHA-256 of the presented token compared in constant time with the configured hash), except Jira's webhook, which is verified by its HMAC-SHA256 body signature with a shared secret; an API Gateway authorizer would be a second Lambda doing the same checks.",
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
    new CfnOutput(this, "Url", {
      value: this.url,
      description: "aspm API base URL (ASPM_API_URL for the CLI)",
    }).overrideLogicalId("ApiUrl");
  }
}
