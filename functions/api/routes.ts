import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { AppId } from "#shared/domain/app";
import { getApp, listApps } from "#shared/store/app-store";
import type { BucketRef } from "#shared/store/blob-store";
import { listFindingsByCve, listFindingsOfApp, listOpenFindingsOfTeam } from "#shared/store/finding-store";
import { getScan, listScansOfApp } from "#shared/store/scan-store";
import type { TableRef } from "#shared/store/table-ref";
import { CreateUploadRequest, createUpload } from "#shared/usecases/create-upload";
import { handleJiraWebhook, type JiraWebhookDeps, JiraWebhookEvent } from "#shared/usecases/jira-webhook";
import { verifyHubSignature } from "./auth.ts";
import { body, decodeCursor, encodeCursor, HttpError, json, rawBody } from "./http.ts";

export interface ApiDeps {
  db: TableRef;
  bucket: BucketRef;
  apiTokenSha256: string;
  maxUploadBytes: number;
  trackedBranches: ReadonlySet<string>;
  /** The Jira webhook, when Jira is configured: its shared secret is read at run time. */
  jiraWebhook?: Omit<JiraWebhookDeps, "db"> & { secret: () => Promise<string> };
}

type Params = Record<string, string>;
type RouteHandler = (
  deps: ApiDeps,
  event: APIGatewayProxyEventV2,
  params: Params,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
  /** How callers prove who they are: the bearer token, or a signature the route checks itself. */
  auth: "bearer" | "signature";
}

function route(method: string, path: string, handler: RouteHandler, auth: Route["auth"] = "bearer"): Route {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    })}$`,
  );
  return { method, pattern, names, handler, auth };
}

function appIdParam(params: Params): string {
  const parsed = AppId.safeParse(params.appId);
  if (!parsed.success) throw new HttpError(400, "invalid app id");
  return parsed.data;
}

const ROUTES: Route[] = [
  route("POST", "/v1/uploads", async (deps, event) => {
    const request = body(event, CreateUploadRequest);
    const result = await createUpload(deps, request);
    return json(201, { ...result, statusUrl: `/v1/scans/${result.scanId}` });
  }),
  route("GET", "/v1/scans/{scanId}", async (deps, _event, params) => {
    const scan = await getScan(deps.db, params.scanId ?? "");
    if (!scan) throw new HttpError(404, "no such scan");
    return json(200, scan);
  }),
  route("GET", "/v1/apps", async (deps) => json(200, { apps: await listApps(deps.db) })),
  route("GET", "/v1/apps/{appId}", async (deps, _event, params) => {
    const app = await getApp(deps.db, appIdParam(params));
    if (!app) throw new HttpError(404, "no such app");
    return json(200, app);
  }),
  route("GET", "/v1/apps/{appId}/scans", async (deps, event, params) => {
    const page = await listScansOfApp(
      deps.db,
      appIdParam(params),
      20,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { scans: page.scans, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/apps/{appId}/findings", async (deps, event, params) => {
    const page = await listFindingsOfApp(
      deps.db,
      appIdParam(params),
      100,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { findings: page.findings, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/teams/{team}/findings", async (deps, event, params) => {
    const page = await listOpenFindingsOfTeam(
      deps.db,
      decodeURIComponent(params.team ?? ""),
      50,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, { findings: page.findings, cursor: encodeCursor(page.cursor) });
  }),
  route("GET", "/v1/cves/{cve}/findings", async (deps, event, params) => {
    const cve = (params.cve ?? "").toUpperCase();
    if (!/^CVE-\d{4}-\d{4,}$/.test(cve)) throw new HttpError(400, "invalid CVE id");
    const page = await listFindingsByCve(
      deps.db,
      cve,
      100,
      decodeCursor(event.queryStringParameters?.cursor),
    );
    return json(200, {
      cve,
      affected: page.findings.length > 0,
      findings: page.findings,
      cursor: encodeCursor(page.cursor),
    });
  }),
  // Jira calls this, with no bearer token: the HMAC signature of the body is its proof
  route(
    "POST",
    "/v1/integrations/jira/webhook",
    async (deps, event) => {
      const webhook = deps.jiraWebhook;
      if (!webhook) throw new HttpError(404, "the Jira webhook is not configured");
      const header = (name: string) => event.headers[name] ?? event.headers[name.toLowerCase()];
      if (!verifyHubSignature(rawBody(event), header("x-hub-signature"), await webhook.secret()))
        throw new HttpError(401, "invalid webhook signature");
      const delivery = header("x-atlassian-webhook-identifier");
      if (!delivery) throw new HttpError(400, "missing X-Atlassian-Webhook-Identifier");
      const result = await handleJiraWebhook(
        { ...webhook, db: deps.db },
        delivery,
        body(event, JiraWebhookEvent),
      );
      return json(200, result);
    },
    "signature",
  ),
];

/** Whether the request's route checks its own signature instead of the bearer token. */
export function isSignedRoute(event: APIGatewayProxyEventV2): boolean {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, "") || "/";
  return ROUTES.some((r) => r.auth === "signature" && r.method === method && r.pattern.test(path));
}

export async function dispatch(
  deps: ApiDeps,
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  const path = event.rawPath.replace(/\/+$/, "") || "/";
  let pathMatched = false;
  for (const r of ROUTES) {
    const match = r.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Params = {};
    r.names.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1] ?? "");
    });
    return r.handler(deps, event, params);
  }
  throw new HttpError(pathMatched ? 405 : 404, pathMatched ? "method not allowed" : "no such route");
}
